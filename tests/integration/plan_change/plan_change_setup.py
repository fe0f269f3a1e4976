"""The plan_change integration world: Stripe setup through the emulator and route calls through the handler."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

from stripe_emulator.testing import advance_clock

from tests.helpers.apigw import http_event, invoke
from tests.helpers.aws import put_mapping

DAY = 86400
#: A fixed start for test clocks: 2026-01-01T00:00:00Z.
START = 1767225600


@dataclass
class World:
    stripe: Any
    prices: dict[str, str]
    emulator: Any
    sub_a: str
    _n: itertools.count = field(default_factory=lambda: itertools.count(1))

    # -- Stripe setup (the test's own client, as an operator would) ---------------------------------------------
    def customer(self, sub: str, card: str | None = "pm_card_visa", clock: str | None = None) -> str:
        params: dict[str, Any] = {"email": f"{sub}@example.com", "metadata": {"user_sub": sub}}
        if clock:
            params["test_clock"] = clock
        cus = self.stripe.v1.customers.create(params=params).id
        if card:
            self.attach(cus, card)
        put_mapping(sub, cus)
        return cus

    def attach(self, cus: str, card: str, default: bool = True) -> str:
        pm = self.stripe.v1.payment_methods.attach(card, params={"customer": cus})
        if default:
            self.stripe.v1.customers.update(cus, params={"invoice_settings": {"default_payment_method": pm.id}})
        return str(pm.id)

    def subscribe(self, cus: str, lookup_key: str, quantity: int = 1, **extra: Any) -> Any:
        params = {"customer": cus, "items": [{"price": self.prices[lookup_key], "quantity": quantity}], **extra}
        return self.stripe.v1.subscriptions.create(params=params)

    def clock(self, at: int = START) -> str:
        return str(self.stripe.v1.test_helpers.test_clocks.create(params={"frozen_time": at}).id)

    def advance(self, clock: str, to: int) -> None:
        advance_clock(self.stripe, clock, to)

    def subscription(self, sub_id: str) -> Any:
        return self.stripe.v1.subscriptions.retrieve(sub_id)

    def invoices(self, cus: str) -> list[Any]:
        return list(self.stripe.v1.invoices.list(params={"customer": cus, "limit": 100}).data)

    def user_on(
        self,
        lookup_key: str,
        *,
        quantity: int = 1,
        days_in: int = 10,
        sub: str | None = None,
        card: str | None = "pm_card_visa",
        **extra: Any,
    ) -> tuple[str, str, Any, str]:
        """A user whose subscription started at START and whose clock sits ``days_in`` days into the period."""
        sub = sub or self.sub_a
        clock = self.clock()
        cus = self.customer(sub, card=card, clock=clock)
        subscription = self.subscribe(cus, lookup_key, quantity, **extra)
        if days_in:
            self.advance(clock, START + days_in * DAY + 3600)
        return sub, cus, subscription, clock

    # -- calling the function the way Lambda does ---------------------------------------------------------------
    def call(
        self,
        method: str,
        path: str,
        *,
        sub: str | None = None,
        body: Any = None,
        key: str | None | bool = True,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        from plan_change.app import handler

        hdrs = dict(headers or {})
        if key is True:
            key = f"k-{uuid.uuid4().hex}"
        if isinstance(key, str):
            hdrs["Idempotency-Key"] = key
        event = http_event(method, path, sub=sub or self.sub_a, body=body, headers=hdrs, query=query)
        return invoke(handler, event)

    def preview(
        self, lookup_key: str, quantity: int | None = None, sub: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"price_lookup_key": lookup_key, **extra}
        if quantity is not None:
            body["quantity"] = quantity
        response = self.call("POST", "/billing/subscription/preview", sub=sub, body=body, key=None)
        assert response["statusCode"] == 200, response["body"]
        return response["json"]

    def change(self, preview_id: str, key: str | bool = True, sub: str | None = None) -> dict[str, Any]:
        return self.call("POST", "/billing/subscription/change", sub=sub, body={"preview_id": preview_id}, key=key)


def assert_adds_up(preview: dict[str, Any]) -> None:
    """H1: the preview's rows add up to its totals, and its totals to the amount it says is due."""
    rows = [line for line in preview["lines"] if line["kind"] != "discount"]
    discounts = [line for line in preview["lines"] if line["kind"] == "discount"]
    assert sum(line["amount"] for line in rows) == preview["subtotal"]
    assert -sum(line["amount"] for line in discounts) == preview["discount_total"]
    assert preview["subtotal"] + sum(line["amount"] for line in discounts) == preview["total_excluding_tax"]
    assert preview["total_excluding_tax"] + preview["tax"] == preview["total"]
    due = preview["amount_due_now"] if preview["lines_invoice"] == "due_now" else preview["next_invoice_amount"]
    assert preview["total"] + preview["balance_applied"] == due
