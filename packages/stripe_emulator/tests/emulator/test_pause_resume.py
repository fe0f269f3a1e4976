# mypy: disable-error-code="union-attr,index,arg-type,typeddict-item,operator"
# (stripe-python types every field as Optional and expandable; these tests read them from known responses)
"""Pause and resume (API 2026-10-28.endive) through the SDK and a test clock: refusals, credit for unused time,
no invoices while paused, the resumption invoice under each payment behaviour, trial end without a card."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
import stripe

from .billing_setup import DAY, T0, advance, clock_customer, event_types, price

FEB1 = T0 + 31 * DAY  # the first period of a monthly subscription created on 1 Jan 2026 ends on 1 Feb


def _share(amount: int, remaining: int, length: int) -> int:
    return int((Decimal(amount) * remaining / length).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _sub(client: stripe.StripeClient, card: str = "pm_card_visa", **extra: Any) -> tuple[Any, Any, Any]:
    clock, cus, _ = clock_customer(client, card)
    sub = client.v1.subscriptions.create({"customer": cus.id, "items": [{"price": price(client, 1000).id}], **extra})
    return clock, cus, sub


def _pending(client: stripe.StripeClient, cus: Any) -> list[Any]:
    return list(client.v1.invoice_items.list({"customer": cus.id, "pending": True}).data)


def _invoices(client: stripe.StripeClient, sub: Any) -> list[Any]:
    return list(client.v1.invoices.list({"subscription": sub.id}).data)


def _use_card(client: stripe.StripeClient, cus: Any, card: str) -> None:
    pm = client.v1.payment_methods.attach(card, {"customer": cus.id})
    client.v1.customers.update(cus.id, {"invoice_settings": {"default_payment_method": pm.id}})


# --- pause --------------------------------------------------------------------------------------------------


def test_pause_sets_paused_status_details_and_emits_paused_and_updated(
    stripe_client: stripe.StripeClient, stripe_emulator: Any
) -> None:
    clock, _, sub = _sub(stripe_client)
    advance(stripe_client, clock.id, T0 + 10 * DAY)
    paused = stripe_client.v1.subscriptions.pause(sub.id, {"type": "subscription"})
    assert paused.status == "paused"
    details = paused.status_details.paused
    assert details.type == "subscription" and details.subscription.type == "pause_requested"
    assert details.transitioned_at == T0 + 10 * DAY
    types = event_types(stripe_emulator)
    assert types[-2:] == ["customer.subscription.paused", "customer.subscription.updated"]
    evt = stripe_client.v1.events.list({"type": "customer.subscription.updated", "limit": 1}).data[0]
    assert evt.data.previous_attributes["status"] == "active"


def _refusal(client: stripe.StripeClient, sub_id: str, params: dict[str, Any] | None = None) -> Any:
    with pytest.raises(stripe.InvalidRequestError) as err:
        client.v1.subscriptions.pause(sub_id, params or {})
    assert err.value.http_status == 400
    return err.value


def test_pause_is_refused_in_classic_billing_mode_until_migrated(
    stripe_client: stripe.StripeClient, stripe_emulator: Any
) -> None:
    _, _, sub = _sub(stripe_client, billing_mode={"type": "classic"})
    err = _refusal(stripe_client, sub.id)
    assert err.code == "subscription_pause_not_allowed" and "flexible" in str(err.user_message)
    assert stripe_client.v1.subscriptions.retrieve(sub.id).status == "active"
    assert "customer.subscription.paused" not in event_types(stripe_emulator)
    stripe_client.v1.subscriptions.migrate(sub.id, {"billing_mode": {"type": "flexible"}})
    assert stripe_client.v1.subscriptions.pause(sub.id).status == "paused"


def test_pause_is_refused_with_a_schedule_attached(stripe_client: stripe.StripeClient) -> None:
    _, _, sub = _sub(stripe_client)
    stripe_client.v1.subscription_schedules.create({"from_subscription": sub.id})
    assert "schedule" in str(_refusal(stripe_client, sub.id).user_message)
    assert stripe_client.v1.subscriptions.retrieve(sub.id).status == "active"


def test_pause_is_refused_while_collection_is_paused(stripe_client: stripe.StripeClient) -> None:
    _, _, sub = _sub(stripe_client)
    stripe_client.v1.subscriptions.update(sub.id, {"pause_collection": {"behavior": "void"}})
    assert "pause_collection" in str(_refusal(stripe_client, sub.id).user_message)


def test_pause_is_refused_for_statuses_that_cannot_pause(stripe_client: stripe.StripeClient) -> None:
    _, _, sub = _sub(stripe_client)
    stripe_client.v1.subscriptions.pause(sub.id)
    assert "paused" in str(_refusal(stripe_client, sub.id).user_message)  # already paused
    _, _, other = _sub(stripe_client)
    stripe_client.v1.subscriptions.cancel(other.id)
    assert "canceled" in str(_refusal(stripe_client, other.id).user_message)
    _, cus, _ = _sub(stripe_client)
    incomplete = stripe_client.v1.subscriptions.create(
        {
            "customer": cus.id,
            "items": [{"price": price(stripe_client, 500).id}],
            "payment_behavior": "default_incomplete",
        }
    )
    assert "incomplete" in str(_refusal(stripe_client, incomplete.id).user_message)


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"type": "forever"}, "type"),
        ({"invoicing_behavior": "later"}, "invoicing_behavior"),
        ({"bill_for": {"unused_time_from": {"type": "tomorrow"}}}, "bill_for[unused_time_from][type]"),
        ({"bill_for": {"outstanding_usage_through": {"type": "later"}}}, "bill_for[outstanding_usage_through][type]"),
    ],
)
def test_pause_rejects_values_outside_its_enums(
    stripe_client: stripe.StripeClient, params: dict[str, Any], param: str
) -> None:
    _, _, sub = _sub(stripe_client)
    assert _refusal(stripe_client, sub.id, params).param == param
    assert stripe_client.v1.subscriptions.retrieve(sub.id).status == "active"


def test_pause_credits_unused_time_as_a_pending_item_by_default(stripe_client: stripe.StripeClient) -> None:
    clock, cus, sub = _sub(stripe_client)
    advance(stripe_client, clock.id, T0 + 10 * DAY)
    stripe_client.v1.subscriptions.pause(sub.id)
    (credit,) = _pending(stripe_client, cus)
    assert credit.amount == -_share(1000, FEB1 - (T0 + 10 * DAY), FEB1 - T0)
    assert credit.period.start == T0 + 10 * DAY and credit.period.end == FEB1
    assert credit.parent.subscription_details.subscription == sub.id
    assert len(_invoices(stripe_client, sub)) == 1  # nothing invoiced yet


def test_pause_with_invoicing_behavior_invoice_credits_the_customer_balance(
    stripe_client: stripe.StripeClient,
) -> None:
    clock, cus, sub = _sub(stripe_client)
    advance(stripe_client, clock.id, T0 + 10 * DAY)
    stripe_client.v1.subscriptions.pause(sub.id, {"invoicing_behavior": "invoice"})
    credit = _share(1000, FEB1 - (T0 + 10 * DAY), FEB1 - T0)
    inv = _invoices(stripe_client, sub)[0]
    assert inv.total == -credit and inv.status == "paid" and inv.amount_due == 0
    assert stripe_client.v1.customers.retrieve(cus.id).balance == -credit
    assert _pending(stripe_client, cus) == []


def test_pause_from_item_current_period_start_credits_the_whole_period(stripe_client: stripe.StripeClient) -> None:
    clock, cus, sub = _sub(stripe_client)
    advance(stripe_client, clock.id, T0 + 10 * DAY)
    stripe_client.v1.subscriptions.pause(
        sub.id, {"bill_for": {"unused_time_from": {"type": "item_current_period_start"}}}
    )
    assert [ii.amount for ii in _pending(stripe_client, cus)] == [-1000]


def test_pause_with_unused_time_from_none_credits_nothing(stripe_client: stripe.StripeClient) -> None:
    clock, cus, sub = _sub(stripe_client)
    advance(stripe_client, clock.id, T0 + 10 * DAY)
    stripe_client.v1.subscriptions.pause(sub.id, {"bill_for": {"unused_time_from": {"type": "none"}}})
    assert _pending(stripe_client, cus) == []


def test_a_paused_subscription_neither_invoices_nor_advances_its_period(
    stripe_client: stripe.StripeClient, stripe_emulator: Any
) -> None:
    clock, _, sub = _sub(stripe_client)
    stripe_client.v1.subscriptions.pause(sub.id)
    created_before = event_types(stripe_emulator).count("invoice.created")
    advance(stripe_client, clock.id, FEB1 + 20 * DAY)
    advance(stripe_client, clock.id, FEB1 + 75 * DAY)
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after.status == "paused"
    assert after["items"].data[0].current_period_end == FEB1
    assert len(_invoices(stripe_client, sub)) == 1
    assert event_types(stripe_emulator).count("invoice.created") == created_before


# --- resume -------------------------------------------------------------------------------------------------


def test_resume_now_bills_a_new_period_less_the_pause_credit_and_activates(
    stripe_client: stripe.StripeClient, stripe_emulator: Any
) -> None:
    clock, _, sub = _sub(stripe_client)
    advance(stripe_client, clock.id, T0 + 10 * DAY)
    stripe_client.v1.subscriptions.pause(sub.id)
    resume_at = T0 + 50 * DAY
    advance(stripe_client, clock.id, resume_at)
    resumed = stripe_client.v1.subscriptions.resume(
        sub.id, {"billing_cycle_anchor": {"type": "now"}, "payment_behavior": "resume_on_payment_success"}
    )
    assert resumed.status == "active" and resumed.status_details is None
    assert resumed.billing_cycle_anchor == resume_at
    assert resumed["items"].data[0].current_period_start == resume_at
    inv = stripe_client.v1.invoices.retrieve(resumed.latest_invoice)
    credit = _share(1000, FEB1 - (T0 + 10 * DAY), FEB1 - T0)
    assert sorted(li.amount for li in inv.lines.data) == [-credit, 1000]
    assert inv.status == "paid" and inv.amount_paid == 1000 - credit
    assert "customer.subscription.resumed" in event_types(stripe_emulator)


def test_resume_on_payment_attempt_waits_for_an_attempt_and_a_failed_one_is_past_due(
    stripe_client: stripe.StripeClient, stripe_emulator: Any
) -> None:
    clock, cus, sub = _sub(stripe_client)
    stripe_client.v1.subscriptions.pause(sub.id, {"bill_for": {"unused_time_from": {"type": "none"}}})
    advance(stripe_client, clock.id, T0 + 40 * DAY)
    _use_card(stripe_client, cus, "pm_card_chargeCustomerFail")
    resuming = stripe_client.v1.subscriptions.resume(sub.id)
    assert resuming.status == "paused"  # no payment attempt in the request
    inv = stripe_client.v1.invoices.retrieve(resuming.latest_invoice)
    assert inv.status == "open" and inv.attempt_count == 0 and inv.amount_due == 1000
    assert resuming.billing_cycle_anchor == T0  # the new period applies only when the subscription resumes
    with pytest.raises(stripe.CardError):
        stripe_client.v1.invoices.pay(inv.id)
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after.status == "past_due" and after.billing_cycle_anchor == T0 + 40 * DAY
    assert stripe_client.v1.invoices.retrieve(inv.id).next_payment_attempt is None  # Stripe doesn't retry
    assert "customer.subscription.resumed" in event_types(stripe_emulator)


def test_resume_on_payment_success_stays_paused_until_a_retry_pays(
    stripe_client: stripe.StripeClient, stripe_emulator: Any
) -> None:
    clock, cus, sub = _sub(stripe_client)
    stripe_client.v1.subscriptions.pause(sub.id, {"bill_for": {"unused_time_from": {"type": "none"}}})
    advance(stripe_client, clock.id, T0 + 40 * DAY)
    _use_card(stripe_client, cus, "pm_card_chargeCustomerFail")
    resuming = stripe_client.v1.subscriptions.resume(sub.id, {"payment_behavior": "resume_on_payment_success"})
    assert resuming.status == "paused"
    inv = stripe_client.v1.invoices.retrieve(resuming.latest_invoice)
    assert inv.status == "open" and inv.attempt_count == 1 and inv.next_payment_attempt == T0 + 43 * DAY
    assert "customer.subscription.resumed" not in event_types(stripe_emulator)
    _use_card(stripe_client, cus, "pm_card_visa")
    advance(stripe_client, clock.id, T0 + 44 * DAY)
    assert stripe_client.v1.invoices.retrieve(inv.id).status == "paid"
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after.status == "active" and after.billing_cycle_anchor == T0 + 40 * DAY
    assert "customer.subscription.resumed" in event_types(stripe_emulator)


def test_resume_on_payment_success_with_a_good_card_is_active_at_once(stripe_client: stripe.StripeClient) -> None:
    clock, _, sub = _sub(stripe_client)
    stripe_client.v1.subscriptions.pause(sub.id, {"bill_for": {"unused_time_from": {"type": "none"}}})
    advance(stripe_client, clock.id, T0 + 40 * DAY)
    resumed = stripe_client.v1.subscriptions.resume(sub.id, {"payment_behavior": "resume_on_payment_success"})
    assert resumed.status == "active"
    assert stripe_client.v1.invoices.retrieve(resumed.latest_invoice).amount_paid == 1000


def test_an_unattempted_resumption_invoice_is_voided_after_23_hours_and_the_credit_kept(
    stripe_client: stripe.StripeClient,
) -> None:
    clock, cus, sub = _sub(stripe_client)
    advance(stripe_client, clock.id, T0 + 10 * DAY)
    stripe_client.v1.subscriptions.pause(sub.id)
    (credit,) = _pending(stripe_client, cus)
    advance(stripe_client, clock.id, T0 + 40 * DAY)
    _use_card(stripe_client, cus, "pm_card_chargeCustomerFail")
    inv_id = stripe_client.v1.subscriptions.resume(sub.id).latest_invoice
    assert _pending(stripe_client, cus) == []  # the credit is on the resumption invoice
    advance(stripe_client, clock.id, T0 + 40 * DAY + 22 * 3600)
    assert stripe_client.v1.invoices.retrieve(inv_id).status == "open"
    advance(stripe_client, clock.id, T0 + 41 * DAY)
    assert stripe_client.v1.invoices.retrieve(inv_id).status == "void"
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after.status == "paused" and after["items"].data[0].current_period_end == FEB1
    assert [ii.id for ii in _pending(stripe_client, cus)] == [credit.id]  # pending again, not lost
    _use_card(stripe_client, cus, "pm_card_visa")
    again = stripe_client.v1.subscriptions.resume(sub.id, {"payment_behavior": "resume_on_payment_success"})
    assert again.status == "active"  # a new resumption can start


def test_a_voided_resumption_invoice_keeps_the_subscription_paused(stripe_client: stripe.StripeClient) -> None:
    clock, cus, sub = _sub(stripe_client)
    stripe_client.v1.subscriptions.pause(sub.id, {"bill_for": {"unused_time_from": {"type": "none"}}})
    advance(stripe_client, clock.id, T0 + 40 * DAY)
    inv_id = stripe_client.v1.subscriptions.resume(sub.id).latest_invoice
    with pytest.raises(stripe.InvalidRequestError) as err:
        stripe_client.v1.subscriptions.resume(sub.id)  # already resuming
    assert inv_id in str(err.value.user_message)
    stripe_client.v1.invoices.void_invoice(inv_id)
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after.status == "paused" and after.billing_cycle_anchor == T0


def test_a_resumption_invoice_marked_uncollectible_resumes_the_subscription(
    stripe_client: stripe.StripeClient,
) -> None:
    clock, _, sub = _sub(stripe_client)
    stripe_client.v1.subscriptions.pause(sub.id, {"bill_for": {"unused_time_from": {"type": "none"}}})
    advance(stripe_client, clock.id, T0 + 40 * DAY)
    inv_id = stripe_client.v1.subscriptions.resume(sub.id).latest_invoice
    stripe_client.v1.invoices.mark_uncollectible(inv_id)
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after.status == "active" and after.billing_cycle_anchor == T0 + 40 * DAY


def test_resume_unchanged_in_the_same_period_charges_the_remaining_time_later(
    stripe_client: stripe.StripeClient,
) -> None:
    clock, cus, sub = _sub(stripe_client)
    advance(stripe_client, clock.id, T0 + 10 * DAY)
    stripe_client.v1.subscriptions.pause(sub.id)
    advance(stripe_client, clock.id, T0 + 20 * DAY)
    resumed = stripe_client.v1.subscriptions.resume(
        sub.id, {"billing_cycle_anchor": {"type": "unchanged"}, "proration_behavior": "create_prorations"}
    )
    assert resumed.status == "active" and resumed.billing_cycle_anchor == T0
    assert len(_invoices(stripe_client, sub)) == 1  # no resumption invoice: prorations wait for the renewal
    amounts = sorted(ii.amount for ii in _pending(stripe_client, cus))
    assert amounts == [
        -_share(1000, FEB1 - (T0 + 10 * DAY), FEB1 - T0),
        _share(1000, FEB1 - (T0 + 20 * DAY), FEB1 - T0),
    ]


def test_resume_unchanged_after_months_invoices_the_rest_of_the_current_period(
    stripe_client: stripe.StripeClient,
) -> None:
    clock, _, sub = _sub(stripe_client)
    stripe_client.v1.subscriptions.pause(sub.id, {"bill_for": {"unused_time_from": {"type": "none"}}})
    mar1, apr1 = FEB1 + 28 * DAY, FEB1 + 59 * DAY
    at = mar1 + 10 * DAY
    advance(stripe_client, clock.id, FEB1 + 10 * DAY)
    advance(stripe_client, clock.id, at)
    resumed = stripe_client.v1.subscriptions.resume(
        sub.id,
        {
            "billing_cycle_anchor": {"type": "unchanged"},
            "proration_behavior": "always_invoice",
            "payment_behavior": "resume_on_payment_success",
        },
    )
    assert resumed.status == "active" and resumed.billing_cycle_anchor == T0
    assert resumed["items"].data[0].current_period_start == mar1
    assert resumed["items"].data[0].current_period_end == apr1
    inv = stripe_client.v1.invoices.retrieve(resumed.latest_invoice)
    assert [li.amount for li in inv.lines.data] == [_share(1000, apr1 - at, apr1 - mar1)] and inv.status == "paid"


def test_resume_unchanged_never_charges_time_already_paid(stripe_client: stripe.StripeClient) -> None:
    clock, cus, sub = _sub(stripe_client)
    advance(stripe_client, clock.id, T0 + 10 * DAY)
    stripe_client.v1.subscriptions.pause(sub.id, {"bill_for": {"unused_time_from": {"type": "none"}}})
    advance(stripe_client, clock.id, T0 + 20 * DAY)
    resumed = stripe_client.v1.subscriptions.resume(
        sub.id, {"billing_cycle_anchor": {"type": "unchanged"}, "proration_behavior": "always_invoice"}
    )
    assert resumed.status == "active" and len(_invoices(stripe_client, sub)) == 1
    assert _pending(stripe_client, cus) == []


def test_resume_refusals_leave_the_subscription_as_it_was(stripe_client: stripe.StripeClient) -> None:
    clock, _, sub = _sub(stripe_client)
    with pytest.raises(stripe.InvalidRequestError) as err:
        stripe_client.v1.subscriptions.resume(sub.id)
    assert err.value.code == "subscription_not_paused"
    stripe_client.v1.subscriptions.pause(sub.id)
    advance(stripe_client, clock.id, T0 + 40 * DAY)
    with pytest.raises(stripe.InvalidRequestError) as err:
        stripe_client.v1.subscriptions.resume(
            sub.id, {"billing_cycle_anchor": {"type": "unchanged"}, "proration_date": T0 + 5 * DAY}
        )
    assert err.value.param == "proration_date"
    with pytest.raises(stripe.InvalidRequestError) as err:
        stripe_client.v1.subscriptions.resume(sub.id, {"payment_behavior": "allow_incomplete"})
    assert err.value.param == "payment_behavior"
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after.status == "paused" and len(_invoices(stripe_client, sub)) == 1


# --- trial end without a payment method -----------------------------------------------------------------------


def _trial_without_card(client: stripe.StripeClient, missing: str) -> tuple[Any, Any, Any]:
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": T0, "name": "trial"})
    cus = client.v1.customers.create({"email": "t@example.com", "test_clock": clock.id})
    sub = client.v1.subscriptions.create(
        {
            "customer": cus.id,
            "items": [{"price": price(client, 1000).id}],
            "trial_period_days": 7,
            "trial_settings": {"end_behavior": {"missing_payment_method": missing}},
        }
    )
    return clock, cus, sub


def test_trial_end_without_a_payment_method_pauses_when_asked(
    stripe_client: stripe.StripeClient, stripe_emulator: Any
) -> None:
    clock, cus, sub = _trial_without_card(stripe_client, "pause")
    assert sub.trial_settings.end_behavior.missing_payment_method == "pause"
    advance(stripe_client, clock.id, T0 + 8 * DAY)
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after.status == "paused"
    assert after.status_details.paused.subscription.type == "trial_end_without_payment_method"
    assert after.status_details.paused.transitioned_at == T0 + 7 * DAY
    assert "customer.subscription.paused" in event_types(stripe_emulator)
    advance(stripe_client, clock.id, T0 + 30 * DAY)
    advance(stripe_client, clock.id, T0 + 60 * DAY)
    assert len(_invoices(stripe_client, sub)) == 1  # the trial's $0 invoice only
    _use_card(stripe_client, cus, "pm_card_visa")
    resumed = stripe_client.v1.subscriptions.resume(sub.id, {"payment_behavior": "resume_on_payment_success"})
    assert resumed.status == "active" and resumed.billing_cycle_anchor == T0 + 60 * DAY
    assert stripe_client.v1.invoices.retrieve(resumed.latest_invoice).amount_paid == 1000


def test_trial_end_without_a_payment_method_cancels_when_asked(stripe_client: stripe.StripeClient) -> None:
    clock, _, sub = _trial_without_card(stripe_client, "cancel")
    advance(stripe_client, clock.id, T0 + 8 * DAY)
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after.status == "canceled" and after.ended_at == T0 + 7 * DAY
    assert len(_invoices(stripe_client, sub)) == 1


def test_trial_end_with_a_payment_method_bills_even_when_pause_is_configured(
    stripe_client: stripe.StripeClient,
) -> None:
    clock, cus, sub = _trial_without_card(stripe_client, "pause")
    _use_card(stripe_client, cus, "pm_card_visa")
    advance(stripe_client, clock.id, T0 + 8 * DAY)
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after.status == "active"
    assert stripe_client.v1.invoices.retrieve(after.latest_invoice).amount_paid == 1000


def test_resume_on_payment_success_voids_the_invoice_when_retries_run_out(
    stripe_client: stripe.StripeClient, stripe_emulator: Any
) -> None:
    clock, cus, sub = _sub(stripe_client)
    stripe_client.v1.subscriptions.pause(sub.id, {"bill_for": {"unused_time_from": {"type": "none"}}})
    advance(stripe_client, clock.id, T0 + 40 * DAY)
    _use_card(stripe_client, cus, "pm_card_chargeCustomerFail")
    inv_id = stripe_client.v1.subscriptions.resume(
        sub.id, {"payment_behavior": "resume_on_payment_success"}
    ).latest_invoice
    advance(stripe_client, clock.id, T0 + 46 * DAY)
    inv = stripe_client.v1.invoices.retrieve(inv_id)
    assert inv.status == "open" and inv.attempt_count == 3 and inv.next_payment_attempt == T0 + 47 * DAY
    advance(stripe_client, clock.id, T0 + 48 * DAY)
    assert stripe_client.v1.invoices.retrieve(inv_id).status == "void"
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after.status == "paused" and after.billing_cycle_anchor == T0
    assert "customer.subscription.resumed" not in event_types(stripe_emulator)


def test_resume_on_payment_success_with_a_3ds_card_stays_paused(stripe_client: stripe.StripeClient) -> None:
    clock, cus, sub = _sub(stripe_client)
    stripe_client.v1.subscriptions.pause(sub.id, {"bill_for": {"unused_time_from": {"type": "none"}}})
    advance(stripe_client, clock.id, T0 + 40 * DAY)
    _use_card(stripe_client, cus, "pm_card_authenticationRequired")
    resuming = stripe_client.v1.subscriptions.resume(sub.id, {"payment_behavior": "resume_on_payment_success"})
    assert resuming.status == "paused"
    inv = stripe_client.v1.invoices.retrieve(resuming.latest_invoice, {"expand": ["payments"]})
    assert inv.status == "open"
    pi = stripe_client.v1.payment_intents.retrieve(inv.payments.data[0].payment.payment_intent)
    assert pi.status == "requires_action"


def test_a_past_due_subscription_paused_is_not_canceled_when_its_old_invoice_runs_out_of_retries(
    stripe_client: stripe.StripeClient,
) -> None:
    clock, cus, sub = _sub(stripe_client)
    _use_card(stripe_client, cus, "pm_card_chargeCustomerFail")
    advance(stripe_client, clock.id, FEB1 + 2 * 3600)
    assert stripe_client.v1.subscriptions.retrieve(sub.id).status == "past_due"
    stripe_client.v1.subscriptions.pause(sub.id)
    advance(stripe_client, clock.id, FEB1 + 10 * DAY)
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after.status == "paused"
    renewal = [i for i in _invoices(stripe_client, sub) if i.billing_reason == "subscription_cycle"][0]
    assert renewal.status == "open" and renewal.attempt_count == 4 and renewal.next_payment_attempt is None


def test_a_paused_subscription_refuses_item_anchor_and_trial_changes(stripe_client: stripe.StripeClient) -> None:
    _, _, sub = _sub(stripe_client)
    stripe_client.v1.subscriptions.pause(sub.id)
    other = price(stripe_client, 2000)
    item = sub["items"].data[0]
    for params, param in (
        ({"items": [{"id": item.id, "price": other.id}]}, "items"),
        ({"billing_cycle_anchor": {"type": "now"}}, "billing_cycle_anchor"),
        ({"trial_end": T0 + 20 * DAY}, "trial_end"),
    ):
        with pytest.raises(stripe.InvalidRequestError) as err:
            stripe_client.v1.subscriptions.update(sub.id, params)
        assert err.value.param == param and "paused" in str(err.value.user_message)
    after = stripe_client.v1.subscriptions.update(sub.id, {"metadata": {"note": "kept"}})
    assert after.status == "paused" and after["items"].data[0].price.id == item.price.id
    assert after.metadata["note"] == "kept"


def test_a_paused_subscription_is_still_canceled_at_its_cancel_at(stripe_client: stripe.StripeClient) -> None:
    clock, _, sub = _sub(stripe_client)
    stripe_client.v1.subscriptions.pause(sub.id)
    stripe_client.v1.subscriptions.update(sub.id, {"cancel_at": T0 + 45 * DAY})
    advance(stripe_client, clock.id, T0 + 44 * DAY)
    assert stripe_client.v1.subscriptions.retrieve(sub.id).status == "paused"
    advance(stripe_client, clock.id, T0 + 46 * DAY)
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after.status == "canceled" and after.ended_at == T0 + 45 * DAY
    assert len(_invoices(stripe_client, sub)) == 1


def test_status_details_reach_only_endpoints_at_endive_or_later(
    stripe_client: stripe.StripeClient, stripe_emulator: Any
) -> None:
    from stripe_emulator.api_versions import event_for_version

    _, _, sub = _sub(stripe_client)
    stripe_client.v1.subscriptions.pause(sub.id)
    b = stripe_emulator.backend
    evt = next(
        b.render(b.objects[e]) for e in reversed(b.events) if b.objects[e]["type"] == "customer.subscription.paused"
    )
    for version, has in (("2026-08-26.dahlia", False), ("2026-09-30.endive", True), (None, True)):
        shown = event_for_version(evt, version, b.objects.get)["data"]["object"]
        assert shown["status"] == "paused" and ("status_details" in shown) is has, version


def test_resuming_without_an_invoice_reports_the_period_change_in_the_updated_event(
    stripe_client: stripe.StripeClient,
) -> None:
    clock, _, sub = _sub(stripe_client)
    stripe_client.v1.subscriptions.pause(sub.id)
    advance(stripe_client, clock.id, FEB1 + 10 * DAY)
    resumed = stripe_client.v1.subscriptions.resume(
        sub.id, {"billing_cycle_anchor": {"type": "unchanged"}, "proration_behavior": "create_prorations"}
    )
    assert resumed.status == "active" and resumed["items"].data[0].current_period_start == FEB1
    evt = stripe_client.v1.events.list({"type": "customer.subscription.updated", "limit": 1}).data[0]
    prev = evt.data.previous_attributes
    assert prev["status"] == "paused" and prev["items"]["data"][0]["current_period_start"] == T0
