"""Customer Sessions (`POST /v1/customer_sessions`, create only, as in Stripe's API) and what the Stripe.js
stand-in reads with a session's client secret.

Checked against stripe-python 16 (`stripe/_customer_session.py`, `stripe/params/_customer_session_create_params.py`,
API endive) and Stripe's API reference ("Create a Customer Session": `components` is required, "At least 1
component must be enabled"; the 2025-10-29.clover changelog adds `mobile_payment_element` and `customer_sheet`):

* the object has no `id`: `client_secret` (`cuss_secret_` + 49 characters, as in Stripe's fixture), `components`
  (all seven, each with `enabled`; `customer_sheet`, `mobile_payment_element` and `payment_element` with
  `features`), `created`, `customer`, `customer_account` (null), `expires_at` (30 minutes after creation, by the
  customer's test clock), `livemode`, `object`;
* `payment_element.features` is never null and carries Stripe's documented defaults (redisplay, remove and save
  `disabled`, filters `["always"]`); the mobile components' features are null unless given, field by field;
* unknown components or feature values are 400 (`stripe_emulator.wire`, from the TypedDicts); a component without
  `enabled`, no component enabled, no `customer` (or a `customer_account`, Accounts v2, which the emulator does not
  hold) and `payment_method_redisplay_limit` outside 1..10 are 400; an unknown or deleted customer is 404.

`GET /_emulator/customer_sessions/payment_methods` (publishable key + `customer_session_client_secret`) answers
the saved cards the Payment Element may show for an unexpired session whose `payment_element` is enabled with
`payment_method_redisplay=enabled`: the customer's cards whose `allow_redisplay` is in the session's filters,
newest first, at most `payment_method_redisplay_limit` (default 3), and whether removing is offered. Stripe.js
reads the same facts from an internal endpoint; the stand-in (`static/stripe.js`) reads this one.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from ..backend import Backend
from ..errors import StripeAPIError, invalid_request
from ..models.base import Rendered
from ..models.customers import CustomerSession
from ..router import Request
from .common import live_customer

#: Stripe's customer sessions expire after 30 minutes.
SESSION_TTL_S = 30 * 60
COMPONENTS = (
    "active_entitlements",
    "buy_button",
    "customer_portal",
    "customer_sheet",
    "mobile_payment_element",
    "payment_element",
    "pricing_table",
)
_FEATURES: dict[str, dict[str, Any]] = {
    "customer_sheet": {"payment_method_allow_redisplay_filters": None, "payment_method_remove": None},
    "mobile_payment_element": {
        "payment_method_allow_redisplay_filters": None,
        "payment_method_redisplay": None,
        "payment_method_remove": None,
        "payment_method_save": None,
        "payment_method_save_allow_redisplay_override": None,
    },
    # Stripe's documented defaults: "This parameter defaults to `disabled`" (redisplay, remove, save), filters
    # "If not specified, defaults to ["always"]", redisplay limit "defaults to 3" (sent as null when not given).
    "payment_element": {
        "payment_method_allow_redisplay_filters": ["always"],
        "payment_method_redisplay": "disabled",
        "payment_method_redisplay_limit": None,
        "payment_method_remove": "disabled",
        "payment_method_save": "disabled",
        "payment_method_save_usage": None,
    },
}
DEFAULT_REDISPLAY_LIMIT = 3
MAX_REDISPLAY_LIMIT = 10


def _secret() -> str:
    return "cuss_secret_" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(49))


def _component(name: str, given: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"enabled": False}
    if name in _FEATURES:
        out["features"] = dict(_FEATURES[name]) if name == "payment_element" else None
    if given is None:
        return out
    if "enabled" not in given:
        raise invalid_request(
            f"Missing required param: components[{name}][enabled].", param=f"components[{name}][enabled]"
        )
    out["enabled"] = bool(given["enabled"])
    features = given.get("features")
    if name in _FEATURES and isinstance(features, dict):
        merged = dict(_FEATURES[name])
        merged.update(features)
        limit = merged.get("payment_method_redisplay_limit")
        if limit is not None and not 1 <= int(limit) <= MAX_REDISPLAY_LIMIT:
            raise invalid_request(
                f"Invalid components[{name}][features][payment_method_redisplay_limit]: must be between 1 and "
                f"{MAX_REDISPLAY_LIMIT}",
                param=f"components[{name}][features][payment_method_redisplay_limit]",
            )
        out["features"] = merged
    return out


def create_customer_session(b: Backend, params: dict[str, Any]) -> CustomerSession:
    components = params.get("components")
    if not isinstance(components, dict):
        raise invalid_request("Missing required param: components.", param="components")
    if params.get("customer_account") and not params.get("customer"):
        raise invalid_request(
            f"No such account: '{params['customer_account']}'", param="customer_account", code="resource_missing"
        )
    if not params.get("customer"):
        raise invalid_request("Missing required param: customer.", param="customer")
    built = {name: _component(name, components.get(name)) for name in COMPONENTS}
    if not any(c["enabled"] for c in built.values()):
        raise invalid_request("At least 1 component must be enabled.", param="components")
    with b.lock:
        cus = live_customer(b, params["customer"])
        now = b.now_for_customer(cus["id"])
        secret = _secret()
        session: CustomerSession = {
            "id": secret,  # storage key only: a Customer Session has no id (removed when rendered)
            "object": "customer_session",
            "client_secret": secret,
            "components": built,
            "created": now,
            "customer": cus["id"],
            "customer_account": None,
            "expires_at": now + SESSION_TTL_S,
            "livemode": False,
        }
        b.store(session)
        return session


def _render(b: Backend, session: CustomerSession, req: Request) -> Rendered:
    out = b.render(session, req.expand)
    out.pop("id", None)
    return out


def _live_session(b: Backend, secret: Any) -> CustomerSession:
    session = b.objects.get(secret) if isinstance(secret, str) and secret.startswith("cuss_secret_") else None
    if session is None or session["object"] != "customer_session":
        raise invalid_request(
            "Invalid customer_session_client_secret.", param="customer_session_client_secret", code="resource_missing"
        )
    if b.now_for_customer(session["customer"]) >= session["expires_at"]:
        raise StripeAPIError(
            400,
            "invalid_request_error",
            "The customer session has expired. Create a new one.",
            code="customer_session_expired",
            param="customer_session_client_secret",
        )
    found: CustomerSession = session
    return found
