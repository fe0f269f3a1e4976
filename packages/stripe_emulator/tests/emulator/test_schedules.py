# mypy: disable-error-code="union-attr, arg-type, index, typeddict-unknown-key, typeddict-item"
"""Subscription schedules: downgrade at period end from a subscription, release, cancel."""

from __future__ import annotations

import stripe

from .billing_setup import DAY, T0, advance, clock_customer, event_types, price


def _sub(client: stripe.StripeClient):
    clock, cus, _ = clock_customer(client)
    pro = price(client, 3000)
    sub = client.v1.subscriptions.create({"customer": cus.id, "items": [{"price": pro.id}]})
    return clock, sub, pro


def test_downgrade_at_period_end(stripe_client, stripe_emulator) -> None:
    clock, sub, pro = _sub(stripe_client)
    basic = price(stripe_client, 1000, name="Basic")
    sched = stripe_client.v1.subscription_schedules.create({"from_subscription": sub.id})
    assert sched.status == "active" and sched.phases[0].end_date == T0 + 31 * DAY
    assert stripe_client.v1.subscriptions.retrieve(sub.id).schedule == sched.id
    end = sched.phases[0].end_date
    sched = stripe_client.v1.subscription_schedules.update(
        sched.id,
        {
            "end_behavior": "release",
            "phases": [
                {
                    "items": [{"price": pro.id, "quantity": 1}],
                    "start_date": sched.phases[0].start_date,
                    "end_date": end,
                },
                {"items": [{"price": basic.id, "quantity": 1}], "duration": {"interval": "month"}},
            ],
        },
    )
    assert [p.items[0].price for p in sched.phases] == [pro.id, basic.id]
    advance(stripe_client, clock.id, end + 60)
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after["items"].data[0].price.id == basic.id
    assert stripe_client.v1.invoices.retrieve(after.latest_invoice).status == "draft"  # finalized an hour later
    advance(stripe_client, clock.id, end + 3600 + 60)
    renewal = stripe_client.v1.invoices.retrieve(after.latest_invoice)
    assert renewal.amount_paid == 1000 and not any(
        li.parent.subscription_item_details.proration for li in renewal.lines.data
    )
    assert "subscription_schedule.updated" in event_types(stripe_emulator)


def test_release_undoes_the_schedule(stripe_client) -> None:
    clock, sub, pro = _sub(stripe_client)
    sched = stripe_client.v1.subscription_schedules.create({"from_subscription": sub.id})
    released = stripe_client.v1.subscription_schedules.release(sched.id)
    assert released.status == "released" and released.released_subscription == sub.id
    assert stripe_client.v1.subscriptions.retrieve(sub.id).schedule is None
    advance(stripe_client, clock.id, T0 + 32 * DAY)
    assert stripe_client.v1.subscriptions.retrieve(sub.id)["items"].data[0].price.id == pro.id
    listed = stripe_client.v1.subscription_schedules.list({"customer": sub.customer})
    assert [s.id for s in listed.data] == [sched.id]


def test_cancel_schedule_cancels_subscription(stripe_client) -> None:
    _, sub, _ = _sub(stripe_client)
    sched = stripe_client.v1.subscription_schedules.create({"from_subscription": sub.id})
    assert stripe_client.v1.subscription_schedules.cancel(sched.id).status == "canceled"
    assert stripe_client.v1.subscriptions.retrieve(sub.id).status == "canceled"


def test_schedule_from_a_subscription_carries_its_discount_through_the_phases(stripe_client) -> None:
    clock, sub, pro = _sub(stripe_client)
    coupon = stripe_client.v1.coupons.create({"percent_off": 10, "duration": "forever"})
    sub = stripe_client.v1.subscriptions.update(sub.id, {"discounts": [{"coupon": coupon.id}]})
    sched = stripe_client.v1.subscription_schedules.create({"from_subscription": sub.id})
    assert sched.phases[0].discounts[0].discount == sub.discounts[0]
    keep = [{"discount": sub.discounts[0]}]
    end = sched.phases[0].end_date
    basic = price(stripe_client, 1000, name="Basic")
    stripe_client.v1.subscription_schedules.update(
        sched.id,
        {
            "phases": [
                {"items": [{"price": pro.id}], "end_date": end, "discounts": keep},
                {"items": [{"price": basic.id}], "discounts": keep, "duration": {"interval": "month"}},
            ]
        },
    )
    advance(stripe_client, clock.id, end + 3600 + 60)
    after = stripe_client.v1.subscriptions.retrieve(sub.id, {"expand": ["latest_invoice"]})
    assert after.discounts == sub.discounts and after.latest_invoice.amount_paid == 900
    assert stripe_client.v1.coupons.retrieve(coupon.id).times_redeemed == 1
