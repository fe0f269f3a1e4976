"""Random customer lifecycles on the Stripe emulator (shared by the property test and the benchmark)."""

from __future__ import annotations

import random
from typing import Any

import stripe
from billing_core.catalog.model import get_catalog
from stripe_emulator.testing import advance_clock

T0 = 1767225600  # 2026-01-01T00:00:00Z
DAY = 86400
OPERATIONS = ("upgrade", "downgrade", "cancel", "resume", "payment_failure", "recovery", "cancel_now", "resubscribe")


def create_catalog_prices(client: stripe.StripeClient) -> dict[str, str]:
    """One emulator price per catalog lookup key; returns lookup key -> price id."""
    prices: dict[str, str] = {}
    catalog = get_catalog()
    for plan in catalog.plans:
        product = client.v1.products.create({"name": plan.name})
        for price in plan.prices:
            created = client.v1.prices.create(
                {
                    "product": product.id,
                    "unit_amount": price.unit_amount,
                    "currency": catalog.currency,
                    "recurring": {"interval": price.interval},
                    "lookup_key": price.lookup_key,
                }
            )
            prices[price.lookup_key] = created.id
    return prices


def _quantity(lookup_key: str) -> int:
    return 3 if lookup_key.startswith("business") else 1


class Lifecycle:
    """One user's random billing history: subscribe, then a few changes, on its own test clock."""

    def __init__(self, client: stripe.StripeClient, prices: dict[str, str], sub: str, rng: random.Random) -> None:
        self.client = client
        self.prices = prices
        self.sub = sub
        self.rng = rng
        self.clock_time = T0
        self.clock = client.v1.test_helpers.test_clocks.create({"frozen_time": T0})
        self.customer = client.v1.customers.create({"metadata": {"user_sub": sub}, "test_clock": self.clock.id})
        self.good_card = self._attach("pm_card_visa")
        self._default(self.good_card)
        self.subscription: Any = None

    def _attach(self, card: str) -> str:
        return str(self.client.v1.payment_methods.attach(card, {"customer": self.customer.id}).id)

    def _default(self, pm: str) -> None:
        self.client.v1.customers.update(self.customer.id, {"invoice_settings": {"default_payment_method": pm}})

    def _refresh(self) -> Any:
        self.subscription = self.client.v1.subscriptions.retrieve(self.subscription.id)
        return self.subscription

    def subscribe(self) -> None:
        key = self.rng.choice(sorted(self.prices))
        self.subscription = self.client.v1.subscriptions.create(
            {"customer": self.customer.id, "items": [{"price": self.prices[key], "quantity": _quantity(key)}]}
        )

    def _change_price(self, direction: int) -> None:
        item = self.subscription["items"]["data"][0]
        current = item["price"]["lookup_key"]
        keys = sorted(self.prices, key=lambda k: (get_catalog().find_price(k)[0].tier, k))
        index = keys.index(current) + direction
        if not 0 <= index < len(keys):
            return
        target = keys[index]
        self.client.v1.subscriptions.update(
            self.subscription.id,
            {
                "items": [{"id": item["id"], "price": self.prices[target], "quantity": _quantity(target)}],
                "proration_behavior": "none",
            },
        )

    def _advance(self, days: int) -> None:
        self.clock_time += days * DAY
        advance_clock(self.client, self.clock.id, self.clock_time)

    def step(self, operation: str) -> None:
        if self.subscription is None:
            self.subscribe()
            return
        status = self._refresh().status
        if operation == "resubscribe" and status in {"canceled", "incomplete_expired"}:
            self.subscribe()
        elif status in {"canceled", "incomplete_expired"}:
            return
        elif operation == "upgrade":
            self._change_price(+1)
        elif operation == "downgrade":
            self._change_price(-1)
        elif operation == "cancel":
            self.client.v1.subscriptions.update(self.subscription.id, {"cancel_at_period_end": True})
        elif operation == "resume":
            self.client.v1.subscriptions.update(self.subscription.id, {"cancel_at_period_end": False})
        elif operation == "payment_failure":
            self._default(self._attach("pm_card_chargeCustomerFail"))
            self._advance(32)
        elif operation == "recovery":
            self._default(self.good_card)
            invoices = self.client.v1.invoices.list({"customer": self.customer.id, "status": "open"})
            for invoice in invoices.data:
                self.client.v1.invoices.pay(invoice.id)
        elif operation == "cancel_now":
            self.client.v1.subscriptions.cancel(self.subscription.id)

    def run(self, steps: int) -> None:
        self.subscribe()
        for _ in range(steps):
            try:
                self.step(self.rng.choice(OPERATIONS))
            except stripe.StripeError:
                continue  # a move Stripe refuses in this state: the history simply continues


def emulator_events(backend: Any) -> list[dict[str, Any]]:
    """Every event the emulator recorded, rendered as Stripe sends them."""
    with backend.lock:
        return [backend.render(backend.objects[event_id]) for event_id in backend.events]
