# mypy: disable-error-code="union-attr, arg-type, index, typeddict-unknown-key, typeddict-item"
"""H3: the upcoming invoice (`create_preview` without changes) is the invoice time then really makes: it follows
an attached schedule's next phase, a trial's end and the subscription's coupon. Also the anchor forms."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from .billing_setup import DAY, T0, advance, clock_customer, lines, price

HOUR = 3600


def _sub(client: stripe.StripeClient, amount: int, **extra: Any) -> tuple[Any, Any, Any]:
    clock, cus, _ = clock_customer(client)
    sub = client.v1.subscriptions.create({"customer": cus.id, "items": [{"price": price(client, amount).id}], **extra})
    return clock, cus, sub


def _renewal_after(client: stripe.StripeClient, clock: Any, sub: Any, at: int) -> Any:
    advance(client, clock.id, at + 2 * HOUR)
    invs = client.v1.invoices.list({"subscription": sub.id, "limit": 1}).data
    return invs[0]


def test_upcoming_invoice_follows_the_schedules_next_phase(stripe_client: stripe.StripeClient) -> None:
    clock, _, sub = _sub(stripe_client, 4500)
    pro = price(stripe_client, 2900, name="Pro")
    end = sub["items"].data[0].current_period_end
    sched = stripe_client.v1.subscription_schedules.create({"from_subscription": sub.id})
    stripe_client.v1.subscription_schedules.update(
        sched.id,
        {
            "end_behavior": "release",
            "phases": [
                {
                    "items": [{"price": sub["items"].data[0].price.id}],
                    "start_date": sched.phases[0].start_date,
                    "end_date": end,
                },
                {"items": [{"price": pro.id, "quantity": 2}], "duration": {"interval": "month"}},
            ],
        },
    )
    advance(stripe_client, clock.id, T0 + 3 * DAY)
    upcoming = stripe_client.v1.invoices.create_preview({"subscription": sub.id})
    assert upcoming.amount_due == 5800 and upcoming.created == end
    assert upcoming.lines.data[0].pricing.price_details.price == pro.id and upcoming.lines.data[0].quantity == 2
    assert stripe_client.v1.subscriptions.retrieve(sub.id)["items"].data[0].price.id != pro.id
    renewal = _renewal_after(stripe_client, clock, sub, end)
    assert lines(renewal) == lines(upcoming) and renewal.amount_paid == upcoming.amount_due


def test_upcoming_invoice_of_a_trial_is_the_trial_end_invoice(stripe_client: stripe.StripeClient) -> None:
    clock, _, sub = _sub(stripe_client, 1900, trial_period_days=7)
    upcoming = stripe_client.v1.invoices.create_preview({"subscription": sub.id})
    assert upcoming.created == sub.trial_end and upcoming.amount_due == 1900
    renewal = _renewal_after(stripe_client, clock, sub, sub.trial_end)
    assert lines(renewal) == lines(upcoming) and renewal.amount_paid == 1900


def test_upcoming_invoice_carries_the_coupon(stripe_client: stripe.StripeClient) -> None:
    coupon = stripe_client.v1.coupons.create({"percent_off": 20, "duration": "forever"})
    clock, _, sub = _sub(stripe_client, 2500, discounts=[{"coupon": coupon.id}])
    upcoming = stripe_client.v1.invoices.create_preview({"subscription": sub.id})
    assert upcoming.amount_due == 2000
    assert upcoming.total_discount_amounts[0].amount == 500
    assert upcoming.total_discount_amounts[0].discount == sub.discounts[0]
    assert upcoming.lines.data[0].discount_amounts[0].amount == 500
    renewal = _renewal_after(stripe_client, clock, sub, sub["items"].data[0].current_period_end)
    assert renewal.amount_paid == upcoming.amount_due and renewal.total_discount_amounts[0].amount == 500


def test_schedule_phases_keep_discounts_and_trial_end_and_apply_them(stripe_client: stripe.StripeClient) -> None:
    clock, _, sub = _sub(stripe_client, 3000)
    coupon = stripe_client.v1.coupons.create({"percent_off": 50, "duration": "forever"})
    end = sub["items"].data[0].current_period_end
    sched = stripe_client.v1.subscription_schedules.create({"from_subscription": sub.id})
    trial_end = end + 5 * DAY
    updated = stripe_client.v1.subscription_schedules.update(
        sched.id,
        {
            "phases": [
                {"items": [{"price": sub["items"].data[0].price.id}], "end_date": end},
                {
                    "items": [{"price": sub["items"].data[0].price.id}],
                    "discounts": [{"coupon": coupon.id}],
                    "trial_end": trial_end,
                    "end_date": end + 40 * DAY,
                },
            ],
        },
    )
    assert updated.phases[1].discounts[0].coupon == coupon.id and updated.phases[1].trial_end == trial_end
    advance(stripe_client, clock.id, end + HOUR)
    during = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert during.status == "trialing" and during.trial_end == trial_end
    upcoming = stripe_client.v1.invoices.create_preview({"subscription": sub.id})
    assert upcoming.created == trial_end and upcoming.amount_due == 1500
    renewal = _renewal_after(stripe_client, clock, sub, trial_end)
    assert renewal.amount_paid == 1500 and renewal.total_discount_amounts[0].amount == 1500
    assert stripe_client.v1.coupons.retrieve(coupon.id).times_redeemed == 1


def test_preview_of_a_new_subscription_honours_a_timestamp_anchor(stripe_client: stripe.StripeClient) -> None:
    _, cus, _ = clock_customer(stripe_client)
    p = price(stripe_client, 3100)
    anchor = T0 + 10 * DAY
    preview = stripe_client.v1.invoices.create_preview(
        {
            "customer": cus.id,
            "subscription_details": {
                "items": [{"price": p.id}],
                "billing_cycle_anchor": {"type": "timestamp", "timestamp": anchor},
            },
        }
    )
    assert stripe_client.v1.subscriptions.list({"customer": cus.id}).data == []
    sub = stripe_client.v1.subscriptions.create(
        {"customer": cus.id, "items": [{"price": p.id}], "billing_cycle_anchor": anchor, "expand": ["latest_invoice"]}
    )
    assert 0 < preview.amount_due == sub.latest_invoice.amount_paid < 3100
    assert lines(preview) == lines(sub.latest_invoice)


def test_timestamp_anchor_on_an_existing_subscription_is_refused(stripe_client: stripe.StripeClient) -> None:
    _, _, sub = _sub(stripe_client, 1000)
    with pytest.raises(stripe.InvalidRequestError) as err:
        stripe_client.v1.invoices.create_preview(
            {
                "subscription": sub.id,
                "subscription_details": {"billing_cycle_anchor": {"type": "timestamp", "timestamp": T0 + DAY}},
            }
        )
    assert err.value.param == "subscription_details[billing_cycle_anchor][type]"
