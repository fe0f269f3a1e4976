"""Payment intents: the charging core used by invoices, plus the API (create, retrieve, confirm, cancel, list).

`charge()` runs a payment against a payment method's private `_behaviour` (the card contract, README "Test cards"):
"ok" and "3ds_setup" succeed, "decline:<code>" and "fail_charge" end in `requires_payment_method` with a
`card_error` in `last_payment_error`, "3ds" ends in `requires_action` until the 3-D Secure test helper
(`POST /_emulator/payment_intents/{id}/3ds`, result=approve|fail) decides. An intent that pays an invoice tells
the invoice engine about the outcome, which in turn updates the subscription.
"""

from __future__ import annotations

import secrets
from typing import Any

from ..backend import Backend
from ..billing import common
from ..errors import card_error, invalid_request
from ..router import Request, route
from .payment_methods import RADAR_BLOCK

DECLINE_MESSAGES = {
    "generic_decline": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
    "expired_card": "Your card has expired.",
    "incorrect_cvc": "Your card's security code is incorrect.",
    "processing_error": "An error occurred while processing your card. Try again in a little bit.",
    "card_declined": "Your card was declined.",
    "fraudulent": "Your card was declined.",
}
_OWN_CODES = {"expired_card", "incorrect_cvc", "processing_error"}


def create_intent(
    b: Backend,
    *,
    customer: str | None,
    amount: int,
    currency: str,
    payment_method: str | None = None,
    description: str | None = None,
    metadata: dict[str, Any] | None = None,
    invoice: str | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    if amount < 50 and invoice is None:
        raise invalid_request("Amount must be at least $0.50 usd", param="amount", code="amount_too_small")
    pid = b.new_id("pi")
    pi: dict[str, Any] = {
        "id": pid,
        "object": "payment_intent",
        "allowed_payment_method_types": None,
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "automatic",
        "client_secret": f"{pid}_secret_{secrets.token_urlsafe(18)}",
        "confirmation_method": "automatic",
        "created": b.now_for_customer(customer),
        "currency": currency,
        "customer": customer,
        "customer_account": None,
        "description": description,
        "excluded_payment_method_types": None,
        "hooks": None,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "managed_payments": None,
        "metadata": metadata or {},
        "next_action": None,
        "on_behalf_of": None,
        "payment_details": None,
        "payment_method": payment_method,
        "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"request_three_d_secure": "automatic"}},
        "payment_method_types": ["card"],
        "payment_record": None,
        "presentment_details": None,
        "processing": None,
        "receipt_email": None,
        "review": None,
        "setup_future_usage": None,
        "shipping": None,
        "source": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "requires_confirmation" if payment_method else "requires_payment_method",
        "transfer_data": None,
        "transfer_group": None,
        "_invoice": invoice,
    }
    b.store(pi)
    b.emit("payment_intent.created", pi, request_id=request_id)
    return pi


def _outcome(failure: tuple[str, str] | None, *, blocked: bool) -> dict[str, Any]:
    """The charge's `outcome`: authorized, declined by the issuer, or blocked by Radar before the network."""
    if blocked:
        return {
            "network_status": "not_sent_to_network",
            "reason": "highest_risk_level",
            "risk_level": "highest",
            "seller_message": "Stripe blocked this payment as too risky.",
            "type": "blocked",
        }
    return {
        "network_status": "declined_by_network" if failure else "approved_by_network",
        "reason": failure[0] if failure else None,
        "risk_level": "normal",
        "seller_message": "The bank did not return any further details with this decline."
        if failure
        else "Payment complete.",
        "type": "issuer_declined" if failure else "authorized",
    }


def _charge_object(b: Backend, pi: dict[str, Any], pm: dict[str, Any], failure: tuple[str, str] | None) -> str:
    card = pm.get("card") or {}
    ch = {
        "id": b.new_id("ch"),
        "object": "charge",
        "amount": pi["amount"],
        "amount_captured": 0 if failure else pi["amount"],
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "authorization_code": None if failure else "123456",
        "balance_transaction": None,
        "billing_details": pm.get("billing_details")
        or {"address": None, "email": None, "name": None, "phone": None, "tax_id": None},
        "calculated_statement_descriptor": "EMULATOR",
        "captured": failure is None,
        "created": b.now_for_customer(pi.get("customer")),
        "currency": pi["currency"],
        "customer": pi.get("customer"),
        "description": pi.get("description"),
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": failure[0] if failure else None,
        "failure_message": failure[1] if failure else None,
        "fraud_details": {},
        "livemode": False,
        "metadata": {},
        "on_behalf_of": None,
        "outcome": _outcome(failure, blocked=pm.get("_behaviour") == RADAR_BLOCK),
        "paid": failure is None,
        "payment_intent": pi["id"],
        "payment_method": pm["id"],
        "payment_method_details": {"card": {k: card.get(k) for k in ("brand", "last4", "exp_month", "exp_year")}},
        "presentment_details": None,
        "radar_options": None,
        "receipt_email": None,
        "receipt_number": None,
        "receipt_url": None,
        "refunded": False,
        "refunds": None,
        "review": None,
        "shipping": None,
        "source": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "failed" if failure else "succeeded",
        "transfer": None,
        "transfer_data": None,
        "transfer_group": None,
    }
    b.store(ch)
    return str(ch["id"])


def confirm_intent(
    b: Backend, pi: dict[str, Any], *, payment_method: str | None, off_session: bool, request_id: str | None = None
) -> dict[str, Any]:
    """Run the payment; the intent ends succeeded, requires_action or requires_payment_method."""
    if pi["status"] in ("succeeded", "canceled"):
        raise invalid_request(
            f"You cannot confirm this PaymentIntent because it has a status of {pi['status']}.",
            code="payment_intent_unexpected_state",
        )
    pm_id = payment_method or pi.get("payment_method")
    if not pm_id:
        raise invalid_request(
            "You cannot confirm this PaymentIntent because it's missing a payment method.",
            code="payment_intent_unexpected_state",
        )
    pm = common.payment_method(b, pm_id)
    pi["payment_method"] = pm["id"]
    pi["last_payment_error"] = None
    pi["next_action"] = None
    how = common.behaviour(pm)
    if how == "3ds":
        pi["status"] = "requires_action"
        pi["next_action"] = {
            "type": "use_stripe_sdk",
            "use_stripe_sdk": {
                "type": "three_d_secure_redirect",
                "stripe_js": f"{b.extra.get('api_base', '')}/_emulator/payment_intents/{pi['id']}/3ds",
                "source": pm["id"],
            },
        }
        b.emit("payment_intent.requires_action", pi, request_id=request_id)
        if pi.get("_invoice"):
            from ..billing import invoicing

            invoicing.on_requires_action(b, b.objects[pi["_invoice"]], request_id=request_id)
        return pi
    if how.startswith("decline:") or how == "fail_charge":
        decline = how.split(":", 1)[1] if how.startswith("decline:") else "generic_decline"
        fail_payment(b, pi, pm, decline, request_id=request_id)
        return pi
    succeed(b, pi, pm, request_id=request_id)
    return pi


def fail_payment(
    b: Backend, pi: dict[str, Any], pm: dict[str, Any], decline: str, request_id: str | None = None
) -> None:
    code = decline if decline in _OWN_CODES else "card_declined"
    message = DECLINE_MESSAGES.get(decline, "Your card was declined.")
    charge_id = _charge_object(b, pi, pm, (code, message))
    pi["latest_charge"] = charge_id
    pi["status"] = "requires_payment_method"
    pi["last_payment_error"] = {
        "advice_code": None,
        "charge": charge_id,
        "code": code,
        "decline_code": decline,
        "doc_url": f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}",
        "message": message,
        "network_advice_code": None,
        "network_decline_code": None,
        "param": None,
        "payment_method": b.render(pm),
        "type": "card_error",
    }
    b.emit("charge.failed", b.objects[charge_id], request_id=request_id)
    b.emit("payment_intent.payment_failed", pi, request_id=request_id)
    if pi.get("_invoice"):
        from ..billing import invoicing

        invoicing.on_intent_failed(b, pi, request_id=request_id)


