# mypy: disable-error-code="union-attr, arg-type, index, typeddict-unknown-key, typeddict-item"
"""Proration: the preview (`invoices.create_preview`) equals the invoice the update then creates, to the cent."""

from __future__ import annotations

import stripe

from .billing_setup import DAY, T0, advance, clock_customer, lines, price


def _setup(client: stripe.StripeClient, amount: int = 1000, quantity: int = 1, **sub_extra):
    clock, cus, _ = clock_customer(client)
    p = price(client, amount)
    sub = client.v1.subscriptions.create(
        {"customer": cus.id, "items": [{"price": p.id, "quantity": quantity}], **sub_extra}
    )
    return clock, cus, sub


def _preview_then_apply(client, sub, details, behavior="always_invoice"):
    pd = details.pop("proration_date")
    preview = client.v1.invoices.create_preview(
        {
            "subscription": sub.id,
            "subscription_details": {**details, "proration_date": pd, "proration_behavior": behavior},
        }
    )
    updated = client.v1.subscriptions.update(
        sub.id, {**details, "proration_date": pd, "proration_behavior": behavior, "expand": ["latest_invoice"]}
    )
    return preview, updated


def test_upgrade_mid_cycle_matches_preview_and_stripe_formula(stripe_client: stripe.StripeClient) -> None:
    clock, _, sub = _setup(stripe_client)
    advance(stripe_client, clock.id, T0 + 10 * DAY + 3600)
    big = price(stripe_client, 3000, name="Max")
    pd = T0 + 10 * DAY + 3600
    preview, updated = _preview_then_apply(
        stripe_client, sub, {"items": [{"id": sub["items"].data[0].id, "price": big.id}], "proration_date": pd}
    )
    inv = updated.latest_invoice
    assert lines(preview) == lines(inv)
    assert preview.amount_due == inv.amount_due == inv.amount_paid
    period = sub["items"].data[0].current_period_end - T0
    remaining = sub["items"].data[0].current_period_end - pd
    assert [li.amount for li in inv.lines.data] == [-round(1000 * remaining / period), round(3000 * remaining / period)]
    assert all(li.parent.subscription_item_details.proration for li in inv.lines.data)
    assert inv.lines.data[0].description == "Unused time on Pro after 11 Jan 2026"
    assert preview.id.startswith("upcoming_in_")
    assert preview.parent.subscription_details.subscription_proration_date == pd


def test_seats_up_and_down(stripe_client: stripe.StripeClient) -> None:
    clock, _, sub = _setup(stripe_client, amount=1500, quantity=3)
    item = sub["items"].data[0].id
    at = T0 + 7 * DAY + 17
    advance(stripe_client, clock.id, at)
    preview, updated = _preview_then_apply(
        stripe_client, sub, {"items": [{"id": item, "quantity": 5}], "proration_date": at}
    )
    assert lines(preview) == lines(updated.latest_invoice)
    assert preview.amount_due == updated.latest_invoice.amount_due > 0
    assert updated.latest_invoice.lines.data[1].description.startswith("Remaining time on 5 × Pro")
    at2 = at + 3 * DAY
    advance(stripe_client, clock.id, at2)
    preview, updated = _preview_then_apply(
        stripe_client, updated, {"items": [{"id": item, "quantity": 2}], "proration_date": at2}
    )
    inv = updated.latest_invoice
    assert lines(preview) == lines(inv) and preview.total == inv.total < 0
    assert inv.amount_due == 0 and inv.status == "paid"
    assert stripe_client.v1.customers.retrieve(inv.customer).balance == inv.total


def test_monthly_to_yearly_resets_anchor(stripe_client: stripe.StripeClient) -> None:
    clock, _, sub = _setup(stripe_client)
    at = T0 + 12 * DAY
    advance(stripe_client, clock.id, at)
    yearly = price(stripe_client, 10000, interval="year", name="Pro yearly")
    preview, updated = _preview_then_apply(
        stripe_client,
        sub,
        {"items": [{"id": sub["items"].data[0].id, "price": yearly.id}], "proration_date": at},
        behavior="create_prorations",
    )
    inv = updated.latest_invoice
    assert lines(preview) == lines(inv) and preview.amount_due == inv.amount_due
    assert updated.billing_cycle_anchor == at
    assert updated["items"].data[0].current_period_start == at
    assert [li.amount for li in inv.lines.data] == [-round(1000 * (T0 + 31 * DAY - at) / (31 * DAY)), 10000]


