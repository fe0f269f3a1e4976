"""billing_read logic against an in-memory Stripe and moto: overview, empty state (A6), customer gone (A7),
concurrency, invoice pagination and the plan picker."""

import pytest
from billing_core.directory import CustomerDirectory
from billing_core.entitlements import EntitlementRecord, EntitlementStore
from billing_core.errors import CustomerGone, NotFound
from billing_core.identity import Caller
from billing_core.stripe_gateway import StripeGateway
from billing_read.logic import BillingReader, reset_caches

from tests.helpers import aws as h
from tests.unit.billing_read.fake_stripe import DAY, NOW, FakeReadStripe, seed_active_pro, upcoming_invoice

ME = Caller(sub="user-a")


@pytest.fixture
def fake(aws_env):
    reset_caches()
    yield FakeReadStripe()
    reset_caches()


def reader(fake):
    gateway = StripeGateway(client=fake)  # type: ignore[arg-type]
    return BillingReader(directory=CustomerDirectory(gateway=gateway), gateway=gateway, clock=lambda: NOW)


def test_a6_user_without_customer_gets_the_empty_state_and_nothing_is_created(fake):
    overview = reader(fake).build_overview(ME)
    assert overview.has_customer is False
    assert overview.subscriptions == [] and overview.customer is None
    assert overview.entitlements.entitled is False and overview.entitlements.source == "none"
    assert fake.calls == []
    assert h.query_pk("USER#user-a") == []


def test_overview_shows_what_stripe_holds(fake):
    seed_active_pro(fake)
    h.put_mapping("user-a", "cus_A")
    o = reader(fake).build_overview(ME)
    assert o.has_customer and o.customer.name == "Ada Lovelace" and o.customer.address.country == "GB"
    assert o.customer.tax_ids[0].value == "DE123456789"
    sub = o.subscriptions[0]
    assert (sub.plan_id, sub.plan_name, sub.interval, sub.unit_amount, sub.quantity) == ("pro", "Pro", "month", 2900, 1)
    assert sub.next_billing_date == NOW + 20 * 86400
    assert sub.next_invoice_amount == 2030
    assert sub.discount.percent_off == 30.0
    assert sub.scheduled_change.price_lookup_key == "starter_monthly"
    assert sub.scheduled_change.effective_at == NOW + 20 * 86400
    cards = {pm.id: pm for pm in o.payment_methods}
    assert cards["pm_visa"].is_default and not cards["pm_visa"].expiring_soon
    assert cards["pm_old"].expiring_soon and not cards["pm_old"].is_default
    assert len(o.invoices) == 12 and o.invoices[0].id == "in_14"
    assert o.invoices[0].subscription_id == "sub_A"
    assert o.entitlements.source == "derived" and o.entitlements.entitled and o.entitlements.plan == "pro"
    assert o.dunning.past_due is False


def test_h3_next_payment_of_a_scheduled_change_is_the_upcoming_invoice_not_the_current_price(fake):
    # Given Pro ($29) with a change to Starter scheduled at the period end, which Stripe's preview bills at $9
    seed_active_pro(fake)
    fake.subscriptions[0]["discounts"] = []
    fake.previews["sub_A"] = upcoming_invoice(900, NOW + 20 * DAY)
    h.put_mapping("user-a", "cus_A")
    # When the overview is read
    sub = reader(fake).build_overview(ME).subscriptions[0]
    # Then the next payment is Stripe's $9 on the phase start, beside the scheduled change to Starter
    assert (sub.next_invoice_amount, sub.next_billing_date) == (900, NOW + 20 * DAY)
    assert sub.scheduled_change.plan_id == "starter" and sub.scheduled_change.quantity == 1
    assert sub.scheduled_change.effective_at == sub.next_billing_date


def test_h3_next_payment_of_a_trial_is_dated_at_the_trial_end_from_the_preview(fake):
    # Given a trial ending in 4 days whose item period says otherwise (the preview is the authority)
    seed_active_pro(fake)
    fake.subscriptions[0].update(status="trialing", trial_end=NOW + 4 * DAY, schedule=None)
    fake.previews["sub_A"] = upcoming_invoice(2030, NOW + 4 * DAY)
    h.put_mapping("user-a", "cus_A")
    sub = reader(fake).build_overview(ME).subscriptions[0]
    assert (sub.next_invoice_amount, sub.next_billing_date) == (2030, NOW + 4 * DAY)
    assert sub.trial_end == NOW + 4 * DAY


def test_h3_no_next_payment_when_stripe_has_no_upcoming_invoice(fake):
    seed_active_pro(fake)
    del fake.previews["sub_A"]
    h.put_mapping("user-a", "cus_A")
    sub = reader(fake).build_overview(ME).subscriptions[0]
    assert sub.next_invoice_amount is None and sub.next_billing_date is None