def succeed(b: Backend, pi: dict[str, Any], pm: dict[str, Any], request_id: str | None = None) -> None:
    charge_id = _charge_object(b, pi, pm, None)
    pi.update(status="succeeded", latest_charge=charge_id, amount_received=pi["amount"], next_action=None)
    pi["last_payment_error"] = None
    b.emit("charge.succeeded", b.objects[charge_id], request_id=request_id)
    b.emit("payment_intent.succeeded", pi, request_id=request_id)
    if pi.get("_invoice"):
        from ..billing import invoicing

        invoicing.on_intent_succeeded(b, pi, request_id=request_id)


def charge(
    b: Backend,
    *,
    customer: str | None,
    amount: int,
    currency: str,
    payment_method: str,
    off_session: bool,
    invoice: str | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """Create and confirm a payment intent in one go (the invoice engine's charge)."""
    pi = create_intent(
        b,
        customer=customer,
        amount=amount,
        currency=currency,
        payment_method=payment_method,
        invoice=invoice,
        request_id=request_id,
    )
    return confirm_intent(b, pi, payment_method=payment_method, off_session=off_session, request_id=request_id)


def card_error_for(pi: dict[str, Any]) -> Exception:
    """The 402 a synchronous API call answers when the intent's payment failed."""
    err = pi.get("last_payment_error") or {}
    extra = {"payment_intent": None, "charge": err.get("charge")}
    return card_error(
        err.get("message") or "Your card was declined.",
        code=err.get("code") or "card_declined",
        decline_code=err.get("decline_code"),
        extra={k: v for k, v in extra.items() if v},
    )


def resolve_3ds(b: Backend, pi: dict[str, Any], result: str, request_id: str | None = None) -> dict[str, Any]:
    if pi["status"] != "requires_action":
        raise invalid_request(
            f"This PaymentIntent is not awaiting authentication (status {pi['status']}).",
            code="payment_intent_unexpected_state",
        )
    pm = common.payment_method(b, pi["payment_method"])
    if result == "approve":
        succeed(b, pi, pm, request_id=request_id)
    else:
        pi["next_action"] = None
        code = "payment_intent_authentication_failure"
        pi["status"] = "requires_payment_method"
        pi["last_payment_error"] = {
            "advice_code": None,
            "charge": None,
            "code": code,
            "decline_code": None,
            "doc_url": f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}",
            "message": "The provided PaymentMethod has failed authentication. You can provide payment_method_data "
            "or a new PaymentMethod to attempt to fulfill this PaymentIntent again.",
            "network_advice_code": None,
            "network_decline_code": None,
            "param": None,
            "payment_method": b.render(pm),
            "type": "invalid_request_error",
        }
        b.emit("payment_intent.payment_failed", pi, request_id=request_id)
        if pi.get("_invoice"):
            from ..billing import invoicing

            invoicing.on_intent_failed(b, pi, request_id=request_id)
    return pi


