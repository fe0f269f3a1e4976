# mypy: disable-error-code="union-attr,index,arg-type,typeddict-item"
# (stripe-python types every field as Optional and expandable; these tests read them from known responses)
"""`invoices.create_preview` around a pause: a paused subscription has no upcoming invoice, and the
previews of pausing (`subscription_details.pause`) and resuming (`subscription_details.resume_at=now`) equal, line
for line, what the pause and the resume then invoice."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from .billing_setup import DAY, T0, advance, clock_customer, price


def _sub(client: stripe.StripeClient) -> tuple[Any, Any, Any]:
    clock, cus, _ = clock_customer(client)
    sub = client.v1.subscriptions.create({"customer": cus.id, "items": [{"price": price(client, 1000).id}]})
    return clock, cus, sub


def _lines(inv: Any) -> list[tuple[str, int]]:
    return sorted((li.description, li.amount) for li in inv.lines.data)


def _no_upcoming(client: stripe.StripeClient, params: dict[str, Any]) -> None:
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.invoices.create_preview(params)
    assert err.value.http_status == 404 and err.value.code == "invoice_upcoming_none"


def test_a_paused_subscription_has_no_upcoming_invoice(stripe_client: stripe.StripeClient) -> None:
    clock, _, sub = _sub(stripe_client)
    stripe_client.v1.subscriptions.pause(sub.id)
    _no_upcoming(stripe_client, {"subscription": sub.id})
    advance(stripe_client, clock.id, T0 + 40 * DAY)
    _no_upcoming(stripe_client, {"subscription": sub.id})


def test_the_resume_preview_equals_the_resumption_invoice(stripe_client: stripe.StripeClient) -> None:
    clock, _, sub = _sub(stripe_client)
    advance(stripe_client, clock.id, T0 + 10 * DAY)
    stripe_client.v1.subscriptions.pause(sub.id)
    advance(stripe_client, clock.id, T0 + 40 * DAY)
    preview = stripe_client.v1.invoices.create_preview(
        {"subscription": sub.id, "subscription_details": {"resume_at": "now", "billing_cycle_anchor": {"type": "now"}}}
    )
    assert stripe_client.v1.subscriptions.retrieve(sub.id).status == "paused"  # a preview changes nothing
    resumed = stripe_client.v1.subscriptions.resume(sub.id, {"payment_behavior": "resume_on_payment_success"})
    inv = stripe_client.v1.invoices.retrieve(resumed.latest_invoice)
    assert _lines(preview) == _lines(inv) and 0 < preview.amount_due == inv.amount_paid < 1000


def test_the_pause_preview_equals_the_credit_invoice_and_pending_items_have_none(
    stripe_client: stripe.StripeClient,
) -> None:
    clock, _, sub = _sub(stripe_client)
    advance(stripe_client, clock.id, T0 + 10 * DAY)
    _no_upcoming(stripe_client, {"subscription": sub.id, "subscription_details": {"pause": {"type": "subscription"}}})
    preview = stripe_client.v1.invoices.create_preview(
        {"subscription": sub.id, "subscription_details": {"pause": {"invoicing_behavior": "invoice"}}}
    )
    assert stripe_client.v1.subscriptions.retrieve(sub.id).status == "active"
    paused = stripe_client.v1.subscriptions.pause(sub.id, {"invoicing_behavior": "invoice"})
    inv = stripe_client.v1.invoices.retrieve(paused.latest_invoice)
    assert _lines(preview) == _lines(inv) and preview.total == inv.total < 0
