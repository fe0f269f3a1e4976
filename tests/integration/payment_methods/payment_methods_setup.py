"""Helpers for the payment_methods and billing_details integration tests (emulator + moto)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
from stripe_emulator.testing import advance_clock

from tests.helpers import aws as h
from tests.helpers.apigw import http_event, invoke

MONTH = 31 * 86400


def call(handler: Any, method: str, path: str, sub: str, *, key: str | None = "auto", body: Any = None, **kw: Any):
    """Invoke a route; ``key="auto"`` sends a fresh Idempotency-Key, None sends none."""
    headers = dict(kw.pop("headers", {}) or {})
    if key == "auto":
        key = str(uuid.uuid4())
    if key is not None:
        headers["Idempotency-Key"] = key
    return invoke(handler, http_event(method, path, sub=sub, body=body, headers=headers, **kw))


def price(stripe_client: Any, amount: int = 1500) -> Any:
    return stripe_client.v1.prices.create(
        params={
            "currency": "usd",
            "unit_amount": amount,
            "recurring": {"interval": "month"},
            "product_data": {"name": "Pro"},
        }
    )


def mapped_customer(stripe_client: Any, sub: str, *, test_clock: str | None = None, email: str | None = None) -> Any:
    params: dict[str, Any] = {"name": "Ada Lovelace", "metadata": {"user_sub": sub}}
    if email:
        params["email"] = email
    if test_clock:
        params["test_clock"] = test_clock
    customer = stripe_client.v1.customers.create(params=params)
    h.put_mapping(sub, customer.id)
    return customer


def attach(stripe_client: Any, customer_id: str, token: str = "pm_card_visa", *, default: bool = False) -> Any:
    pm = stripe_client.v1.payment_methods.attach(token, params={"customer": customer_id})
    if default:
        stripe_client.v1.customers.update(customer_id, params={"invoice_settings": {"default_payment_method": pm.id}})
    return pm


def subscribe(stripe_client: Any, customer_id: str, price_id: str) -> Any:
    return stripe_client.v1.subscriptions.create(params={"customer": customer_id, "items": [{"price": price_id}]})


def past_due_customer(stripe_client: Any, sub: str) -> tuple[Any, Any, Any, Any]:
    """A test-clock customer whose renewal failed on pm_card_chargeCustomerFail: (customer, clock, sub, invoice).

    The first period was paid with a Visa; the customer then switched to the failing card (customer default and
    subscription default), and the clock renewed the subscription.
    """
    now = int(time.time())
    clock = stripe_client.v1.test_helpers.test_clocks.create(params={"frozen_time": now})
    customer = mapped_customer(stripe_client, sub, test_clock=clock.id)
    visa = attach(stripe_client, customer.id, "pm_card_visa", default=True)
    subscription = subscribe(stripe_client, customer.id, price(stripe_client).id)
    assert subscription.status == "active"
    failing = attach(stripe_client, customer.id, "pm_card_chargeCustomerFail", default=True)
    stripe_client.v1.subscriptions.update(subscription.id, params={"default_payment_method": failing.id})
    stripe_client.v1.payment_methods.detach(visa.id)
    advance_clock(stripe_client, clock.id, now + MONTH + 3600)
    subscription = stripe_client.v1.subscriptions.retrieve(subscription.id)
    invoices = stripe_client.v1.invoices.list(params={"customer": customer.id, "status": "open"}).data
    assert subscription.status == "past_due" and len(invoices) == 1
    return customer, clock, subscription, invoices[0]


def confirm_setup_intent_like_stripe_js(api_base: str, publishable_key: str, client_secret: str, token: str) -> dict:
    """What Stripe.js does for ``stripe.confirmCardSetup(client_secret, {payment_method: ...})``."""
    seti_id = client_secret.split("_secret_")[0]
    response = httpx.post(
        f"{api_base}/v1/setup_intents/{seti_id}/confirm",
        auth=(publishable_key, ""),
        data={"payment_method": token, "client_secret": client_secret},
        timeout=10,
    )
    body: dict[str, Any] = response.json()
    assert response.status_code == 200, body
    return body


def approve_3ds(api_base: str, intent_id: str) -> None:
    """The emulator's 3-D Secure test page: the user completes authentication."""
    response = httpx.post(f"{api_base}/_emulator/payment_intents/{intent_id}/3ds", data={"result": "approve"})
    assert response.status_code == 200, response.text


def event_count(emulator: Any) -> int:
    return len(emulator.backend.all("event"))
