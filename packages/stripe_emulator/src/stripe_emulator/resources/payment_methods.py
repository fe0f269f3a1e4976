"""Payment methods and Stripe's test tokens.

A test token (`pm_card_visa`, ...) may be used wherever a payment method id is accepted; each use creates a NEW
`pm_...` object cloned from the token (as Stripe does), carrying realistic card details and the private
`_behaviour` of the card-behaviour contract (README "Test cards"). `pm_card_visa_expiresNextMonth` is the emulator's own
token: a Visa 4242 that expires at the end of next month (for "card expiring" flows). `tok_*` names and test card
numbers are accepted by `POST /v1/payment_methods` (card[token] / card[number]).

Functions for other modules: `resolve_payment_method(b, ref)`, `attach_payment_method(b, ref, customer)`,
`detach_payment_method(b, pm_id)`, `card_behaviour(b, pm_id)`, `decline_error(behaviour)`, `refuses_setup(behaviour)`,
`decline_details(behaviour)`, `is_test_token(ref)`.
"""

from __future__ import annotations

import copy
import hashlib
import time
from typing import Any

from ..backend import Backend
from ..errors import card_error, invalid_request
from ..models.base import Rendered, present
from ..models.payments import PaymentMethod
from .common import diff_previous, live_customer, merge_metadata
from .test_cards import BY_NUMBER, TEST_CARDS, CardSpec, decline_error, is_test_token, refuses_setup

_DISPLAY = {"amex": "american_express"}
_ENDED = ("canceled", "incomplete_expired")


def card_behaviour(b: Backend, pm_id: str) -> str:
    pm = b.objects.get(pm_id)
    return str(pm.get("_behaviour", "ok")) if pm else "ok"


def _expiry(b: Backend, card: CardSpec) -> tuple[int, int]:
    now = time.gmtime(b.now())
    if card.expires_next_month:
        month = now.tm_mon % 12 + 1
        return month, now.tm_year + (1 if month == 1 else 0)
    return now.tm_mon, now.tm_year + 3


def _billing_details(value: Any, current: dict[str, Any] | None = None) -> dict[str, Any]:
    empty = {"address": None, "email": None, "name": None, "phone": None, "tax_id": None}
    out: dict[str, Any] = copy.deepcopy(current) if current else empty
    for key, v in (value or {}).items():
        if key == "address":
            if v in ("", None):
                out["address"] = None
            else:
                addr = out["address"] or dict.fromkeys(("city", "country", "line1", "line2", "postal_code", "state"))
                addr.update({k: (x or None) for k, x in v.items()})
                out["address"] = addr
        else:
            out[key] = v or None
    return out


def _new_pm(b: Backend, card: CardSpec, token: str, params: dict[str, Any] | None = None) -> PaymentMethod:
    params = params or {}
    exp_month, exp_year = _expiry(b, card)
    c = params.get("card") or {}
    if c.get("exp_month"):
        exp_month = int(c["exp_month"])
    if c.get("exp_year"):
        exp_year = int(c["exp_year"])
    fingerprint = hashlib.sha256(card.number.encode()).hexdigest()[:16]
    pm: PaymentMethod = {
        "id": b.new_id("pm"),
        "object": "payment_method",
        "allow_redisplay": params.get("allow_redisplay") or "unspecified",
        "billing_details": _billing_details(params.get("billing_details")),
        "card": {
            "brand": card.brand,
            "checks": {
                "address_line1_check": None,
                "address_postal_code_check": None,
                "cvc_check": "fail" if card.behaviour == "decline:incorrect_cvc" else "pass",
            },
            "country": card.country,
            "description": None,
            "display_brand": _DISPLAY.get(card.brand, card.brand),
            "exp_month": exp_month,
            "exp_year": exp_year,
            "fingerprint": fingerprint,
            "funding": card.funding,
            "generated_from": None,
            "iin": None,
            "issuer": None,
            "last4": card.last4,
            "networks": {"available": [card.brand], "preferred": None},
            "regulated_status": "unregulated",
            "three_d_secure_usage": {"supported": True},
            "wallet": None,
        },
        "created": b.now(),
        "customer": None,
        "customer_account": None,
        "livemode": False,
        "metadata": merge_metadata({}, params.get("metadata") or {}),
        "type": "card",
        "_behaviour": card.behaviour,
        "_token": token,
    }
    return b.store(pm)


def resolve_payment_method(b: Backend, ref: Any, param: str = "payment_method") -> PaymentMethod:
    """A stored payment method, or a NEW one cloned from a test token (`pm_card_*`)."""
    if is_test_token(ref):
        return _new_pm(b, TEST_CARDS[ref], ref)
    return b.get(ref, "payment_method", param=param)


def create_payment_method(b: Backend, params: dict[str, Any], request_id: str | None = None) -> PaymentMethod:
    if params.get("type") != "card":
        raise invalid_request("The emulator supports only type=card payment methods.", param="type")
    card = params.get("card") or {}
    token = card.get("token")
    if token:
        name = "pm_card_" + str(token).removeprefix("tok_")
        if name not in TEST_CARDS:
            raise invalid_request(f"No such token: '{token}'", param="card[token]", code="resource_missing")
        test_card, source = TEST_CARDS[name], name
    elif card.get("number"):
        number = str(card["number"]).replace(" ", "")
        if number not in BY_NUMBER:
            raise card_error("Your card number is incorrect.", code="incorrect_number", param="card[number]")
        test_card, source = BY_NUMBER[number], number[-4:]
        if not card.get("exp_month") or not card.get("exp_year"):
            raise invalid_request("Missing required param: card[exp_month].", param="card[exp_month]")
    else:
        raise invalid_request("Missing required param: card.", param="card")
    with b.lock:
        pm = _new_pm(b, test_card, source, params if card.get("number") else params | {"card": {}})
        if params.get("customer"):
            attach_payment_method(b, pm["id"], params["customer"], request_id=request_id)
        return pm


