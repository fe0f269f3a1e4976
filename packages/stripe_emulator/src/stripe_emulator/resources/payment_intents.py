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
from ..billing import common, invoicing
from ..errors import card_error, invalid_request
from ..models.base import present
from ..models.payments import PaymentIntent, PaymentMethod
from . import charges

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
) -> PaymentIntent:
    if amount < 50 and invoice is None:
        raise invalid_request("Amount must be at least $0.50 usd", param="amount", code="amount_too_small")
    pid = b.new_id("pi")
    pi: PaymentIntent = {
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


def confirm_intent(
    b: Backend, pi: PaymentIntent, *, payment_method: str | None, off_session: bool, request_id: str | None = None
) -> PaymentIntent:
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
            invoicing.on_requires_action(b, b.objects[present(pi["_invoice"])], request_id=request_id)
        return pi
    if how.startswith("decline:") or how == "fail_charge":
        decline = how.split(":", 1)[1] if how.startswith("decline:") else "generic_decline"
        fail_payment(b, pi, pm, decline, request_id=request_id)
        return pi
    succeed(b, pi, pm, request_id=request_id)
    return pi


def fail_payment(b: Backend, pi: PaymentIntent, pm: PaymentMethod, decline: str, request_id: str | None = None) -> None:
    code = decline if decline in _OWN_CODES else "card_declined"
    message = DECLINE_MESSAGES.get(decline, "Your card was declined.")
    charge_id = charges.create_charge(b, pi, pm, (code, message))
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
        invoicing.on_intent_failed(b, pi, request_id=request_id)


def succeed(b: Backend, pi: PaymentIntent, pm: PaymentMethod, request_id: str | None = None) -> None:
    charge_id = charges.create_charge(b, pi, pm, None)
    pi.update({"status": "succeeded", "latest_charge": charge_id, "amount_received": pi["amount"], "next_action": None})
    pi["last_payment_error"] = None
    b.emit("charge.succeeded", b.objects[charge_id], request_id=request_id)
    b.emit("payment_intent.succeeded", pi, request_id=request_id)
    if pi.get("_invoice"):
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
) -> PaymentIntent:
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


def card_error_for(pi: PaymentIntent) -> Exception:
    """The 402 a synchronous API call answers when the intent's payment failed."""
    err = pi.get("last_payment_error") or {}
    extra = {"payment_intent": None, "charge": err.get("charge")}
    return card_error(
        err.get("message") or "Your card was declined.",
        code=err.get("code") or "card_declined",
        decline_code=err.get("decline_code"),
        extra={k: v for k, v in extra.items() if v},
    )


def resolve_3ds(b: Backend, pi: PaymentIntent, result: str, request_id: str | None = None) -> PaymentIntent:
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
            invoicing.on_intent_failed(b, pi, request_id=request_id)
    return pi
