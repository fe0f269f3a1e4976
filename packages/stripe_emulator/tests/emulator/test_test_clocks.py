# mypy: disable-error-code="union-attr, arg-type, index, typeddict-unknown-key, typeddict-item"
"""Test clocks: renewals, dunning (past_due -> pay with a new card -> active), final failure, limits."""

from __future__ import annotations

import pytest
import stripe
from stripe_emulator.billing import common, lifecycle
from stripe_emulator.resources import test_clocks
from stripe_emulator.testing import wait_until_ready

from .billing_setup import DAY, T0, advance, clock_customer, event_types, price


def test_create_advance_ready_and_renewals(stripe_client, stripe_emulator) -> None:
    clock, cus, _ = clock_customer(stripe_client)
    sub = stripe_client.v1.subscriptions.create(
        {"customer": cus.id, "items": [{"price": price(stripe_client, 1000).id}]}
    )
    answer = stripe_client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": T0 + 60 * DAY})
    assert answer.status == "advancing" and answer.frozen_time == T0  # Stripe answers before the work is done
    assert answer.status_details.advancing.target_frozen_time == T0 + 60 * DAY
    got = wait_until_ready(stripe_client, clock.id)
    assert got.status == "ready" and got.frozen_time == T0 + 60 * DAY
    invoices = stripe_client.v1.invoices.list({"subscription": sub.id}).data
    assert [i.billing_reason for i in invoices] == ["subscription_cycle", "subscription_cycle", "subscription_create"]
    assert all(i.status == "paid" for i in invoices)
    item = stripe_client.v1.subscriptions.retrieve(sub.id)["items"].data[0]
    assert item.current_period_start == T0 + 59 * DAY  # Jan 1 -> Feb 1 -> Mar 1
    types = event_types(stripe_emulator)
    assert "test_helpers.test_clock.advancing" in types and "test_helpers.test_clock.ready" in types


def test_advance_limit_two_periods(stripe_client) -> None:
    clock, cus, _ = clock_customer(stripe_client)
    stripe_client.v1.subscriptions.create({"customer": cus.id, "items": [{"price": price(stripe_client, 1000).id}]})
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": T0 + 90 * DAY})
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": T0 - 1})


def test_dunning_past_due_then_new_card_active(stripe_client, stripe_emulator) -> None:
    clock, cus, _ = clock_customer(stripe_client)
    sub = stripe_client.v1.subscriptions.create(
        {"customer": cus.id, "items": [{"price": price(stripe_client, 1000).id}]}
    )
    bad = stripe_client.v1.payment_methods.attach("pm_card_chargeCustomerFail", {"customer": cus.id})
    stripe_client.v1.customers.update(cus.id, {"invoice_settings": {"default_payment_method": bad.id}})
    # The renewal is a draft for an hour after the boundary; its first (failing) charge is at T0 + 31 days + 1 h.
    advance(stripe_client, clock.id, T0 + 31 * DAY + 60)
    assert stripe_client.v1.subscriptions.retrieve(sub.id).status == "active"
    advance(stripe_client, clock.id, T0 + 31 * DAY + 3600 + 60)
    sub = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert sub.status == "past_due"
    inv = stripe_client.v1.invoices.retrieve(sub.latest_invoice)
    assert inv.status == "open" and inv.next_payment_attempt == T0 + 34 * DAY + 3600
    assert "invoice.payment_failed" in event_types(stripe_emulator)
    advance(stripe_client, clock.id, T0 + 35 * DAY)
    assert stripe_client.v1.invoices.retrieve(inv.id).attempt_count == 2
    good = stripe_client.v1.payment_methods.attach("pm_card_visa", {"customer": cus.id})
    stripe_client.v1.customers.update(cus.id, {"invoice_settings": {"default_payment_method": good.id}})
    stripe_client.v1.invoices.pay(inv.id)
    assert stripe_client.v1.subscriptions.retrieve(sub.id).status == "active"