def attach_payment_method(
    b: Backend, ref: str, customer_id: str, request_id: str | None = None, *, param: str = "payment_method"
) -> PaymentMethod:
    """Attach (a test token creates a new pm first). Declining cards cannot be attached: 402 card_error."""
    with b.lock:
        live_customer(b, customer_id, "customer")
        pm = resolve_payment_method(b, ref, param)
        if pm.get("customer") == customer_id:
            return pm
        if pm.get("customer"):
            raise invalid_request(
                "The payment method you provided has already been attached to a customer.", param=param
            )
        if pm.get("_detached"):
            raise invalid_request(
                "This PaymentMethod was previously used without being attached to a Customer or was detached from a "
                "Customer, and may not be used again.",
                param=param,
            )
        behaviour = pm.get("_behaviour", "ok")
        if refuses_setup(behaviour):
            raise decline_error(behaviour)
        pm["customer"] = customer_id
        b.emit("payment_method.attached", pm, request_id=request_id)
        return pm


def detach_payment_method(b: Backend, pm_id: str, request_id: str | None = None) -> PaymentMethod:
    """Detach for good: the card is no longer the customer's invoice default (`customer.updated`) nor any of the
    customer's subscriptions' `default_payment_method` (`customer.subscription.updated`), so the next renewal
    falls back to the customer's default instead of charging a card the customer removed. stripe-python's
    docstring: "Detachment is permanent and irreversible — once detached, a PaymentMethod can no longer be used
    for payments or re-attached to a Customer"; a second attach is refused."""
    with b.lock:
        pm = b.get(pm_id, "payment_method", param="payment_method")
        cus_id = pm.get("customer")
        if not cus_id:
            raise invalid_request(
                "The payment method you provided is not attached to a customer so detachment is impossible.",
                param="payment_method",
            )
        pm["customer"] = None
        pm["_detached"] = True
        for sub in b.all("subscription", customer=cus_id):
            if sub.get("default_payment_method") == pm_id and sub.get("status") not in _ENDED:
                sub["default_payment_method"] = None
                b.emit(
                    "customer.subscription.updated",
                    sub,
                    previous_attributes={"default_payment_method": pm_id},
                    request_id=request_id,
                )
        cus = b.objects.get(cus_id)
        if cus and not cus.get("deleted") and cus["invoice_settings"].get("default_payment_method") == pm_id:
            cus["invoice_settings"]["default_payment_method"] = None
            b.emit(
                "customer.updated",
                cus,
                previous_attributes={"invoice_settings": {"default_payment_method": pm_id}},
                request_id=request_id,
            )
        b.emit("payment_method.detached", pm, previous_attributes={"customer": cus_id}, request_id=request_id)
        return pm


def update_payment_method(
    b: Backend, pm_id: str, params: dict[str, Any], request_id: str | None = None
) -> PaymentMethod:
    with b.lock:
        pm = b.get(pm_id, "payment_method")
        if not pm.get("customer"):
            raise invalid_request(
                "You must save this PaymentMethod to a customer before you can update it.", param="payment_method"
            )
        before = copy.deepcopy(pm)
        if "billing_details" in params:
            pm["billing_details"] = _billing_details(params["billing_details"], pm["billing_details"])
        if "metadata" in params:
            pm["metadata"] = merge_metadata(pm["metadata"], params["metadata"])
        if "allow_redisplay" in params:
            pm["allow_redisplay"] = params["allow_redisplay"]
        card = params.get("card") or {}
        if card:
            stored_card = present(pm["card"])
            month = int(card.get("exp_month", stored_card["exp_month"]))
            year = int(card.get("exp_year", stored_card["exp_year"]))
            if not 1 <= month <= 12:
                raise invalid_request("Your card's expiration month is invalid.", param="card[exp_month]")
            now = time.gmtime(b.now())
            if (year, month) < (now.tm_year, now.tm_mon):
                raise card_error("Your card's expiration year is invalid.", code="invalid_expiry_year",
                                 param="card[exp_year]")  # fmt: skip
            stored_card["exp_month"], stored_card["exp_year"] = month, year
        prev = diff_previous(before, pm)
        if prev:
            b.emit("payment_method.updated", pm, previous_attributes=prev, request_id=request_id)
        return pm


def list_payment_methods(b: Backend, params: dict[str, Any], customer_id: str | None, url: str) -> Rendered:
    pm_type = params.get("type")
    redisplay = params.get("allow_redisplay")

    def keep(pm: PaymentMethod) -> bool:
        if customer_id is not None and pm.get("customer") != customer_id:
            return False
        if pm_type and pm["type"] != pm_type:
            return False
        return not (redisplay and pm["allow_redisplay"] != redisplay)

    return b.list_response(b.all("payment_method", where=keep), params, url, params.get("expand") or [])
