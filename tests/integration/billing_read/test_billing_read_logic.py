"""billing_read logic against the Stripe emulator and moto: overview, empty state (A6), customer gone (A7),
concurrency, invoice pagination and the plan picker."""

from typing import Any

import pytest
from billing_core.directory import CustomerDirectory
from billing_core.entitlements import EntitlementRecord, EntitlementStore
from billing_core.errors import CustomerGone, NotFound
from billing_core.identity import Caller
from billing_core.stripe_gateway import StripeGateway
from billing_read.logic import BillingReader, reset_caches
from stripe_emulator.testing import advance_clock

from tests.helpers import aws as h
from tests.helpers.stripe_recording import recording_client
from tests.integration.billing_read.billing_read_setup import (
    DAY,
    T0,
    active_pro,
    invoice_ids,
    schedule_at_period_end,
    sync_catalog,
)

ME = Caller(sub="user-a")


@pytest.fixture
def stripe(stripe_env, stripe_emulator):
    """(client, recorder): a StripeClient on the emulator whose requests are recorded; the catalog synced."""
    reset_caches()
    sync_catalog()
    client, http = recording_client(stripe_emulator)
    yield client, http
    reset_caches()


def reader(stripe: Any, now: int = T0) -> BillingReader:
    client, http = stripe
    http.forget()
    gateway = StripeGateway(client=client)
    return BillingReader(directory=CustomerDirectory(gateway=gateway), gateway=gateway, clock=lambda: now)


def test_a6_user_without_customer_gets_the_empty_state_and_nothing_is_created(stripe):
    overview = reader(stripe).build_overview(ME)
    assert overview.has_customer is False
    assert overview.subscriptions == [] and overview.customer is None
    assert overview.entitlements.entitled is False and overview.entitlements.source == "none"
    assert stripe[1].sent == []
    assert h.query_pk("ACCOUNT#p_user-a") == []


def test_overview_shows_what_stripe_holds(stripe):
    client, _ = stripe
    acct = active_pro(client, ME.sub)
    change_at = schedule_at_period_end(client, acct.subscription, "starter_monthly")
    o = reader(stripe, acct.now).build_overview(ME)
    assert o.has_customer and o.customer.name == "Ada Lovelace" and o.customer.address.country == "GB"
    assert o.customer.tax_ids[0].value == "DE123456789"
    sub = o.subscriptions[0]
    assert (sub.plan_id, sub.plan_name, sub.interval, sub.unit_amount, sub.quantity) == ("pro", "Pro", "month", 2900, 1)
    assert sub.next_billing_date == change_at
    assert sub.next_invoice_amount == 630  # Starter's $9 less 30%: Stripe's preview of the scheduled phase
    assert sub.discount.percent_off == 30.0
    assert sub.scheduled_change.price_lookup_key == "starter_monthly"
    assert sub.scheduled_change.effective_at == change_at
    cards = {(pm.exp_year or 0) > 2027: pm for pm in o.payment_methods}  # the long-lived card and the expiring one
    assert cards[True].is_default and not cards[True].expiring_soon
    assert cards[False].expiring_soon and not cards[False].is_default
    newest = invoice_ids(client, acct.customer.id)
    assert len(newest) == 15
    assert len(o.invoices) == 12 and o.invoices[0].id == newest[0]
    assert o.invoices[0].subscription_id == acct.subscription.id
    assert o.entitlements.source == "derived" and o.entitlements.entitled and o.entitlements.plan == "pro"
    assert o.dunning.past_due is False


def test_h3_next_payment_of_a_scheduled_change_is_the_upcoming_invoice_not_the_current_price(stripe):
    # Given Pro ($29, no coupon here) with a change to Starter scheduled at the period end, which Stripe bills at $9
    client, _ = stripe
    acct = active_pro(client, ME.sub, renewals=0)
    client.v1.subscriptions.update(acct.subscription.id, params={"discounts": ""})
    change_at = schedule_at_period_end(client, acct.subscription, "starter_monthly")
    # When the overview is read
    sub = reader(stripe, acct.now).build_overview(ME).subscriptions[0]
    # Then the next payment is Stripe's $9 on the phase start, beside the scheduled change to Starter
    assert (sub.next_invoice_amount, sub.next_billing_date) == (900, change_at)
    assert sub.scheduled_change.plan_id == "starter" and sub.scheduled_change.quantity == 1
    assert sub.scheduled_change.effective_at == sub.next_billing_date


def test_h3_next_payment_of_a_trial_is_dated_at_the_trial_end_from_the_preview(stripe):
    # Given a 4-day trial of Pro with a 30% coupon
    client, _ = stripe
    acct = active_pro(client, ME.sub, renewals=0, trial_days=4)
    sub = reader(stripe, acct.now).build_overview(ME).subscriptions[0]
    # Then the first payment is $20.30 on the trial end
    assert (sub.next_invoice_amount, sub.next_billing_date) == (2030, T0 + 4 * DAY)
    assert sub.trial_end == T0 + 4 * DAY


def test_h3_no_next_payment_when_stripe_has_no_upcoming_invoice(stripe):
    # Given a subscription canceled at once: Stripe has no upcoming invoice for it
    client, _ = stripe
    acct = active_pro(client, ME.sub, renewals=0)
    client.v1.subscriptions.cancel(acct.subscription.id)
    subs = reader(stripe, acct.now).build_overview(ME).subscriptions
    assert all(s.next_invoice_amount is None and s.next_billing_date is None for s in subs)