# --- endpoints -------------------------------------------------------------------------------------------------


def _check_client_secret(b: Backend, req: Request, pi: dict[str, Any]) -> None:
    if req.api_key == b.publishable_key and req.params.get("client_secret") != pi["client_secret"]:
        raise invalid_request(
            "The client_secret provided does not match any associated PaymentIntent on this account.",
            param="client_secret",
        )


@route("POST", "/v1/payment_intents", params="PaymentIntentCreateParams")
def api_create(b: Backend, req: Request) -> dict[str, Any]:
    p = req.params
    with b.lock:
        if p.get("customer"):
            b.get(p["customer"], "customer", param="customer")
        pi = create_intent(
            b,
            customer=p.get("customer"),
            amount=int(p["amount"]),
            currency=p["currency"],
            payment_method=p.get("payment_method"),
            description=p.get("description"),
            metadata=p.get("metadata"),
            request_id=req.request_id,
        )
        if p.get("confirm"):
            confirm_intent(
                b, pi, payment_method=None, off_session=bool(p.get("off_session")), request_id=req.request_id
            )
            if pi["status"] == "requires_payment_method" and pi["last_payment_error"]:
                raise card_error_for(pi)
        return b.render(pi, req.expand)


@route("GET", "/v1/payment_intents/{intent}", params="PaymentIntentRetrieveParams", auth="publishable")
def api_retrieve(b: Backend, req: Request) -> dict[str, Any]:
    pi = b.get(req.path_params["intent"], "payment_intent")
    _check_client_secret(b, req, pi)
    return b.render(pi, req.expand)


@route("POST", "/v1/payment_intents/{intent}/confirm", auth="publishable")
def api_confirm(b: Backend, req: Request) -> dict[str, Any]:
    params = {k: v for k, v in req.params.items() if k != "client_secret"}
    from ..wire import schema_for, validate

    params = validate(params, schema_for("PaymentIntentConfirmParams"))
    with b.lock:
        pi = b.get(req.path_params["intent"], "payment_intent")
        _check_client_secret(b, req, pi)
        confirm_intent(
            b,
            pi,
            payment_method=params.get("payment_method"),
            off_session=bool(params.get("off_session")),
            request_id=req.request_id,
        )
        if pi["status"] == "requires_payment_method" and pi["last_payment_error"]:
            raise card_error_for(pi)
        return b.render(pi, params.get("expand") or [])


@route("POST", "/v1/payment_intents/{intent}/cancel", params="PaymentIntentCancelParams")
def api_cancel(b: Backend, req: Request) -> dict[str, Any]:
    with b.lock:
        pi = b.get(req.path_params["intent"], "payment_intent")
        if pi["status"] in ("succeeded", "canceled"):
            raise invalid_request(
                f"You cannot cancel this PaymentIntent because it has a status of {pi['status']}.",
                code="payment_intent_unexpected_state",
            )
        pi.update(
            status="canceled",
            canceled_at=b.now_for_customer(pi.get("customer")),
            next_action=None,
            cancellation_reason=req.params.get("cancellation_reason"),
        )
        b.emit("payment_intent.canceled", pi, request_id=req.request_id)
        return b.render(pi, req.expand)


@route("GET", "/v1/payment_intents", params="PaymentIntentListParams", list_endpoint=True)
def api_list(b: Backend, req: Request) -> dict[str, Any]:
    cus = req.params.get("customer")
    objs = b.all("payment_intent", where=lambda o: not cus or o.get("customer") == cus)
    return b.list_response(objs, req.params, "/v1/payment_intents", req.expand)


@route("POST", "/_emulator/payment_intents/{intent}/3ds", auth="none")
def api_3ds(b: Backend, req: Request) -> dict[str, Any]:
    result = str(req.params.get("result") or "approve")
    if result not in ("approve", "fail"):
        raise invalid_request("result must be approve or fail", param="result")
    with b.lock:
        pi = b.get(req.path_params["intent"], "payment_intent")
        return b.render(resolve_3ds(b, pi, result, request_id=req.request_id))