@pytest.mark.parametrize("final", ["canceled", "unpaid"])
def test_final_failure_outcome(stripe_client, stripe_emulator, final) -> None:
    common.settings(stripe_emulator.backend)["after_final_failure"] = final
    clock, cus, _ = clock_customer(stripe_client)
    sub = stripe_client.v1.subscriptions.create(
        {"customer": cus.id, "items": [{"price": price(stripe_client, 1000).id}]}
    )
    bad = stripe_client.v1.payment_methods.attach("pm_card_chargeCustomerFail", {"customer": cus.id})
    stripe_client.v1.customers.update(cus.id, {"invoice_settings": {"default_payment_method": bad.id}})
    advance(stripe_client, clock.id, T0 + 31 * DAY + 60)
    advance(stripe_client, clock.id, T0 + 31 * DAY + 8 * DAY)
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after.status == final
    assert stripe_client.v1.invoices.retrieve(after.latest_invoice).attempt_count == 1 + len(common.RETRY_DAYS)
    if final == "canceled":
        assert after.cancellation_details.reason == "payment_failed"


def test_delete_clock_deletes_customers(stripe_client) -> None:
    clock, cus, _ = clock_customer(stripe_client)
    assert stripe_client.v1.test_helpers.test_clocks.delete(clock.id).deleted
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.customers.retrieve(cus.id)


def test_renewal_invoice_is_a_draft_for_an_hour_then_finalized_and_paid(stripe_client, stripe_emulator) -> None:
    clock, cus, _ = clock_customer(stripe_client)
    sub = stripe_client.v1.subscriptions.create(
        {"customer": cus.id, "items": [{"price": price(stripe_client, 1000).id}], "expand": ["latest_invoice"]}
    )
    assert sub.latest_invoice.status == "paid"  # the first invoice is finalized at once
    end = sub["items"].data[0].current_period_end
    advance(stripe_client, clock.id, end + 30 * 60)
    draft = stripe_client.v1.invoices.retrieve(stripe_client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert draft.status == "draft" and draft.auto_advance is True
    assert draft.automatically_finalizes_at == end + 3600 and draft.billing_reason == "subscription_cycle"
    advance(stripe_client, clock.id, end + 3600)
    paid = stripe_client.v1.invoices.retrieve(draft.id)
    assert paid.status == "paid" and paid.automatically_finalizes_at is None
    assert paid.status_transitions.finalized_at == end + 3600 and paid.amount_paid == 1000


def test_canceling_during_the_draft_hour_never_charges_the_renewal(stripe_client) -> None:
    clock, cus, _ = clock_customer(stripe_client)
    sub = stripe_client.v1.subscriptions.create(
        {"customer": cus.id, "items": [{"price": price(stripe_client, 1000).id}]}
    )
    end = sub["items"].data[0].current_period_end
    advance(stripe_client, clock.id, end + 60)
    draft_id = stripe_client.v1.subscriptions.retrieve(sub.id).latest_invoice
    stripe_client.v1.subscriptions.cancel(sub.id)
    advance(stripe_client, clock.id, end + 3 * 3600)
    draft = stripe_client.v1.invoices.retrieve(draft_id)
    assert draft.status == "draft" and draft.auto_advance is False and draft.amount_paid == 0


def test_advance_runs_in_the_background_and_ends_with_a_ready_event(stripe_client, stripe_emulator) -> None:
    """The advance answers at once; the renewal happens in a background worker (held here, so the advancing
    state is observed deterministically), which then emits `test_helpers.test_clock.ready`."""
    clock, cus, _ = clock_customer(stripe_client)
    sub = stripe_client.v1.subscriptions.create(
        {"customer": cus.id, "items": [{"price": price(stripe_client, 700).id}]}
    )
    test_clocks.hold_advances(stripe_emulator.backend)
    answer = stripe_client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": T0 + 32 * DAY})
    assert answer.status == "advancing"
    held = stripe_client.v1.test_helpers.test_clocks.retrieve(clock.id)
    assert held.status == "advancing" and held.frozen_time == T0
    assert len(stripe_client.v1.invoices.list({"subscription": sub.id}).data) == 1  # nothing renewed yet
    test_clocks.hold_advances(stripe_emulator.backend, held=False)
    ready = wait_until_ready(stripe_client, clock.id)
    assert ready.frozen_time == T0 + 32 * DAY and not ready.status_details.to_dict().get("advancing")
    assert len(stripe_client.v1.invoices.list({"subscription": sub.id}).data) == 2
    types = event_types(stripe_emulator)
    assert (
        types.index("test_helpers.test_clock.advancing")
        < types.index("invoice.created", types.index("test_helpers.test_clock.advancing"))
        < types.index("test_helpers.test_clock.ready")
    )
    evt = stripe_client.v1.events.list({"type": "test_helpers.test_clock.ready"}).data[0]
    assert evt.data.object["id"] == clock.id and evt.data.object["status"] == "ready"


def test_writes_to_objects_on_an_advancing_clock_and_a_second_advance_are_refused(
    stripe_client, stripe_emulator
) -> None:
    clock, cus, _ = clock_customer(stripe_client)
    sub = stripe_client.v1.subscriptions.create(
        {"customer": cus.id, "items": [{"price": price(stripe_client, 700).id}]}
    )
    other = stripe_client.v1.customers.create({"email": "free@example.com"})
    test_clocks.hold_advances(stripe_emulator.backend)
    stripe_client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": T0 + 2 * DAY})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": T0 + 3 * DAY})
    assert "is advancing" in exc.value.user_message
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.customers.update(cus.id, {"name": "Changed"})
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.subscriptions.update(sub.id, {"metadata": {"k": "v"}})
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.invoice_items.create({"customer": cus.id, "amount": 100, "currency": "usd"})
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.customers.create({"email": "late@example.com", "test_clock": clock.id})
    assert stripe_client.v1.customers.retrieve(cus.id).name == "Jenny"  # reads are fine
    assert stripe_client.v1.customers.update(other.id, {"name": "Unrelated"}).name == "Unrelated"
    test_clocks.hold_advances(stripe_emulator.backend, held=False)
    wait_until_ready(stripe_client, clock.id)
    assert stripe_client.v1.customers.update(cus.id, {"name": "Changed"}).name == "Changed"