def test_stored_entitlements_win_over_derived_and_let_the_preview_run_in_the_first_round(stripe, stripe_emulator):
    client, http = stripe
    acct = active_pro(client, ME.sub, renewals=0)
    EntitlementStore().put_if_newer(
        "p_user-a",
        EntitlementRecord(plan="pro", status="active", entitled=True, subscription_id=acct.subscription.id, version=3),
    )
    stripe_emulator.faults.set_latency(1000)  # generous, so that reads started together overlap even on a busy machine
    o = reader(stripe, acct.now).build_overview(ME)
    assert o.entitlements.source == "stored"
    assert o.subscriptions[0].next_invoice_amount == 2030
    # one round: every read, the invoice preview included, was in flight at the same time (timings are benched)
    assert http.in_flight_max == len(http.sent) >= 6


def test_concurrent_reads_overlap_and_match_the_sequential_baseline(stripe, stripe_emulator):
    client, http = stripe
    acct = active_pro(client, ME.sub, renewals=0)
    stripe_emulator.faults.set_latency(1000)  # generous, so that reads started together overlap even on a busy machine
    r = reader(stripe, acct.now)
    concurrent = r.build_overview(ME)
    overlapping = http.in_flight_max
    reset_caches()
    http.forget()
    sequential = r.build_overview(ME, concurrent=False)
    # the same answer; the concurrent build overlaps its reads, the naive baseline never does
    assert concurrent == sequential
    assert overlapping >= 4 and http.in_flight_max == 1


def test_a7_deleted_customer_is_409_customer_gone_and_the_mapping_stays(stripe):
    client, _ = stripe
    acct = active_pro(client, ME.sub, renewals=0)
    client.v1.customers.delete(acct.customer.id)
    with pytest.raises(CustomerGone) as err:
        reader(stripe, acct.now).build_overview(ME)
    assert err.value.status == 409 and err.value.code == "customer_gone"
    assert h.get_item("ACCOUNT#p_user-a", "CUSTOMER")["customer_id"]["S"] == acct.customer.id


def test_a7_customer_missing_in_stripe_is_customer_gone(stripe):
    h.put_mapping("user-a", "cus_missing")
    with pytest.raises(CustomerGone):
        reader(stripe).build_overview(ME)


def test_past_due_shows_the_dunning_state(stripe):
    # Given a renewal charged to a card that declines
    client, _ = stripe
    acct = active_pro(client, ME.sub, renewals=0)
    failing = client.v1.payment_methods.attach("pm_card_chargeCustomerFail", params={"customer": acct.customer.id})
    client.v1.customers.update(acct.customer.id, params={"invoice_settings": {"default_payment_method": failing.id}})
    now = int(acct.subscription["items"].data[0].current_period_end) + DAY
    advance_clock(client, acct.clock_id, now)
    latest = invoice_ids(client, acct.customer.id)[0]
    assert client.v1.subscriptions.retrieve(acct.subscription.id).status == "past_due"
    # When the overview is read
    o = reader(stripe, now).build_overview(ME)
    # Then the open renewal is shown as due
    assert o.dunning.past_due and o.dunning.amount_due == 2030
    assert o.dunning.open_invoice.id == latest
    assert o.entitlements.entitled  # within the grace period


def test_invoice_pages_follow_the_cursor(stripe):
    client, _ = stripe
    acct = active_pro(client, ME.sub)
    newest = invoice_ids(client, acct.customer.id)
    r = reader(stripe, acct.now)
    first = r.list_invoices(ME, limit=10, starting_after=None)
    assert len(first.invoices) == 10 and first.has_more and first.next_cursor == newest[9]
    second = r.list_invoices(ME, limit=10, starting_after=first.next_cursor)
    assert [i.id for i in second.invoices] == newest[10:15]
    assert second.has_more is False and second.next_cursor is None


def test_a3_invoice_cursor_of_another_customer_is_404(stripe):
    client, http = stripe
    other = active_pro(client, "user-b", renewals=0)
    acct = active_pro(client, ME.sub, renewals=0)
    foreign = invoice_ids(client, other.customer.id)[0]
    with pytest.raises(NotFound):
        reader(stripe, acct.now).list_invoices(ME, limit=10, starting_after=foreign)
    assert ("GET", "/v1/invoices") not in http.sent


def test_invoices_without_customer_are_empty(stripe):
    page = reader(stripe).list_invoices(ME, limit=10, starting_after=None)
    assert page.invoices == [] and stripe[1].sent == []


def test_plans_mark_the_current_plan_and_allowed_changes(stripe):
    client, _ = stripe
    acct = active_pro(client, ME.sub, renewals=0)
    plans = reader(stripe, acct.now).list_plans(ME)
    assert plans.current.price_lookup_key == "pro_monthly" and not plans.can_subscribe
    by_key = {p.lookup_key: p for plan in plans.plans for p in plan.prices}
    assert by_key["pro_monthly"].current and by_key["pro_monthly"].change_kind is None
    assert by_key["pro_yearly"].change_kind == "longer_interval"
    assert by_key["starter_monthly"].change_timing == "period_end"
    assert by_key["business_seat_monthly"].change_kind == "upgrade"
    assert [p.id for p in plans.plans if p.current] == ["pro"]


def test_plans_for_a_user_without_customer_offer_subscribing(stripe):
    plans = reader(stripe).list_plans(ME)
    assert plans.current is None and plans.can_subscribe
    assert {p.change_kind for plan in plans.plans for p in plan.prices} == {"subscribe"}
    assert next(p for p in plans.plans if p.id == "pro").trial_days == 14
    assert stripe[1].sent == []
