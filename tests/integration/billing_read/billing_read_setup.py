"""billing_read logic against the Stripe emulator: an account seeded with real objects through the API."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import stripe
from stripe_emulator.testing import advance_clock

from tests.helpers import aws as h

T0 = 1767225600  # 2026-01-01T00:00:00Z
DAY = 86400


def wait_for_verification(client: stripe.StripeClient, customer_id: str, tax_id: str, deadline_s: float = 30.0) -> None:
    """Stripe verifies a VAT id after creating it (``pending`` first); poll until it has an answer."""
    give_up = time.monotonic() + deadline_s
    while client.v1.customers.tax_ids.retrieve(customer_id, tax_id).verification.status == "pending":
        if time.monotonic() > give_up:
            raise AssertionError(f"tax id {tax_id} still pending after {deadline_s}s")
        time.sleep(0.05)


def price_id(client: stripe.StripeClient, lookup_key: str) -> str:
    return str(client.v1.prices.list(params={"lookup_keys": [lookup_key]}).data[0].id)


@dataclass
class Account:
    customer: Any
    subscription: Any
    clock_id: str
    now: int


def sync_catalog() -> None:
    from billing_core.stripe_gateway import get_gateway

    from admin.catalog_sync import CatalogSync

    CatalogSync(get_gateway()).run(out=lambda _line: None)


def active_pro(
    client: stripe.StripeClient,
    user_sub: str,
    *,
    renewals: int = 14,
    trial_days: int | None = None,
    card: str = "pm_card_visa",
) -> Account:
    """Ada on Pro monthly ($29) with a 30% coupon, a VAT id, a default card and an expiring spare card, mapped
    to ``user_sub``; ``renewals`` months of paid invoices on a test clock (one invoice per period)."""
    clock = client.v1.test_helpers.test_clocks.create(params={"frozen_time": T0})
    cus = client.v1.customers.create(
        params={
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "address": {"line1": "1 Analytical Way", "city": "London", "country": "GB", "postal_code": "N1"},
            "test_clock": clock.id,
            "metadata": {"user_sub": user_sub},
        }
    )
    tax_id = client.v1.customers.tax_ids.create(cus.id, params={"type": "eu_vat", "value": "DE123456789"})
    wait_for_verification(client, cus.id, tax_id.id)
    pm = client.v1.payment_methods.attach(card, params={"customer": cus.id})
    client.v1.payment_methods.attach("pm_card_visa_expiresNextMonth", params={"customer": cus.id})
    client.v1.customers.update(cus.id, params={"invoice_settings": {"default_payment_method": pm.id}})
    coupon = client.v1.coupons.create(params={"percent_off": 30, "duration": "forever", "name": "30% off"})
    params: Any = {
        "customer": cus.id,
        "items": [{"price": price_id(client, "pro_monthly")}],
        "discounts": [{"coupon": coupon.id}],
    }
    if trial_days:
        params["trial_period_days"] = trial_days
    sub = client.v1.subscriptions.create(params=params)
    now = T0
    for _ in range(renewals):
        now = int(client.v1.subscriptions.retrieve(sub.id)["items"].data[0].current_period_end) + DAY
        advance_clock(client, clock.id, now)
    h.put_mapping(user_sub, cus.id)
    return Account(cus, client.v1.subscriptions.retrieve(sub.id), clock.id, now)


def schedule_at_period_end(client: stripe.StripeClient, sub: Any, lookup_key: str) -> int:
    """What plan_change does for a period-end change: two phases keeping the current phase's discounts, released
    after the switch; returns the switch date."""
    item = sub["items"].data[0]
    schedule = client.v1.subscription_schedules.create(params={"from_subscription": sub.id})
    discounts = [{"discount": d.discount} for d in schedule.phases[0].discounts or [] if d.discount]
    client.v1.subscription_schedules.update(
        schedule.id,
        params={  # type: ignore[arg-type]  # built as plan_change builds it, from the SDK's objects
            "phases": [
                {
                    "items": [{"price": item.price.id, "quantity": item.quantity}],
                    "start_date": schedule.phases[0].start_date,
                    "end_date": item.current_period_end,
                    "discounts": discounts,
                },
                {
                    "items": [{"price": price_id(client, lookup_key), "quantity": 1}],
                    "duration": {"interval": "month"},
                    "discounts": discounts,
                },
            ],
            "end_behavior": "release",
            "proration_behavior": "none",
        },
    )
    return int(item.current_period_end)


def invoice_ids(client: stripe.StripeClient, customer_id: str) -> list[str]:
    """The customer's invoices, newest first, as Stripe lists them."""
    return [i.id for i in client.v1.invoices.list(params={"customer": customer_id, "limit": 100}).auto_paging_iter()]