def test_a_clock_without_subscriptions_advances_at_most_two_years(stripe_client) -> None:
    clock = stripe_client.v1.test_helpers.test_clocks.create({"frozen_time": T0})
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": T0 + 731 * DAY})
    advance(stripe_client, clock.id, T0 + 700 * DAY)


def test_one_clock_with_many_customers_renews_each_in_time_order(stripe_client, stripe_emulator) -> None:
    """Customers on one clock with different start days: each one's renewal is a draft at its boundary and paid an
    hour later, and the clock's events are in time order (advance derives again only the processed customer's)."""
    clock = stripe_client.v1.test_helpers.test_clocks.create({"frozen_time": T0, "name": "many"})
    monthly = price(stripe_client, 1000)
    subs = []
    for day in range(6):
        if day:
            advance(stripe_client, clock.id, T0 + day * DAY)
        cus = stripe_client.v1.customers.create({"email": f"c{day}@example.com", "test_clock": clock.id})
        pm = stripe_client.v1.payment_methods.attach("pm_card_visa", {"customer": cus.id})
        stripe_client.v1.customers.update(cus.id, {"invoice_settings": {"default_payment_method": pm.id}})
        subs.append(stripe_client.v1.subscriptions.create({"customer": cus.id, "items": [{"price": monthly.id}]}))
    advance(stripe_client, clock.id, T0 + 40 * DAY)
    for day, sub in enumerate(subs):
        invoices = stripe_client.v1.invoices.list({"subscription": sub.id}).data
        assert [i.billing_reason for i in invoices] == ["subscription_cycle", "subscription_create"]
        assert invoices[0].status == "paid" and invoices[0].created == T0 + (31 + day) * DAY
        item = stripe_client.v1.subscriptions.retrieve(sub.id)["items"].data[0]
        assert item.current_period_start == T0 + (31 + day) * DAY
    b = stripe_emulator.backend
    customers = {sub.customer for sub in subs}
    on_clock = [b.objects[e] for e in b.events if b.objects[e]["data"]["object"].get("customer") in customers]
    created = [event["created"] for event in on_clock]
    assert len(on_clock) > 6 * 8 and created == sorted(created)


def test_an_advance_that_never_converges_stops_for_the_customer_that_loops(stripe_emulator, monkeypatch) -> None:
    """The loop guard counts per customer: a customer whose event never goes away stops the advance with that
    customer's id, however many other customers the clock has."""
    b = stripe_emulator.backend
    clock = {"id": "clock_loop", "frozen_time": T0}
    monkeypatch.setattr(b, "all", lambda kind, where=None, **kw: [{"id": "cus_loop"}] if kind == "customer" else [])
    monkeypatch.setattr(lifecycle, "customer_events", lambda _b, customer: [(T0 + 1, "retry", "in_loop")])
    monkeypatch.setattr(lifecycle, "process", lambda *_args: None)
    monkeypatch.setattr(lifecycle, "MAX_EVENTS_PER_CUSTOMER", 50)
    with pytest.raises(RuntimeError, match="cus_loop"):
        lifecycle.advance(b, clock, T0 + DAY)
