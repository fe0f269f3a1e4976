"""Helpers shared by the billing-engine tests: a customer on a test clock with a card, and a price catalog."""

from __future__ import annotations

from typing import Any

import stripe
from stripe_emulator.testing import advance_clock

T0 = 1767225600  # 2026-01-01T00:00:00Z
DAY = 86400


def clock_customer(client: stripe.StripeClient, card: str = "pm_card_visa", t0: int = T0) -> tuple[Any, Any, Any]:
    """(clock, customer, payment method) with the card as the customer's default payment method."""
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": t0, "name": "test"})
    cus = client.v1.customers.create({"email": "jenny@example.com", "name": "Jenny", "test_clock": clock.id})
    pm = client.v1.payment_methods.attach(card, {"customer": cus.id})
    client.v1.customers.update(cus.id, {"invoice_settings": {"default_payment_method": pm.id}})
    return clock, cus, pm


def price(client: stripe.StripeClient, amount: int, interval: str = "month", name: str = "Pro") -> Any:
    product = client.v1.products.create({"name": name})
    return client.v1.prices.create(
        {"product": product.id, "unit_amount": amount, "currency": "usd", "recurring": {"interval": interval}}
    )


def advance(client: stripe.StripeClient, clock_id: str, to: int) -> Any:
    """Advance and wait until the clock is ready (advancing is asynchronous)."""
    return advance_clock(client, clock_id, to)


def event_types(emulator: Any) -> list[str]:
    b = emulator.backend
    return [b.objects[e]["type"] for e in b.events]


def lines(inv: Any) -> list[tuple[str, int, bool]]:
    out = []
    for li in inv.lines.data:
        det = li.parent.subscription_item_details or li.parent.invoice_item_details
        out.append((li.description, li.amount, bool(det.proration) if det else False))
    return out
