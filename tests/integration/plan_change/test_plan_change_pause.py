"""Pause and resume-from-pause through the handler, on the Stripe emulator with test clocks."""

from __future__ import annotations

from typing import Any

from billing_core.pause import PauseResumer, add_periods, resumes_at

from tests.integration.plan_change.plan_change_setup import DAY, START, World, assert_adds_up

NOW = START + 10 * DAY + 3600


def _invoice_adds_up(invoice: dict[str, Any]) -> None:
    assert_adds_up({**invoice, "amount_due_now": invoice["amount_due"], "lines_invoice": "due_now"})


def pause(world: World, key: str | bool = True, **body: Any) -> dict[str, Any]:
    return world.call("POST", "/billing/subscription/pause", body=body or {"periods": 1}, key=key)


def test_h1_pause_credits_the_unused_time_shown_and_resumes_on_its_date_billing_what_it_said(world: World) -> None:
    _, cus, subscription, clock = world.user_on("pro_monthly", days_in=10)
    preview = world.call("POST", "/billing/subscription/pause/preview", body={"periods": 2}, key=None)
    assert preview["statusCode"] == 200, preview["body"]
    shown = preview["json"]
    assert shown["resumes_at"] == add_periods(NOW, "month", 2)
    assert shown["durations"] == [1, 2, 3] and shown["features_while_paused"] == ["projects"]
    assert shown["credit"] is not None and shown["credit_amount"] > 0
    _invoice_adds_up(shown["credit"])
    assert shown["balance_after"] == -shown["credit_amount"]
    assert shown["amount_due_at_resume"] == 2900 - shown["credit_amount"]

    paused = pause(world, periods=2)
    assert paused["statusCode"] == 200, paused["body"]
    answer = paused["json"]
    assert answer["status"] == "paused" and answer["resumes_at"] == shown["resumes_at"]
    assert answer["credit_amount"] == shown["credit_amount"]
    assert answer["amount_due_at_resume"] == shown["amount_due_at_resume"]
    stripe_sub = world.subscription(subscription.id)
    assert stripe_sub.status == "paused" and resumes_at(stripe_sub) == shown["resumes_at"]
    assert world.stripe.v1.customers.retrieve(cus).balance == -shown["credit_amount"]

    # Not due yet: nothing happens.
    world.advance(clock, shown["resumes_at"] - DAY)
    assert PauseResumer().run().resumed == 0
    assert world.subscription(subscription.id).status == "paused"
    # Due: resumed, billed what the pause said.
    world.advance(clock, shown["resumes_at"] + 60)
    report = PauseResumer().run()
    assert report.resumed == 1 and report.resumed_ids == [subscription.id]
    resumed = world.subscription(subscription.id)
    assert resumed.status == "active" and "pause_resumes_at" not in resumed.metadata.to_dict()
    invoice = world.stripe.v1.invoices.retrieve(str(resumed.latest_invoice))
    assert invoice.status == "paid" and invoice.amount_due == shown["amount_due_at_resume"]
    # A second run finds nothing to resume.
    assert PauseResumer().run().resumed == 0


def test_h1_resume_now_charges_the_previewed_resumption_invoice(world: World) -> None:
    _, _, subscription, clock = world.user_on("pro_monthly", days_in=10)
    assert pause(world, periods=3)["statusCode"] == 200
    world.advance(clock, NOW + 5 * DAY)
    preview = world.call("POST", "/billing/subscription/resume/preview", key=None)
    assert preview["statusCode"] == 200, preview["body"]
    shown = preview["json"]
    _invoice_adds_up(shown["invoice"])
    assert shown["amount_due_now"] == shown["invoice"]["amount_due"] > 0
    resumed = world.call("POST", "/billing/subscription/resume")
    assert resumed["statusCode"] == 200, resumed["body"]
    assert resumed["json"]["status"] == "resumed"
    assert resumed["json"]["amount_invoiced"] == shown["amount_due_now"]
    assert resumed["json"]["current_period_end"] == shown["next_billing_date"]
    assert world.subscription(subscription.id).status == "active"
    again = world.call("POST", "/billing/subscription/resume/preview", key=None)
    assert again["statusCode"] == 409 and again["json"]["error"]["code"] == "not_paused"