def test_classic_with_a_percent_coupon(stripe_client: stripe.StripeClient) -> None:
    coupon = stripe_client.v1.coupons.create({"percent_off": 25, "duration": "forever"})
    # Classic mode explicitly: the invoice-level discount also applies to the (gross) proration lines.
    # Flexible mode (the default) is held in test_billing_mode.py.
    clock, _, sub = _setup(
        stripe_client, amount=2000, discounts=[{"coupon": coupon.id}], billing_mode={"type": "classic"}
    )
    assert sub.latest_invoice
    first = stripe_client.v1.invoices.retrieve(sub.latest_invoice)
    assert first.total == 1500 and first.total_discount_amounts[0].amount == 500
    at = T0 + 20 * DAY + 5
    advance(stripe_client, clock.id, at)
    big = price(stripe_client, 5000, name="Max")
    preview, updated = _preview_then_apply(
        stripe_client, sub, {"items": [{"id": sub["items"].data[0].id, "price": big.id}], "proration_date": at}
    )
    inv = updated.latest_invoice
    assert lines(preview) == lines(inv)
    assert preview.total_discount_amounts[0].amount == inv.total_discount_amounts[0].amount != 0
    assert preview.amount_due == inv.amount_due == inv.subtotal - inv.total_discount_amounts[0].amount
    assert [d.amount for li in inv.lines.data for d in li.discount_amounts] == [
        round(li.amount * 0.25) for li in inv.lines.data
    ]


def test_during_trial_no_proration_and_preview_equals_trial_end_invoice(stripe_client: stripe.StripeClient) -> None:
    clock, _, sub = _setup(stripe_client, trial_period_days=14)
    assert sub.status == "trialing"
    at = T0 + 5 * DAY
    advance(stripe_client, clock.id, at)
    big = price(stripe_client, 3000, name="Max")
    details = {"items": [{"id": sub["items"].data[0].id, "price": big.id}], "proration_date": at}
    preview, updated = _preview_then_apply(stripe_client, sub, details, behavior="create_prorations")
    assert updated.status == "trialing"
    assert updated.latest_invoice.id == sub.latest_invoice  # no new invoice during the trial
    assert not any(p for _, _, p in lines(preview))
    advance(stripe_client, clock.id, T0 + 14 * DAY + 60)
    renewal = stripe_client.v1.invoices.retrieve(stripe_client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert renewal.billing_reason == "subscription_cycle"
    assert lines(preview) == lines(renewal) and preview.amount_due == renewal.amount_due == 3000


def test_create_prorations_preview_equals_next_renewal(stripe_client: stripe.StripeClient) -> None:
    clock, _, sub = _setup(stripe_client, amount=1200, quantity=2)
    at = T0 + 9 * DAY + 123
    advance(stripe_client, clock.id, at)
    details = {"items": [{"id": sub["items"].data[0].id, "quantity": 4}], "proration_date": at}
    preview, updated = _preview_then_apply(stripe_client, sub, details, behavior="create_prorations")
    assert updated.latest_invoice.id == sub.latest_invoice
    pending = stripe_client.v1.invoice_items.list({"customer": sub.customer, "pending": True})
    assert len(pending.data) == 2 and all(ii.proration for ii in pending.data)
    # The renewal invoice stays a draft for an hour after the boundary, then is finalized and charged.
    advance(stripe_client, clock.id, T0 + 31 * DAY + 3600 + 60)
    renewal = stripe_client.v1.invoices.retrieve(stripe_client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert lines(preview) == lines(renewal)
    assert preview.amount_due == renewal.amount_due == renewal.amount_paid
    assert renewal.lines.data[-1].amount == 4800


def test_proration_date_outside_period_is_rejected(stripe_client: stripe.StripeClient) -> None:
    _, _, sub = _setup(stripe_client)
    try:
        stripe_client.v1.subscriptions.update(
            sub.id, {"items": [{"id": sub["items"].data[0].id, "quantity": 2}], "proration_date": T0 - 10}
        )
    except stripe.InvalidRequestError as exc:
        assert exc.http_status == 400 and exc.param == "proration_date"
    else:
        raise AssertionError("expected a 400")
