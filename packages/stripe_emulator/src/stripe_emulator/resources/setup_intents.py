"""Setup intents: create, retrieve, update, confirm (secret key, or publishable key + client_secret like Stripe.js),
cancel, list; and the 3-D Secure test helper.

Confirm outcome by the payment method's `_behaviour`: ok / fail_charge -> `succeeded` (the payment method is attached
to the customer); 3ds / 3ds_setup -> `requires_action` (`use_stripe_sdk`, or `redirect_to_url` to the emulator's
page when `return_url` is given); decline:* -> `requires_payment_method` with `last_setup_error`, and the confirm
call answers 402 card_error carrying `setup_intent` (as Stripe does).

`POST /_emulator/setup_intents/{id}/3ds` (auth none; `result=approve|fail`) finishes authentication; the same path
with GET serves a small page with approve / fail buttons (the redirect target).
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from ..backend import Backend
from ..errors import StripeAPIError, invalid_request
from ..models.base import Rendered, present
from ..models.payments import SetupIntent
from ..router import Request
from .common import live_customer, merge_metadata
from .payment_methods import attach_payment_method, resolve_payment_method
from .test_cards import decline_details, refuses_setup

_AUTH_FAILURE = {
    "code": "setup_intent_authentication_failure",
    "message": "We are unable to authenticate your payment method. Please choose a different payment method and "
    "try again.",
    "type": "invalid_request_error",
}


def _secret(seti_id: str) -> str:
    return f"{seti_id}_secret_" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(25))


def _error(code: str, message: str, type_: str, pm: Rendered | None, decline_code: str | None = None,
           param: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "advice_code": None,
        "charge": None,
        "code": code,
        "decline_code": decline_code,
        "doc_url": f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}",
        "message": message,
        "network_advice_code": None,
        "network_decline_code": None,
        "param": param,
        "payment_method": pm,
        "payment_method_type": "card" if pm else None,
        "request_log_url": None,
        "type": type_,
    }


def create_setup_intent(b: Backend, params: dict[str, Any], request_id: str | None = None) -> SetupIntent:
    with b.lock:
        cus = params.get("customer")
        if cus:
            live_customer(b, cus, "customer")
        usage = params.get("usage") or "off_session"
        if params.get("single_use"):
            usage = "on_session"
        allowed = params.get("allowed_payment_method_types")
        sid = b.new_id("seti")
        seti: SetupIntent = {
            "id": sid,
            "object": "setup_intent",
            "allowed_payment_method_types": allowed or None,
            "application": None,
            "attach_to_self": params.get("attach_to_self"),
            "automatic_payment_methods": (
                {
                    "allow_redirects": params["automatic_payment_methods"].get("allow_redirects", "always"),
                    "enabled": bool(params["automatic_payment_methods"].get("enabled")),
                }  # fmt: skip
                if params.get("automatic_payment_methods")
                else None
            ),
            "cancellation_reason": None,
            "client_secret": _secret(sid),
            "created": b.now_for_customer(cus),
            "customer": cus,
            "customer_account": None,
            "description": params.get("description"),
            "excluded_payment_method_types": params.get("excluded_payment_method_types"),
            "flow_directions": params.get("flow_directions"),
            "last_setup_error": None,
            "latest_attempt": None,
            "livemode": False,
            "managed_payments": None,
            "mandate": None,
            "metadata": merge_metadata({}, params.get("metadata") or {}),
            "next_action": None,
            "on_behalf_of": params.get("on_behalf_of"),
            "payment_method": None,
            "payment_method_configuration_details": None,
            "payment_method_options": {
                "card": {"mandate_options": None, "network": None, "request_three_d_secure": "automatic"}
            },
            "payment_method_types": list(allowed) if allowed else ["card"],
            "single_use_mandate": None,
            "status": "requires_payment_method",
            "usage": usage,
            "_return_url": params.get("return_url"),
        }
        if params.get("payment_method"):
            seti["payment_method"] = resolve_payment_method(b, params["payment_method"])["id"]
            seti["status"] = "requires_confirmation"
        b.store(seti)
        b.emit("setup_intent.created", seti, request_id=request_id)
        if params.get("confirm"):
            confirm_setup_intent(
                b,
                sid,
                {k: params[k] for k in ("return_url", "use_stripe_sdk") if k in params},
                request_id=request_id,
            )
        return seti


def _succeed(b: Backend, seti: SetupIntent, request_id: str | None) -> None:
    seti["status"] = "succeeded"
    seti["next_action"] = None
    seti["last_setup_error"] = None
    if seti.get("customer") and seti.get("payment_method"):
        attach_payment_method(b, present(seti["payment_method"]), present(seti["customer"]), request_id=request_id)
    b.emit("setup_intent.succeeded", seti, request_id=request_id)


def _three_ds_url(b: Backend, seti: SetupIntent) -> str:
    return f"{b.extra.get('api_base', '')}/_emulator/setup_intents/{seti['id']}/3ds"


def confirm_setup_intent(
    b: Backend, seti_id: str, params: dict[str, Any], request_id: str | None = None
) -> SetupIntent:
    """Confirm; raises the 402 card_error (after recording the failure) for declining cards."""
    with b.lock:
        seti = b.get(seti_id, "setup_intent")
        if seti["status"] not in ("requires_payment_method", "requires_confirmation", "requires_action"):
            raise invalid_request(
                f"You cannot confirm this SetupIntent because it has a status of {seti['status']}.",
                code="setup_intent_unexpected_state",
            )
        if params.get("payment_method"):
            seti["payment_method"] = resolve_payment_method(b, params["payment_method"])["id"]
        if not seti.get("payment_method"):
            raise invalid_request(
                "You cannot confirm this SetupIntent because it's missing a payment method. Update the SetupIntent "
                "with a payment method and then confirm it again.",
                code="setup_intent_unexpected_state",
            )
        if params.get("return_url"):
            seti["_return_url"] = params["return_url"]
        pm = b.get(seti["payment_method"], "payment_method")
        if seti.get("customer") and pm.get("customer") not in (None, seti["customer"]):
            raise invalid_request(
                "The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, "
                "shared with a connected account without Customer attachment, or was detached from a Customer.",
                param="payment_method",
            )
        behaviour = pm.get("_behaviour", "ok")
        if refuses_setup(behaviour):
            d = decline_details(behaviour)
            seti["status"] = "requires_payment_method"
            seti["payment_method"] = None
            seti["next_action"] = None
            seti["last_setup_error"] = _error(
                d["code"], d["message"], "card_error", b.render(pm), d["decline_code"], d["param"]
            )
            b.emit("setup_intent.setup_failed", seti, request_id=request_id)
            err = StripeAPIError(
                402,
                "card_error",
                d["message"],
                code=d["code"],
                decline_code=d["decline_code"],
                param=d["param"],
                extra={"payment_method": b.render(pm), "setup_intent": b.render(seti)},
            )
            raise err
        if behaviour in ("3ds", "3ds_setup"):
            seti["status"] = "requires_action"
            url = _three_ds_url(b, seti)
            if seti.get("_return_url") and not params.get("use_stripe_sdk"):
                seti["next_action"] = {
                    "redirect_to_url": {"return_url": seti["_return_url"], "url": url},
                    "type": "redirect_to_url",
                }
            else:
                seti["next_action"] = {
                    "type": "use_stripe_sdk",
                    "use_stripe_sdk": {"type": "three_d_secure_redirect", "stripe_js": url, "setup_intent": seti_id},
                }
            b.emit("setup_intent.requires_action", seti, request_id=request_id)
            return seti
        _succeed(b, seti, request_id)
        return seti


def complete_3ds(b: Backend, seti_id: str, approve: bool, request_id: str | None = None) -> SetupIntent:
    """Finish a pending 3-D Secure authentication: approve -> succeeded (+ attached); fail -> requires_pm."""
    with b.lock:
        seti = b.get(seti_id, "setup_intent")
        if seti["status"] != "requires_action":
            raise invalid_request(
                f"This SetupIntent is not awaiting authentication (status {seti['status']}).",
                code="setup_intent_unexpected_state",
            )
        if approve:
            _succeed(b, seti, request_id)
        else:
            pm = b.objects.get(seti["payment_method"] or "")
            seti["status"] = "requires_payment_method"
            seti["next_action"] = None
            seti["last_setup_error"] = _error(
                _AUTH_FAILURE["code"], _AUTH_FAILURE["message"], _AUTH_FAILURE["type"], b.render(pm) if pm else None
            )
            seti["payment_method"] = None
            b.emit("setup_intent.setup_failed", seti, request_id=request_id)
        return seti


def cancel_setup_intent(b: Backend, seti_id: str, params: dict[str, Any], request_id: str | None = None) -> SetupIntent:
    with b.lock:
        seti = b.get(seti_id, "setup_intent")
        if seti["status"] in ("succeeded", "canceled", "processing"):
            raise invalid_request(
                f"You cannot cancel this SetupIntent because it has a status of {seti['status']}.",
                code="setup_intent_unexpected_state",
            )
        seti["status"] = "canceled"
        seti["next_action"] = None
        seti["cancellation_reason"] = params.get("cancellation_reason")
        b.emit("setup_intent.canceled", seti, request_id=request_id)
        return seti


def update_setup_intent(b: Backend, seti_id: str, params: dict[str, Any], request_id: str | None = None) -> SetupIntent:
    with b.lock:
        seti = b.get(seti_id, "setup_intent")
        if seti["status"] in ("succeeded", "canceled"):
            raise invalid_request(
                f"You cannot update this SetupIntent because it has a status of {seti['status']}.",
                code="setup_intent_unexpected_state",
            )
        if "customer" in params:
            live_customer(b, params["customer"], "customer")
            seti["customer"] = params["customer"]
        if "description" in params:
            seti["description"] = params["description"] or None
        if "metadata" in params:
            seti["metadata"] = merge_metadata(seti["metadata"], params["metadata"])
        if params.get("payment_method"):
            seti["payment_method"] = resolve_payment_method(b, params["payment_method"])["id"]
            seti["status"] = "requires_confirmation"
        return seti


def _check_client_secret(b: Backend, req: Request, seti: SetupIntent, secret: Any) -> None:
    if req.api_key == b.publishable_key and secret != seti["client_secret"]:
        raise invalid_request(
            "The client_secret provided does not match the client_secret associated with the SetupIntent.",
            param="client_secret",
        )


def _render(b: Backend, seti: SetupIntent, req: Request) -> Rendered:
    return b.render(seti, req.expand)
