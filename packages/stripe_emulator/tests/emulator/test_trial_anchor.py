# mypy: disable-error-code="union-attr, arg-type, index, typeddict-unknown-key, typeddict-item"
"""endive's `subscription_update_trial_after_billing_cycle_anchor`: no anchor reset before a trial's end."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from .billing_setup import DAY, T0, advance, clock_customer, price

CODE = "subscription_update_trial_after_billing_cycle_anchor"


def _trialing(client: stripe.StripeClient) -> tuple[Any, Any]:
    clock, cus, _ = clock_customer(client)
    sub = client.v1.subscriptions.create(
        {"customer": cus.id, "items": [{"price": price(client, 1000).id}], "trial_period_days": 14}
    )
    advance(client, clock.id, T0 + 3 * DAY)
    return clock, sub


def test_anchor_now_during_a_trial_is_refused_and_changes_nothing(stripe_client: stripe.StripeClient) -> None:
    _, sub = _trialing(stripe_client)
    yearly = price(stripe_client, 10000, interval="year", name="Pro yearly")
    params: dict[str, Any] = {
        "items": [{"id": sub["items"].data[0].id, "price": yearly.id}],
        "billing_cycle_anchor": {"type": "now"},
        "metadata": {"plan": "yearly"},
    }
    with pytest.raises(stripe.InvalidRequestError) as err:
        stripe_client.v1.subscriptions.update(sub.id, params)
    assert err.value.code == CODE and err.value.http_status == 400
    assert err.value.param == "billing_cycle_anchor"
    with pytest.raises(stripe.InvalidRequestError) as err:
        stripe_client.v1.invoices.create_preview({"subscription": sub.id, "subscription_details": params})
    assert err.value.code == CODE
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after.status == "trialing" and not after.metadata.to_dict() and after["items"].data[0].price.id != yearly.id
    assert after.trial_end == sub.trial_end


def test_ending_the_trial_with_the_anchor_reset_is_allowed(stripe_client: stripe.StripeClient) -> None:
    _, sub = _trialing(stripe_client)
    details: dict[str, Any] = {"billing_cycle_anchor": {"type": "now"}, "trial_end": "now"}
    preview = stripe_client.v1.invoices.create_preview({"subscription": sub.id, "subscription_details": details})
    updated = stripe_client.v1.subscriptions.update(sub.id, {**details, "expand": ["latest_invoice"]})
    assert updated.status == "active" and updated.trial_end == T0 + 3 * DAY
    assert updated.billing_cycle_anchor == T0 + 3 * DAY
    assert preview.amount_due == updated.latest_invoice.amount_paid == 1000


def test_interval_change_during_a_trial_keeps_the_anchor_and_the_trial(stripe_client: stripe.StripeClient) -> None:
    clock, sub = _trialing(stripe_client)
    yearly = price(stripe_client, 10000, interval="year", name="Pro yearly")
    items = [{"id": sub["items"].data[0].id, "price": yearly.id}]
    preview = stripe_client.v1.invoices.create_preview(
        {"subscription": sub.id, "subscription_details": {"items": items}}
    )
    updated = stripe_client.v1.subscriptions.update(sub.id, {"items": items})
    assert updated.status == "trialing" and updated.trial_end == sub.trial_end
    assert preview.amount_due == 10000 and preview.created == sub.trial_end
    advance(stripe_client, clock.id, sub.trial_end + 2 * 3600)
    renewed = stripe_client.v1.subscriptions.retrieve(sub.id, {"expand": ["latest_invoice"]})
    assert renewed.status == "active" and renewed.latest_invoice.amount_paid == 10000