def test_h9_pause_refusals_have_clear_codes_and_write_nothing(world: World, count_stripe_writes: list[str]) -> None:
    _, cus, subscription, _ = world.user_on("pro_monthly", days_in=10, billing_mode={"type": "classic"})
    refused = pause(world)
    assert refused["statusCode"] == 409 and refused["json"]["error"]["code"] == "billing_mode_classic"
    bad = pause(world, periods=5)
    assert bad["statusCode"] == 409  # the mode is checked first; the length is checked on a pausable one
    assert count_stripe_writes == []
    world.stripe.v1.subscriptions.migrate(subscription.id, params={"billing_mode": {"type": "flexible"}})
    bad = pause(world, periods=5)
    assert bad["statusCode"] == 400 and bad["json"]["error"]["code"] == "invalid_pause_duration"
    late = pause(world, resume_at=add_periods(NOW, "month", 3) + DAY)
    assert late["statusCode"] == 400 and late["json"]["error"]["code"] == "invalid_resume_at"
    past = pause(world, resume_at=NOW - DAY)
    assert past["statusCode"] == 400 and past["json"]["error"]["code"] == "invalid_resume_at"
    both = pause(world, periods=1, resume_at=NOW + DAY)
    assert both["statusCode"] == 422
    world.stripe.v1.subscriptions.update(subscription.id, params={"cancel_at_period_end": True})
    canceling = pause(world)
    assert canceling["statusCode"] == 409 and canceling["json"]["error"]["code"] == "subscription_canceling"
    assert count_stripe_writes == []


def test_h9_a_scheduled_plan_change_or_a_trial_refuses_the_pause(world: World) -> None:
    world.user_on("pro_monthly", days_in=3)
    preview = world.preview("starter_monthly")
    assert world.change(preview["preview_id"])["json"]["status"] == "scheduled"
    refused = pause(world)
    assert refused["statusCode"] == 409 and refused["json"]["error"]["code"] == "change_scheduled"
    other = "user-trialing"
    clock = world.clock()
    cus = world.customer(other, clock=clock)
    world.subscribe(cus, "pro_monthly", trial_period_days=14)
    trial = world.call("POST", "/billing/subscription/pause", sub=other, body={"periods": 1})
    assert trial["statusCode"] == 409 and trial["json"]["error"]["code"] == "pause_not_during_trial"


def test_pause_with_a_resume_date_and_a_second_pause_is_already_paused(world: World) -> None:
    _, _, subscription, _ = world.user_on("starter_monthly", days_in=10)
    when = NOW + 20 * DAY
    first = pause(world, resume_at=when)
    assert first["statusCode"] == 200, first["body"]
    assert first["json"]["resumes_at"] == when and first["json"]["features_while_paused"] == []
    second = pause(world, resume_at=when)
    assert second["statusCode"] == 409 and second["json"]["error"]["code"] == "already_paused"
    assert resumes_at(world.subscription(subscription.id)) == when


def test_h3_get_billing_shows_the_pause_and_the_resumption_as_the_next_payment(world: World) -> None:
    from billing_read.app import handler as read_handler

    from tests.helpers.apigw import http_event, invoke

    _, _, subscription, clock = world.user_on("pro_monthly", days_in=10)

    def overview() -> dict[str, Any]:
        response = invoke(read_handler, http_event("GET", "/billing", sub=world.sub_a))
        assert response["statusCode"] == 200, response["body"]
        return response["json"]

    active = overview()["subscriptions"][0]
    assert active["pause_durations"] == [1, 2, 3] and not active["paused"]
    answer = pause(world, periods=1)["json"]
    shown = overview()
    view = shown["subscriptions"][0]
    assert view["paused"] and view["resumes_at"] == answer["resumes_at"] and view["pause_durations"] == []
    assert view["next_billing_date"] == answer["resumes_at"]
    assert view["next_invoice_amount"] == answer["amount_due_at_resume"]
    assert shown["entitlements"]["paused"] and shown["entitlements"]["features"] == ["projects"]
    assert shown["entitlements"]["resumes_at"] == answer["resumes_at"]
    world.advance(clock, answer["resumes_at"] + 60)
    PauseResumer().run()
    invoice = world.stripe.v1.invoices.retrieve(str(world.subscription(subscription.id).latest_invoice))
    assert invoice.amount_paid == view["next_invoice_amount"]


def test_h9_a_past_due_subscription_cannot_be_paused(world: World) -> None:
    _, cus, subscription, clock = world.user_on("pro_monthly", days_in=10)
    world.attach(cus, "pm_card_chargeCustomerFail")
    world.advance(clock, START + 32 * DAY)
    assert world.subscription(subscription.id).status == "past_due"
    refused = pause(world)
    assert refused["statusCode"] == 409 and refused["json"]["error"]["code"] == "subscription_past_due"


def test_h1_the_amount_at_resume_keeps_a_running_coupon(world: World) -> None:
    """The resumption bills the renewal with the discounts still running then, less the credit."""
    coupon = world.stripe.v1.coupons.create(params={"duration": "forever", "percent_off": 20, "name": "20 off"}).id
    _, cus, subscription, clock = world.user_on("pro_yearly", days_in=36, discounts=[{"coupon": coupon}])
    shown = pause(world, periods=1)["json"]
    assert shown["amount_due_at_resume"] == 23200 - shown["credit_amount"]
    world.advance(clock, shown["resumes_at"] + 60)
    assert PauseResumer().run().resumed == 1
    invoice = world.stripe.v1.invoices.retrieve(str(world.subscription(subscription.id).latest_invoice))
    assert invoice.amount_paid == shown["amount_due_at_resume"]