def test_stored_entitlements_win_over_derived_and_let_the_preview_run_in_the_first_round(fake):
    seed_active_pro(fake)
    h.put_mapping("user-a", "cus_A")
    EntitlementStore().put_if_newer(
        "user-a", EntitlementRecord(plan="pro", status="active", entitled=True, subscription_id="sub_A", version=3)
    )
    fake.delay = 0.05
    o = reader(fake).build_overview(ME)
    assert o.entitlements.source == "stored"
    assert o.subscriptions[0].next_invoice_amount == 2030
    # one round: every read, the invoice preview included, was in flight at the same time (timings are benched)
    assert fake.in_flight_max == len(fake.calls) >= 6


def test_concurrent_reads_overlap_and_match_the_sequential_baseline(fake):
    seed_active_pro(fake)
    h.put_mapping("user-a", "cus_A")
    fake.delay = 0.05
    r = reader(fake)
    concurrent = r.build_overview(ME)
    overlapping = fake.in_flight_max
    reset_caches()
    fake.in_flight_max = 0
    sequential = r.build_overview(ME, concurrent=False)
    # the same answer; the concurrent build overlaps its reads, the naive baseline never does
    assert concurrent == sequential
    assert overlapping >= 4 and fake.in_flight_max == 1


def test_a7_deleted_customer_is_409_customer_gone_and_the_mapping_stays(fake):
    seed_active_pro(fake)
    fake.customers_["cus_A"] = {"id": "cus_A", "object": "customer", "deleted": True}
    h.put_mapping("user-a", "cus_A")
    with pytest.raises(CustomerGone) as err:
        reader(fake).build_overview(ME)
    assert err.value.status == 409 and err.value.code == "customer_gone"
    assert h.get_item("USER#user-a", "CUSTOMER")["customer_id"]["S"] == "cus_A"


def test_a7_customer_missing_in_stripe_is_customer_gone(fake):
    h.put_mapping("user-a", "cus_missing")
    with pytest.raises(CustomerGone):
        reader(fake).build_overview(ME)


def test_past_due_shows_the_dunning_state(fake):
    seed_active_pro(fake)
    fake.subscriptions[0]["status"] = "past_due"
    fake.invoices[-1].update(status="open", amount_remaining=2900)
    h.put_mapping("user-a", "cus_A")
    o = reader(fake).build_overview(ME)
    assert o.dunning.past_due and o.dunning.amount_due == 2900
    assert o.dunning.open_invoice.id == "in_14"
    assert o.entitlements.entitled  # within the grace period


def test_invoice_pages_follow_the_cursor(fake):
    seed_active_pro(fake)
    h.put_mapping("user-a", "cus_A")
    r = reader(fake)
    first = r.list_invoices(ME, limit=10, starting_after=None)
    assert len(first.invoices) == 10 and first.has_more and first.next_cursor == "in_05"
    second = r.list_invoices(ME, limit=10, starting_after=first.next_cursor)
    assert [i.id for i in second.invoices] == [f"in_{n:02d}" for n in range(4, -1, -1)]
    assert second.has_more is False and second.next_cursor is None


def test_a3_invoice_cursor_of_another_customer_is_404(fake):
    seed_active_pro(fake)
    seed_active_pro(fake, "cus_B")
    fake.invoices[-1]["id"] = "in_foreign"
    h.put_mapping("user-a", "cus_A")
    with pytest.raises(NotFound):
        reader(fake).list_invoices(ME, limit=10, starting_after="in_foreign")
    assert "invoices.list" not in fake.calls


def test_invoices_without_customer_are_empty(fake):
    page = reader(fake).list_invoices(ME, limit=10, starting_after=None)
    assert page.invoices == [] and fake.calls == []


def test_plans_mark_the_current_plan_and_allowed_changes(fake):
    seed_active_pro(fake)
    h.put_mapping("user-a", "cus_A")
    plans = reader(fake).list_plans(ME)
    assert plans.current.price_lookup_key == "pro_monthly" and not plans.can_subscribe
    by_key = {p.lookup_key: p for plan in plans.plans for p in plan.prices}
    assert by_key["pro_monthly"].current and by_key["pro_monthly"].change_kind is None
    assert by_key["pro_yearly"].change_kind == "longer_interval"
    assert by_key["starter_monthly"].change_timing == "period_end"
    assert by_key["business_seat_monthly"].change_kind == "upgrade"
    assert [p.id for p in plans.plans if p.current] == ["pro"]


def test_plans_for_a_user_without_customer_offer_subscribing(fake):
    plans = reader(fake).list_plans(ME)
    assert plans.current is None and plans.can_subscribe
    assert {p.change_kind for plan in plans.plans for p in plan.prices} == {"subscribe"}
    assert next(p for p in plans.plans if p.id == "pro").trial_days == 14
    assert fake.calls == []
