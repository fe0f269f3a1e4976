# mypy: disable-error-code="union-attr, arg-type, index, typeddict-unknown-key, typeddict-item"
"""Billing mode: flexible by default (endive), classic on request, flexible's credit and discount arithmetic."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from .billing_setup import DAY, T0, advance, clock_customer, lines, price


def _sub(client: stripe.StripeClient, amount: int = 1000, quantity: int = 1, **extra: Any) -> tuple[Any, Any]:
    clock, cus, _ = clock_customer(client)
    p = price(client, amount)
    sub = client.v1.subscriptions.create(
        {"customer": cus.id, "items": [{"price": p.id, "quantity": quantity}], **extra}
    )
    return clock, sub


def _update(client: stripe.StripeClient, sub: Any, at: int, behavior: str, **params: Any) -> Any:
    """Preview the change, apply it with the same proration_date, return (preview, invoice or None)."""
    preview = client.v1.invoices.create_preview(
        {
            "subscription": sub.id,
            "subscription_details": {**params, "proration_date": at, "proration_behavior": behavior},
        }
    )
    updated = client.v1.subscriptions.update(
        sub.id, {**params, "proration_date": at, "proration_behavior": behavior, "expand": ["latest_invoice"]}
    )
    return preview, updated.latest_invoice


def _share(amount: int, remaining: int, length: int) -> int:
    return int((amount * remaining / length) + 0.5)


def test_subscription_and_schedule_default_to_flexible(stripe_client: stripe.StripeClient) -> None:
    _, sub = _sub(stripe_client)
    assert sub.billing_mode.type == "flexible"
    assert sub.billing_mode.flexible.proration_discounts == "included"
    assert sub.billing_mode.updated_at == sub.created
    sched = stripe_client.v1.subscription_schedules.create({"from_subscription": sub.id})
    assert sched.billing_mode.type == "flexible"


def test_classic_only_when_asked(stripe_client: stripe.StripeClient) -> None:
    _, sub = _sub(stripe_client, billing_mode={"type": "classic"})
    assert sub.billing_mode.type == "classic" and sub.billing_mode.flexible is None
    _, cus, _ = clock_customer(stripe_client)
    p = price(stripe_client, 500)
    with pytest.raises(stripe.InvalidRequestError) as err:
        stripe_client.v1.subscriptions.create(
            {"customer": cus.id, "items": [{"price": p.id}], "billing_mode": {"type": "hybrid"}}
        )
    assert err.value.param == "billing_mode[type]"
    assert stripe_client.v1.subscriptions.list({"customer": cus.id}).data == []


def test_flexible_credit_uses_the_amount_originally_debited(stripe_client: stripe.StripeClient) -> None:
    """$10 billed, switched to $30 without proration, then to $20: flexible credits the $10 that was paid."""
    clock, sub = _sub(stripe_client, 1000)
    item = sub["items"].data[0].id
    start, end = sub["items"].data[0].current_period_start, sub["items"].data[0].current_period_end
    advance(stripe_client, clock.id, T0 + 5 * DAY)
    stripe_client.v1.subscriptions.update(
        sub.id,
        {"items": [{"id": item, "price": price(stripe_client, 3000, name="Max").id}], "proration_behavior": "none"},
    )
    at = T0 + 10 * DAY
    advance(stripe_client, clock.id, at)
    mid = price(stripe_client, 2000, name="Mid")
    preview, inv = _update(stripe_client, sub, at, "always_invoice", items=[{"id": item, "price": mid.id}])
    assert lines(preview) == lines(inv) and preview.amount_due == inv.amount_due == inv.amount_paid
    assert [li.amount for li in inv.lines.data] == [
        -_share(1000, end - at, end - start),
        _share(2000, end - at, end - start),
    ]


def test_classic_credit_uses_the_current_price(stripe_client: stripe.StripeClient) -> None:
    clock, sub = _sub(stripe_client, 1000, billing_mode={"type": "classic"})
    item = sub["items"].data[0].id
    start, end = sub["items"].data[0].current_period_start, sub["items"].data[0].current_period_end
    stripe_client.v1.subscriptions.update(
        sub.id,
        {"items": [{"id": item, "price": price(stripe_client, 3000, name="Max").id}], "proration_behavior": "none"},
    )
    at = T0 + 10 * DAY
    advance(stripe_client, clock.id, at)
    preview, inv = _update(
        stripe_client, sub, at, "always_invoice", items=[{"id": item, "price": price(stripe_client, 2000).id}]
    )
    assert lines(preview) == lines(inv)
    assert inv.lines.data[0].amount == -_share(3000, end - at, end - start)


def test_each_earlier_charge_is_credited_on_its_own_line(stripe_client: stripe.StripeClient) -> None:
    clock, sub = _sub(stripe_client, 1000)
    item = sub["items"].data[0].id
    start, end = sub["items"].data[0].current_period_start, sub["items"].data[0].current_period_end
    t1, t2 = T0 + 6 * DAY, T0 + 15 * DAY
    advance(stripe_client, clock.id, t1)
    _update(stripe_client, sub, t1, "create_prorations", items=[{"id": item, "quantity": 3}])
    advance(stripe_client, clock.id, t2)
    preview, inv = _update(stripe_client, sub, t2, "always_invoice", items=[{"id": item, "quantity": 2}])
    assert lines(preview) == lines(inv)
    seat3 = _share(3000, end - t1, end - start)
    assert [li.amount for li in inv.lines.data] == [
        -_share(1000, end - t1, end - start),  # the period's first charge, credited at the first change
        seat3,  # the first change's charge for 3 seats ...
        -_share(seat3, end - t2, end - t1),  # ... credited from what it debited, on its own line
        _share(2000, end - t2, end - start),
    ]
    assert inv.amount_due == sum(li.amount for li in inv.lines.data)


def _coupon_case(client: stripe.StripeClient, mode: dict[str, Any]) -> tuple[Any, Any, Any, int, int]:
    coupon = client.v1.coupons.create({"percent_off": 25, "duration": "forever"})
    clock, sub = _sub(client, 2000, discounts=[{"coupon": coupon.id}], billing_mode=mode)
    end = sub["items"].data[0].current_period_end
    at = T0 + 20 * DAY + 5
    advance(client, clock.id, at)
    preview, inv = _update(
        client, sub, at, "always_invoice", items=[{"id": sub["items"].data[0].id, "price": price(client, 5000).id}]
    )
    return sub, preview, inv, at, end


def test_proration_discounts_included_puts_the_discount_inside_the_amount(stripe_client: stripe.StripeClient) -> None:
    sub, preview, inv, at, end = _coupon_case(stripe_client, {"type": "flexible"})
    start = sub["items"].data[0].current_period_start
    assert lines(preview) == lines(inv) and preview.amount_due == inv.amount_due
    credit, charge = inv.lines.data
    assert credit.amount == -_share(1500, end - at, end - start)  # 2000 debited less 25 %
    gross = _share(5000, end - at, end - start)
    assert charge.amount == gross - int(gross * 0.25 + 0.5)
    assert [d.amount for d in credit.discount_amounts + charge.discount_amounts] == [0, 0]
    assert charge.discount_amounts[0].discount == sub.discounts[0]
    assert inv.total_discount_amounts == [] and inv.total == inv.subtotal == credit.amount + charge.amount


def test_proration_discounts_itemized_shows_gross_and_discount(stripe_client: stripe.StripeClient) -> None:
    mode = {"type": "flexible", "flexible": {"proration_discounts": "itemized"}}
    sub, preview, inv, at, end = _coupon_case(stripe_client, mode)
    assert sub.billing_mode.flexible.proration_discounts == "itemized"
    start = sub["items"].data[0].current_period_start
    assert lines(preview) == lines(inv) and preview.total == inv.total
    credit, charge = inv.lines.data
    assert credit.amount == -_share(2000, end - at, end - start)
    assert credit.discount_amounts[0].amount == -_share(500, end - at, end - start)
    gross = _share(5000, end - at, end - start)
    assert charge.amount == gross and charge.discount_amounts[0].amount == int(gross * 0.25 + 0.5)
    discount = credit.discount_amounts[0].amount + charge.discount_amounts[0].amount
    assert inv.total_discount_amounts[0].amount == discount
    assert inv.total == inv.subtotal - discount


def test_migrate_classic_to_flexible_never_back(stripe_client: stripe.StripeClient) -> None:
    _, sub = _sub(stripe_client, billing_mode={"type": "classic"})
    migrated = stripe_client.v1.subscriptions.migrate(sub.id, {"billing_mode": {"type": "flexible"}})
    assert migrated.billing_mode.type == "flexible"
    assert migrated.billing_mode.flexible.proration_discounts == "included"
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.subscriptions.migrate(sub.id, {"billing_mode": {"type": "classic"}})
    again = stripe_client.v1.subscriptions.migrate(sub.id, {"billing_mode": {"type": "flexible"}})
    assert again.billing_mode.to_dict() == migrated.billing_mode.to_dict()  # a retried migration changes nothing
    itemized = stripe_client.v1.subscriptions.migrate(
        sub.id, {"billing_mode": {"type": "flexible", "flexible": {"proration_discounts": "itemized"}}}
    )
    assert itemized.billing_mode.flexible.proration_discounts == "itemized"
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.subscriptions.migrate(
            sub.id, {"billing_mode": {"type": "flexible", "flexible": {"proration_discounts": "included"}}}
        )
    assert stripe_client.v1.subscriptions.retrieve(sub.id).billing_mode.type == "flexible"
