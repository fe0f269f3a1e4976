"""Checkout sessions in `mode=subscription`: create, retrieve, list, expire, line items, and completion.

A session's `url` is the emulator's hosted page `/checkout/{id}` (pages/checkout.py) where a person picks a test
card. `POST /_emulator/checkout_sessions/{id}/complete` completes it without a browser (test helper). Completion
does what Stripe Checkout does: creates the customer when the session has none, attaches the card, creates the
subscription through the subscriptions module (so its events fire), marks the session `complete` and emits
`checkout.session.completed`. A card that fails leaves the session `open` (Checkout shows the error and lets the
person try another card) and answers the card error.
"""

from __future__ import annotations

from typing import Any

from ..backend import Backend
from ..errors import invalid_request
from ..models.catalog import Price
from ..models.checkout import CheckoutSession

DEFAULT_EXPIRY_S = 24 * 3600
MIN_EXPIRY_S = 30 * 60


def api_base(b: Backend) -> str:
    return str(b.extra.get("api_base") or "http://127.0.0.1:12111")


# --- model ---------------------------------------------------------------------------------------------------


def _line_items(b: Backend, items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    if not items:
        raise invalid_request(
            "You must provide at least one recurring price in `subscription` mode when using prices.",
            param="line_items",
        )
    out: list[dict[str, Any]] = []
    currency: str | None = None
    for i, item in enumerate(items):
        if "price" not in item:
            if "price_data" in item:
                raise invalid_request(
                    "The emulator supports line_items with `price` only (price_data is not emulated).",
                    param=f"line_items[{i}][price_data]",
                )
            raise invalid_request("Missing required param: line_items[0][price].", param=f"line_items[{i}][price]")
        price = b.get(item["price"], "price", param=f"line_items[{i}][price]")
        if not price.get("active", True):
            raise invalid_request(
                f"The price specified ({price['id']}) is inactive. This field only accepts active prices.",
                param=f"line_items[{i}][price]",
            )
        if not price.get("recurring"):
            raise invalid_request(
                "Checkout in `subscription` mode with one-time prices is not emulated; pass recurring prices.",
                param=f"line_items[{i}][price]",
            )
        if currency and price["currency"] != currency:
            raise invalid_request(
                "All prices on a Checkout Session must have the same currency.", param=f"line_items[{i}][price]"
            )
        currency = price["currency"]
        quantity = int(item.get("quantity", 1))
        if quantity < 0 or (quantity == 0 and not item.get("adjustable_quantity")):
            raise invalid_request("Quantity must be greater than 0.", param=f"line_items[{i}][quantity]")
        unit = int(price.get("unit_amount") or 0)
        out.append(
            {
                "id": b.new_id("li"),
                "object": "item",
                "adjustable_quantity": None,
                "amount_discount": 0,
                "amount_subtotal": unit * quantity,
                "amount_tax": 0,
                "amount_total": unit * quantity,
                "currency": price["currency"],
                "description": _product_name(b, price),
                "metadata": {},
                "price": price["id"],
                "quantity": quantity,
            }
        )
    assert currency is not None
    return out, currency


def _product_name(b: Backend, price: Price) -> str | None:
    prod = b.objects.get(price.get("product") or "")
    return prod.get("name") if prod else price.get("nickname")


def create_checkout_session(b: Backend, p: dict[str, Any], request_id: str | None = None) -> CheckoutSession:
    mode = p.get("mode")
    if not mode:
        raise invalid_request("Missing required param: mode.", param="mode")
    if mode != "subscription":
        raise invalid_request(
            f"Checkout in `{mode}` mode is not emulated; the emulator supports `mode=subscription`.", param="mode"
        )
    if p.get("ui_mode") not in (None, "hosted", "hosted_page"):
        raise invalid_request("Only the hosted Checkout page is emulated (ui_mode=hosted).", param="ui_mode")
    if p.get("customer") and p.get("customer_email"):
        raise invalid_request(
            "You may only specify one of these parameters: customer, customer_email.", param="customer_email"
        )
    with b.lock:
        customer = b.get(p["customer"], "customer", param="customer") if p.get("customer") else None
        items, currency = _line_items(b, p.get("line_items") or [])
        sub_data = p.get("subscription_data") or {}
        trial_days = sub_data.get("trial_period_days")
        if trial_days is not None and not 1 <= int(trial_days) <= 730:
            raise invalid_request(
                "The trial period must be between 1 and 730 days.", param="subscription_data[trial_period_days]"
            )
        if p.get("allow_promotion_codes") and p.get("discounts"):
            raise invalid_request(
                "You may only specify one of these parameters: allow_promotion_codes, discounts.", param="discounts"
            )
        for i, d in enumerate(p.get("discounts") or []):
            if d.get("coupon"):
                b.get(d["coupon"], "coupon", param=f"discounts[{i}][coupon]")
            if d.get("promotion_code"):
                b.get(d["promotion_code"], "promotion_code", param=f"discounts[{i}][promotion_code]")
        now = b.now_for_customer(customer["id"] if customer else None)
        expires_at = int(p.get("expires_at") or now + DEFAULT_EXPIRY_S)
        if not now + MIN_EXPIRY_S <= expires_at <= now + DEFAULT_EXPIRY_S:
            raise invalid_request(
                "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.",
                param="expires_at",
            )
        subtotal = sum(li["amount_subtotal"] for li in items)
        total = 0 if trial_days else subtotal
        sid = "cs_test_" + b.new_id("x")[2:] + b.new_id("x")[2:]
        session: CheckoutSession = {
            "id": sid,
            "object": "checkout.session",
            "adaptive_pricing": None,
            "after_expiration": None,
            "allow_promotion_codes": p.get("allow_promotion_codes"),
            "allowed_payment_method_types": None,
            "amount_subtotal": subtotal,
            "amount_total": total,
            "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
            "billing_address_collection": p.get("billing_address_collection"),
            "branding_settings": None,
            "cancel_url": p.get("cancel_url"),
            "client_reference_id": p.get("client_reference_id"),
            "client_secret": None,
            "collected_information": None,
            "consent": None,
            "consent_collection": None,
            "created": now,
            "currency": currency,
            "currency_conversion": None,
            "custom_fields": [],
            "custom_text": {
                "after_submit": None,
                "shipping_address": None,
                "submit": None,
                "terms_of_service_acceptance": None,
            },
            "customer": customer["id"] if customer else None,
            "customer_account": None,
            "customer_creation": None if customer else "always",
            "customer_details": (
                {
                    "address": None,
                    "business_name": None,
                    "email": customer.get("email"),
                    "individual_name": None,
                    "name": None,
                    "phone": None,
                    "tax_exempt": customer.get("tax_exempt", "none"),
                    "tax_ids": None,
                }
                if customer
                else None
            ),
            "customer_email": p.get("customer_email"),
            "discounts": [
                {"coupon": d.get("coupon"), "promotion_code": d.get("promotion_code")} for d in p.get("discounts") or []
            ],
            "excluded_payment_method_types": p.get("excluded_payment_method_types") or [],
            "expires_at": expires_at,
            "integration_identifier": None,
            "invoice": None,
            "invoice_creation": None,
            "livemode": False,
            "locale": p.get("locale"),
            "managed_payments": None,
            "metadata": p.get("metadata") or {},
            "mode": "subscription",
            "name_collection": None,
            "optional_items": None,
            "origin_context": None,
            "payment_intent": None,
            "payment_link": None,
            "payment_method_collection": p.get("payment_method_collection") or "always",
            "payment_method_configuration_details": None,
            "payment_method_options": {},
            "payment_method_types": p.get("payment_method_types") or ["card"],
            "payment_status": "unpaid",
            "permissions": None,
            "phone_number_collection": {"enabled": False},
            "presentment_details": None,
            "recovered_from": None,
            "redirect_on_completion": None,
            "return_url": None,
            "saved_payment_method_options": {
                "allow_redisplay_filters": ["always"],
                "payment_method_remove": None,
                "payment_method_save": None,
            },
            "setup_intent": None,
            "shipping_address_collection": None,
            "shipping_cost": None,
            "shipping_options": [],
            "status": "open",
            "submit_type": None,
            "subscription": None,
            "success_url": p.get("success_url"),
            "tax_id_collection": {"enabled": False, "required": "never"},
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "ui_mode": "hosted_page",
            "url": f"{api_base(b)}/checkout/{sid}",
            "wallet_options": None,
            "_line_items": items,
            "_subscription_data": sub_data,
        }
        b.store(session)
        return session


def expire_session(b: Backend, sid: str, request_id: str | None = None) -> CheckoutSession:
    with b.lock:
        s = b.get(sid, "checkout.session", param="session")
        if s["status"] != "open":
            raise invalid_request(
                f"Only Checkout Sessions with a status of `open` can be expired. This Checkout Session has a status "
                f"of `{s['status']}`.",
                param="session",
            )
        s["status"] = "expired"
        s["url"] = None
        b.emit("checkout.session.expired", s, request_id=request_id)
        return s


def _expire_if_due(b: Backend, s: CheckoutSession) -> None:
    if s["status"] == "open" and b.now_for_customer(s.get("customer")) >= s["expires_at"]:
        s["status"] = "expired"
        s["url"] = None
        b.emit("checkout.session.expired", s)


def get_session(b: Backend, sid: str) -> CheckoutSession:
    with b.lock:
        s = b.get(sid, "checkout.session", param="session")
        _expire_if_due(b, s)
        return s
