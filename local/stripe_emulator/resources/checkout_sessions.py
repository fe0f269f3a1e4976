"""Checkout sessions in `mode=subscription`: create, retrieve, list, expire, line items, and completion.

A session's `url` is the emulator's hosted page `/checkout/{id}` (pages/checkout.py) where a person picks a test
card. `POST /_emulator/checkout_sessions/{id}/complete` completes it without a browser (test helper). Completion
does what Stripe Checkout does: creates the customer when the session has none, attaches the card, creates the
subscription through the subscriptions module (so its events fire), marks the session `complete` and emits
`checkout.session.completed`. A card that fails leaves the session `open` (Checkout shows the error and lets the
person try another card) and answers the card error.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from ..backend import Backend
from ..errors import card_error, invalid_request
from ..router import Request, route

DEFAULT_EXPIRY_S = 24 * 3600
MIN_EXPIRY_S = 30 * 60


def other(module: str, *names: str) -> Callable[..., Any]:
    """A plain function of another resource module (resolved at call time; modules are written in parallel)."""
    mod = importlib.import_module(f"{__package__}.{module}")
    for name in names:
        fn = getattr(mod, name, None)
        if callable(fn):
            return fn  # type: ignore[no-any-return]
    raise RuntimeError(f"{module} has none of {names}")


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


def _product_name(b: Backend, price: dict[str, Any]) -> str | None:
    prod = b.objects.get(price.get("product") or "")
    return prod.get("name") if prod else price.get("nickname")


def create_checkout_session(b: Backend, p: dict[str, Any], request_id: str | None = None) -> dict[str, Any]:
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
        session: dict[str, Any] = {
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


def expire_session(b: Backend, sid: str, request_id: str | None = None) -> dict[str, Any]:
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


def _expire_if_due(b: Backend, s: dict[str, Any]) -> None:
    if s["status"] == "open" and b.now_for_customer(s.get("customer")) >= s["expires_at"]:
        s["status"] = "expired"
        s["url"] = None
        b.emit("checkout.session.expired", s)


def get_session(b: Backend, sid: str) -> dict[str, Any]:
    with b.lock:
        s = b.get(sid, "checkout.session", param="session")
        _expire_if_due(b, s)
        return s


def _find_promotion_code(b: Backend, code: str) -> dict[str, Any]:
    for promo in b.all("promotion_code"):
        if promo.get("code", "").lower() == code.lower() and promo.get("active", True):
            return promo
    raise invalid_request("This code is invalid.", param="promotion_code", code="promotion_code_invalid")


def complete_session(
    b: Backend,
    sid: str,
    payment_method: str = "pm_card_visa",
    *,
    email: str | None = None,
    name: str | None = None,
    promotion_code: str | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """Complete an open session as the hosted page would after a person pays with `payment_method` (a test token).

    Card errors leave the session open and are raised (402 `card_error`) like Checkout shows them.
    """
    with b.lock:
        s = get_session(b, sid)
        if s["status"] != "open":
            raise invalid_request(
                f"This Checkout Session is no longer active (status `{s['status']}`).", param="session"
            )
        discounts = [
            {k: v for k, v in d.items() if v}
            for d in (s.get("discounts") or [])
            if d.get("coupon") or d.get("promotion_code")
        ]
        if promotion_code:
            if not s.get("allow_promotion_codes"):
                raise invalid_request("This Checkout Session does not accept promotion codes.", param="promotion_code")
            discounts = [{"promotion_code": _find_promotion_code(b, promotion_code)["id"]}]
        sub_data = s.get("_subscription_data") or {}
        amount_due = 0 if sub_data.get("trial_period_days") else int(s["amount_subtotal"] or 0)
        precheck_card(card_behaviour(b, payment_method), amount_due)
        customer_id = s.get("customer")
        created_customer = False
        if not customer_id:
            cus_params: dict[str, Any] = {"email": email or s.get("customer_email")}
            if name:
                cus_params["name"] = name
            customer_id = other("customers", "create_customer")(b, cus_params, request_id=request_id)["id"]
            created_customer = True
        pm_id = attach_card(b, payment_method, customer_id, request_id=request_id)
        sub_params: dict[str, Any] = {
            "customer": customer_id,
            "items": [{"price": li["price"], "quantity": li["quantity"]} for li in s["_line_items"]],
            "default_payment_method": pm_id,
            "payment_behavior": "error_if_incomplete",
            "metadata": sub_data.get("metadata") or {},
        }
        if sub_data.get("trial_period_days"):
            sub_params["trial_period_days"] = int(sub_data["trial_period_days"])
        if sub_data.get("description"):
            sub_params["description"] = sub_data["description"]
        if sub_data.get("trial_settings"):  # e.g. end_behavior.missing_payment_method=pause
            sub_params["trial_settings"] = sub_data["trial_settings"]
        if sub_data.get("billing_mode"):  # absent: the subscription is flexible, Stripe's endive default
            sub_params["billing_mode"] = sub_data["billing_mode"]
        if discounts:
            sub_params["discounts"] = discounts
        sub = other("subscriptions", "create_subscription")(b, sub_params, request_id=request_id)
        cus_obj = b.get(customer_id, "customer")
        latest = sub.get("latest_invoice")
        invoice = b.objects.get(latest) if isinstance(latest, str) else latest
        amount_paid = int(invoice.get("amount_paid", 0)) if isinstance(invoice, dict) else 0
        s.update(
            {
                "status": "complete",
                "customer": customer_id,
                "customer_creation": "always" if created_customer else s.get("customer_creation"),
                "customer_details": {
                    "address": cus_obj.get("address"),
                    "business_name": None,
                    "email": cus_obj.get("email"),
                    "individual_name": None,
                    "name": cus_obj.get("name"),
                    "phone": cus_obj.get("phone"),
                    "tax_exempt": cus_obj.get("tax_exempt", "none"),
                    "tax_ids": [],
                },
                "subscription": sub["id"],
                "invoice": invoice["id"] if isinstance(invoice, dict) else None,
                "payment_status": "paid" if amount_paid > 0 else "no_payment_required",
                "amount_total": int(invoice.get("total", s["amount_total"])) if isinstance(invoice, dict) else 0,
                "url": None,
            }
        )
        if discounts:
            s["discounts"] = [{"coupon": d.get("coupon"), "promotion_code": d.get("promotion_code")} for d in discounts]
            if isinstance(invoice, dict):
                s["total_details"]["amount_discount"] = max(
                    0, int(invoice.get("subtotal", 0)) - int(invoice.get("total", 0))
                )
        b.emit("checkout.session.completed", s, request_id=request_id)
        return s


def card_behaviour(b: Backend, ref: str) -> str:
    """The `_behaviour` of a test token (pm_card_...) or of an existing payment method."""
    pm_mod = importlib.import_module(f"{__package__}.payment_methods")
    if pm_mod.is_test_token(ref):
        return str(pm_mod.TEST_CARDS[ref].behaviour)
    return str(b.get(ref, "payment_method", param="payment_method").get("_behaviour", "ok"))


def attach_card(b: Backend, ref: str, customer_id: str, request_id: str | None = None) -> str:
    """Attach a test token (a new payment method) or an unattached payment method to the customer."""
    pm = other("payment_methods", "attach_payment_method")(b, ref, customer_id, request_id=request_id)
    return str(pm["id"])


def precheck_card(behaviour: str, amount_due: int) -> None:
    """Raise the card error Checkout would show for a card with this `_behaviour` before anything is created."""
    decline_error = other("payment_methods", "decline_error")
    if behaviour.startswith("decline:") or (amount_due > 0 and behaviour == "fail_charge"):
        raise decline_error(behaviour)
    if amount_due > 0 and behaviour in ("3ds", "3ds_setup"):
        raise card_error(
            "Your card was declined. This transaction requires authentication.",
            code="authentication_required",
            decline_code="authentication_required",
        )


# --- routes --------------------------------------------------------------------------------------------------


@route("POST", "/v1/checkout/sessions", params="checkout.SessionCreateParams")
def _create(b: Backend, req: Request) -> dict[str, Any]:
    return b.render(create_checkout_session(b, req.params, req.request_id), req.expand)


@route("GET", "/v1/checkout/sessions/{session}", params="checkout.SessionRetrieveParams")
def _retrieve(b: Backend, req: Request) -> dict[str, Any]:
    with b.lock:
        return b.render(get_session(b, req.path_params["session"]), req.expand)


@route("POST", "/v1/checkout/sessions/{session}/expire", params="checkout.SessionExpireParams")
def _expire(b: Backend, req: Request) -> dict[str, Any]:
    return b.render(expire_session(b, req.path_params["session"], req.request_id), req.expand)


@route("GET", "/v1/checkout/sessions", params="checkout.SessionListParams", list_endpoint=True)
def _list(b: Backend, req: Request) -> dict[str, Any]:
    p = req.params
    with b.lock:
        for s in b.all("checkout.session"):
            _expire_if_due(b, s)

        def keep(s: dict[str, Any]) -> bool:
            return all(
                [
                    not p.get("customer") or s.get("customer") == p["customer"],
                    not p.get("subscription") or s.get("subscription") == p["subscription"],
                    not p.get("status") or s.get("status") == p["status"],
                    not p.get("payment_intent") or s.get("payment_intent") == p["payment_intent"],
                ]
            )

        return b.list_response(b.all("checkout.session", keep), p, "/v1/checkout/sessions", req.expand)


@route("GET", "/v1/checkout/sessions/{session}/line_items", params="checkout.SessionListLineItemsParams")
def _line_items_route(b: Backend, req: Request) -> dict[str, Any]:
    with b.lock:
        s = b.get(req.path_params["session"], "checkout.session", param="session")
        items = list(s["_line_items"])
        page = b.list_response(
            [dict(li, created=0, _seq=-i) for i, li in enumerate(items)],
            req.params,
            f"/v1/checkout/sessions/{s['id']}/line_items",
            req.expand,
        )
        for li in page["data"]:
            li.pop("created", None)
            price = b.objects.get(li["price"])
            if price is not None:
                li["price"] = b.render(price)
        return page


@route("POST", "/_emulator/checkout_sessions/{session}/complete", auth="none")
def _complete(b: Backend, req: Request) -> dict[str, Any]:
    p = req.params
    s = complete_session(
        b,
        req.path_params["session"],
        str(p.get("payment_method") or "pm_card_visa"),
        email=p.get("email"),
        name=p.get("name"),
        promotion_code=p.get("promotion_code"),
        request_id=req.request_id,
    )
    return b.render(s)
