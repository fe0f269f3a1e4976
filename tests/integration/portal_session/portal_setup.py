"""Helpers for the portal_session integration tests (imported by conftest and the test modules)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from billing_core.stripe_gateway import StripeGateway

from tests.helpers import aws as h
from tests.helpers.apigw import http_event, invoke

PATH = "/billing/portal-sessions"


@dataclass
class Account:
    prices: dict[str, str]
    configuration_id: str
    gateway: StripeGateway


def post(handler, sub: str | None, body: Any = None, **kw: Any) -> dict[str, Any]:
    return invoke(handler, http_event("POST", PATH, sub=sub, body=body if body is not None else {}, **kw))


def subscribe(stripe_client, account: Account, sub: str, lookup_key: str = "pro_monthly", quantity: int = 1) -> Any:
    """A Stripe customer mapped to ``sub`` with a card and an active subscription; returns the subscription."""
    customer = stripe_client.v1.customers.create(params={"name": "Test User", "metadata": {"user_sub": sub}})
    h.put_mapping(sub, customer.id)
    pm = stripe_client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    stripe_client.v1.customers.update(customer.id, params={"invoice_settings": {"default_payment_method": pm.id}})
    return stripe_client.v1.subscriptions.create(
        params={"customer": customer.id, "items": [{"price": account.prices[lookup_key], "quantity": quantity}]}
    )


def sessions(stripe_emulator) -> list[dict[str, Any]]:
    b = stripe_emulator.backend
    with b.lock:
        return [dict(s) for s in b.all("billing_portal.session")]


def only_session(stripe_emulator) -> dict[str, Any]:
    found = sessions(stripe_emulator)
    assert len(found) == 1, found
    return found[0]
