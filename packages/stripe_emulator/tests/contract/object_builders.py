"""Build one object of every type the emulator returns, and fetch it as raw JSON (exactly what goes on the wire).

Each builder creates its dependencies through the emulator's HTTP API with the secret key, the way stripe-python
would send them, then GETs the object. Builders are independent, so a gap in one resource fails only its case.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit


def form(params: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for k, v in params.items():
        key = f"{prefix}[{k}]" if prefix else k
        if isinstance(v, dict):
            out.extend(form(v, key))
        elif isinstance(v, list):
            for i, item in enumerate(v):
                if isinstance(item, dict):
                    out.extend(form(item, f"{key}[{i}]"))
                else:
                    out.append((f"{key}[{i}]", str(item)))
        elif isinstance(v, bool):
            out.append((key, "true" if v else "false"))
        elif v is not None:
            out.append((key, str(v)))
    return out


class Api:
    """A raw keep-alive client for the emulator (no SDK in between)."""

    def __init__(self, api_base: str, key: str) -> None:
        u = urlsplit(api_base)
        self.conn = http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port, timeout=30)
        self.key = key

    def call(self, method: str, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        body = "&".join(f"{quote(k)}={quote(v)}" for k, v in form(params or {}))
        headers = {"Authorization": f"Bearer {self.key}"}
        if method == "GET":
            path = f"{path}?{body}" if body else path
            body = ""
        else:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body or None, headers=headers)
        resp = self.conn.getresponse()
        data = json.loads(resp.read())
        if resp.status >= 400:
            raise AssertionError(f"{method} {path} -> {resp.status}: {data}")
        return dict(data)

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.call("GET", path, params)

    def post(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.call("POST", path, params)

    def close(self) -> None:
        self.conn.close()


# --- builders ------------------------------------------------------------------------------------------------


def _customer(api: Api, **extra: Any) -> dict[str, Any]:
    params = {
        "email": "contract@example.com",
        "name": "Contract Test",
        "address": {"line1": "1 Main St", "city": "Berlin", "postal_code": "10115", "country": "DE"},
        "metadata": {"k": "v"},
    }
    return api.post("/v1/customers", params | extra)


def _price(api: Api, amount: int = 1500) -> dict[str, Any]:
    prod = api.post("/v1/products", {"name": "Contract plan"})
    return api.post(
        "/v1/prices",
        {"product": prod["id"], "currency": "usd", "unit_amount": amount, "recurring": {"interval": "month"}},
    )


def _paying_customer(api: Api) -> tuple[dict[str, Any], str]:
    cus = _customer(api)
    pm = api.post(f"/v1/payment_methods/{'pm_card_visa'}/attach", {"customer": cus["id"]})
    api.post(f"/v1/customers/{cus['id']}", {"invoice_settings": {"default_payment_method": pm["id"]}})
    return cus, pm["id"]


def _subscription(api: Api) -> dict[str, Any]:
    cus, pm = _paying_customer(api)
    price = _price(api)
    return api.post(
        "/v1/subscriptions", {"customer": cus["id"], "items": [{"price": price["id"]}], "default_payment_method": pm}
    )


def b_customer(api: Api) -> dict[str, Any]:
    return api.get(f"/v1/customers/{_customer(api)['id']}")


def b_tax_id(api: Api) -> dict[str, Any]:
    cus = _customer(api)
    txi = api.post(f"/v1/customers/{cus['id']}/tax_ids", {"type": "eu_vat", "value": "DE123456789"})
    return api.get(f"/v1/customers/{cus['id']}/tax_ids/{txi['id']}")


def b_product(api: Api) -> dict[str, Any]:
    prod = api.post("/v1/products", {"name": "Contract product", "metadata": {"a": "b"}})
    return api.get(f"/v1/products/{prod['id']}")


def b_price(api: Api) -> dict[str, Any]:
    return api.get(f"/v1/prices/{_price(api)['id']}")


def b_coupon(api: Api) -> dict[str, Any]:
    c = api.post("/v1/coupons", {"percent_off": 20, "duration": "repeating", "duration_in_months": 3})
    return api.get(f"/v1/coupons/{c['id']}")


def b_promotion_code(api: Api) -> dict[str, Any]:
    c = api.post("/v1/coupons", {"amount_off": 500, "currency": "usd", "duration": "once"})
    p = api.post("/v1/promotion_codes", {"promotion": {"type": "coupon", "coupon": c["id"]}, "code": "SAVE5"})
    return api.get(f"/v1/promotion_codes/{p['id']}")


def b_payment_method(api: Api) -> dict[str, Any]:
    _, pm = _paying_customer(api)
    return api.get(f"/v1/payment_methods/{pm}")


def b_setup_intent(api: Api) -> dict[str, Any]:
    cus = _customer(api)
    seti = api.post("/v1/setup_intents", {"customer": cus["id"], "usage": "off_session"})
    api.post(f"/v1/setup_intents/{seti['id']}/confirm", {"payment_method": "pm_card_visa"})
    return api.get(f"/v1/setup_intents/{seti['id']}")


def b_customer_session(api: Api) -> dict[str, Any]:
    """A session for all three payment components (the other four left out: Stripe answers them disabled)."""
    cus = _customer(api)
    return api.post(
        "/v1/customer_sessions",
        {
            "customer": cus["id"],
            "components": {
                "mobile_payment_element": {
                    "enabled": True,
                    "features": {"payment_method_save": "enabled", "payment_method_remove": "disabled"},
                },
                "customer_sheet": {"enabled": True, "features": {"payment_method_remove": "enabled"}},
                "payment_element": {"enabled": True, "features": {"payment_method_redisplay": "enabled"}},
            },
        },
    )


def b_payment_intent(api: Api) -> dict[str, Any]:
    cus, pm = _paying_customer(api)
    pi = api.post(
        "/v1/payment_intents", {"amount": 2000, "currency": "usd", "customer": cus["id"], "payment_method": pm}
    )
    api.post(f"/v1/payment_intents/{pi['id']}/confirm", {})
    return api.get(f"/v1/payment_intents/{pi['id']}")


def b_subscription(api: Api) -> dict[str, Any]:
    return api.get(f"/v1/subscriptions/{_subscription(api)['id']}")


def b_subscription_paused(api: Api) -> dict[str, Any]:
    """A paused subscription: `status_details.paused` filled (stripe-python 16 `Subscription.StatusDetails`)."""
    sub = _subscription(api)
    api.post(f"/v1/subscriptions/{sub['id']}/pause", {"type": "subscription", "invoicing_behavior": "invoice"})
    return api.get(f"/v1/subscriptions/{sub['id']}")


def b_subscription_resumed(api: Api) -> dict[str, Any]:
    sub = _subscription(api)
    api.post(f"/v1/subscriptions/{sub['id']}/pause", {"bill_for": {"unused_time_from": {"type": "none"}}})
    return api.post(
        f"/v1/subscriptions/{sub['id']}/resume",
        {"billing_cycle_anchor": {"type": "now"}, "payment_behavior": "resume_on_payment_success"},
    )


def b_subscription_item(api: Api) -> dict[str, Any]:
    sub = _subscription(api)
    return api.get(f"/v1/subscription_items/{sub['items']['data'][0]['id']}")


def b_invoice(api: Api) -> dict[str, Any]:
    sub = _subscription(api)
    return api.get(f"/v1/invoices/{sub['latest_invoice']}")


def b_line_item(api: Api) -> dict[str, Any]:
    sub = _subscription(api)
    lines = api.get(f"/v1/invoices/{sub['latest_invoice']}/lines")
    return dict(lines["data"][0])


def b_invoiceitem(api: Api) -> dict[str, Any]:
    cus = _customer(api)
    ii = api.post("/v1/invoiceitems", {"customer": cus["id"], "amount": 700, "currency": "usd", "description": "x"})
    return api.get(f"/v1/invoiceitems/{ii['id']}")


def b_subscription_schedule(api: Api) -> dict[str, Any]:
    sub = _subscription(api)
    sched = api.post("/v1/subscription_schedules", {"from_subscription": sub["id"]})
    return api.get(f"/v1/subscription_schedules/{sched['id']}")


def b_test_clock(api: Api) -> dict[str, Any]:
    clock = api.post("/v1/test_helpers/test_clocks", {"frozen_time": int(time.time()), "name": "contract"})
    return api.get(f"/v1/test_helpers/test_clocks/{clock['id']}")


def b_checkout_session(api: Api) -> dict[str, Any]:
    price = _price(api)
    s = api.post(
        "/v1/checkout/sessions",
        {
            "mode": "subscription",
            "line_items": [{"price": price["id"], "quantity": 2}],
            "customer_email": "buyer@example.com",
            "client_reference_id": "user-1",
            "success_url": "https://app.example/ok?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": "https://app.example/cancel",
        },
    )
    return api.get(f"/v1/checkout/sessions/{s['id']}")


def b_checkout_session_completed(api: Api) -> dict[str, Any]:
    s = b_checkout_session(api)
    api.post(f"/_emulator/checkout_sessions/{s['id']}/complete", {})
    return api.get(f"/v1/checkout/sessions/{s['id']}")


def b_checkout_line_item(api: Api) -> dict[str, Any]:
    s = b_checkout_session(api)
    return dict(api.get(f"/v1/checkout/sessions/{s['id']}/line_items")["data"][0])


def _portal_config(api: Api) -> dict[str, Any]:
    price = _price(api)
    return api.post(
        "/v1/billing_portal/configurations",
        {
            "business_profile": {"headline": "Contract"},
            "features": {
                "customer_update": {"enabled": True, "allowed_updates": ["email", "address"]},
                "invoice_history": {"enabled": True},
                "payment_method_update": {"enabled": True},
                "subscription_cancel": {
                    "enabled": True,
                    "cancellation_reason": {"enabled": True, "options": ["too_expensive"]},
                },
                "subscription_update": {
                    "enabled": True,
                    "default_allowed_updates": ["price"],
                    "products": [{"product": price["product"], "prices": [price["id"]]}],
                },
            },
        },
    )


def b_billing_portal_configuration(api: Api) -> dict[str, Any]:
    return api.get(f"/v1/billing_portal/configurations/{_portal_config(api)['id']}")


def b_billing_portal_session(api: Api) -> dict[str, Any]:
    cfg = _portal_config(api)
    sub = _subscription(api)
    return api.post(
        "/v1/billing_portal/sessions",
        {
            "customer": sub["customer"],
            "configuration": cfg["id"],
            "return_url": "https://app.example/billing",
            "flow_data": {
                "type": "subscription_cancel",
                "subscription_cancel": {"subscription": sub["id"]},
                "after_completion": {"type": "redirect", "redirect": {"return_url": "https://app.example/done"}},
            },
        },
    )


def b_billing_portal_session_pause(api: Api) -> dict[str, Any]:
    cfg = api.post("/v1/billing_portal/configurations", {"features": {"subscription_pause": {"enabled": True}}})
    sub = _subscription(api)
    return api.post(
        "/v1/billing_portal/sessions",
        {
            "customer": sub["customer"],
            "configuration": cfg["id"],
            "flow_data": {"type": "subscription_pause", "subscription_pause": {"subscription": sub["id"]}},
        },
    )


def b_event(api: Api) -> dict[str, Any]:
    _customer(api)
    evt = api.get("/v1/events", {"limit": 1})["data"][0]
    return api.get(f"/v1/events/{evt['id']}")


def b_webhook_endpoint(api: Api) -> dict[str, Any]:
    we = api.post("/v1/webhook_endpoints", {"url": "https://hooks.example/stripe", "enabled_events": ["*"]})
    return api.get(f"/v1/webhook_endpoints/{we['id']}")


def b_list(api: Api) -> dict[str, Any]:
    _customer(api)
    return api.get("/v1/customers", {"limit": 1})


def b_search_result(api: Api) -> dict[str, Any]:
    _customer(api)
    return api.get("/v1/customers/search", {"query": "email:'contract@example.com'"})


# name -> (builder, stripe-python class path, fixtures3.json resource name or None)
BUILDERS: dict[str, tuple[Callable[[Api], dict[str, Any]], str, str | None]] = {
    "customer": (b_customer, "stripe.Customer", "customer"),
    "tax_id": (b_tax_id, "stripe.TaxId", "tax_id"),
    "product": (b_product, "stripe.Product", "product"),
    "price": (b_price, "stripe.Price", "price"),
    "coupon": (b_coupon, "stripe.Coupon", "coupon"),
    "promotion_code": (b_promotion_code, "stripe.PromotionCode", "promotion_code"),
    "payment_method": (b_payment_method, "stripe.PaymentMethod", "payment_method"),
    "setup_intent": (b_setup_intent, "stripe.SetupIntent", "setup_intent"),
    "customer_session": (b_customer_session, "stripe.CustomerSession", "customer_session"),
    "payment_intent": (b_payment_intent, "stripe.PaymentIntent", "payment_intent"),
    "subscription": (b_subscription, "stripe.Subscription", "subscription"),
    "subscription(paused)": (b_subscription_paused, "stripe.Subscription", None),
    "subscription(resumed)": (b_subscription_resumed, "stripe.Subscription", None),
    "subscription_item": (b_subscription_item, "stripe.SubscriptionItem", "subscription_item"),
    "invoice": (b_invoice, "stripe.Invoice", "invoice"),
    "line_item": (b_line_item, "stripe.InvoiceLineItem", "line_item"),
    "invoiceitem": (b_invoiceitem, "stripe.InvoiceItem", "invoiceitem"),
    "subscription_schedule": (b_subscription_schedule, "stripe.SubscriptionSchedule", "subscription_schedule"),
    "test_helpers.test_clock": (b_test_clock, "stripe.test_helpers.TestClock", "test_helpers.test_clock"),
    "checkout.session": (b_checkout_session, "stripe.checkout.Session", "checkout.session"),
    "checkout.session(complete)": (b_checkout_session_completed, "stripe.checkout.Session", "checkout.session"),
    "item": (b_checkout_line_item, "stripe.LineItem", "item"),
    "billing_portal.configuration": (
        b_billing_portal_configuration,
        "stripe.billing_portal.Configuration",
        "billing_portal.configuration",
    ),
    "billing_portal.session": (b_billing_portal_session, "stripe.billing_portal.Session", "billing_portal.session"),
    "billing_portal.session(pause)": (b_billing_portal_session_pause, "stripe.billing_portal.Session", None),
    "event": (b_event, "stripe.Event", "event"),
    "webhook_endpoint": (b_webhook_endpoint, "stripe.WebhookEndpoint", "webhook_endpoint"),
    "list": (b_list, "stripe.ListObject", None),
    "search_result": (b_search_result, "stripe.SearchResultObject", None),
}
