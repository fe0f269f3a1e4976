"""The money oracle's minimal failing examples, pinned: each runs one shrunk scenario through the full oracle.

Each scenario is the minimal example Hypothesis shrank a failure of ``test_money_oracle`` to, so the known bad
cases stay checked even in a run that does not draw them. The oracle's message names the property (H1..H4,
``charge``) that a regression breaks.
"""

from __future__ import annotations

from tests.integration.plan_change.plan_change_setup import World
from tests.property.billing_states import Action, BillingState, Scenario, build
from tests.property.money_oracle import check


def run(world: World, state: BillingState, action: Action) -> str:
    return check(world, build(world, Scenario(state, action)))


# -- a trial moved to a yearly price ------------------------------------------------------------------------------
def test_trial_moved_to_yearly_without_a_card_leaves_no_open_invoice(world: World) -> None:
    # H2: the change either keeps the trial (nothing due) or is refused before any Stripe write
    run(world, BillingState("trialing", "starter_monthly", card=False), Action("change", 0.05, "starter_yearly"))


def test_trial_moved_to_yearly_with_a_card_charges_only_what_the_preview_showed(world: World) -> None:
    # H1 / charge: the preview says nothing is due during the trial; the change must not invoice the year now
    run(world, BillingState("trialing", "starter_monthly", card=True), Action("change", 0.05, "starter_yearly"))


def test_trial_on_a_yearly_price_moved_to_monthly_previews_and_leaves_no_open_invoice(world: World) -> None:
    # an interval change during a trial must not reset the billing anchor (Stripe refuses that before trial_end)
    run(world, BillingState("trialing", "starter_yearly", card=False), Action("change", 0.05, "pro_monthly"))


# -- a coupon on the subscription ---------------------------------------------------------------------------------
def test_preview_with_a_percent_coupon_shows_the_discount_as_a_line(world: World) -> None:
    # H1: the preview's lines add up to its total
    state = BillingState("active", "starter_monthly", coupon="percent")
    run(world, state, Action("change", 0.05, "pro_monthly"))


def test_preview_with_an_amount_coupon_shows_the_discount_as_a_line(world: World) -> None:
    state = BillingState("active", "starter_monthly", coupon="amount")
    run(world, state, Action("change", 0.05, "pro_monthly"))


def test_preview_of_a_trial_with_an_amount_coupon_shows_the_discount_as_a_line(world: World) -> None:
    state = BillingState("trialing", "starter_monthly", card=False, coupon="amount")
    run(world, state, Action("change", 0.15, "business_seat_monthly", 3))


def test_preview_of_a_period_end_change_with_a_coupon_shows_the_discount_as_a_line(world: World) -> None:
    state = BillingState("scheduled_downgrade", "pro_monthly", coupon="percent", scheduled=("starter_monthly", 1))
    run(world, state, Action("change", 0.05, "starter_monthly"))


# -- a scheduled downgrade ----------------------------------------------------------------------------------------
def test_overview_next_payment_after_a_scheduled_downgrade_is_the_new_price(world: World) -> None:
    # H3: GET /billing's next payment is the renewal Stripe invoices on the new plan
    state = BillingState("scheduled_downgrade", "pro_monthly", scheduled=("starter_monthly", 1))
    run(world, state, Action("wait", 0.05))


def test_overview_next_payment_right_after_a_downgrade_is_scheduled_is_the_new_price(world: World) -> None:
    # H3: the downgrade scheduled through the product, then GET /billing
    run(world, BillingState("active", "pro_monthly"), Action("change", 0.05, "starter_monthly"))


def test_overview_next_payment_after_fewer_seats_are_scheduled_is_for_the_new_seat_count(world: World) -> None:
    state = BillingState(
        "scheduled_downgrade", "business_seat_monthly", seats=4, scheduled=("business_seat_monthly", 3)
    )
    run(world, state, Action("wait", 0.05))


# -- the next payment after an immediate change ------------------------------------------------------------------
def test_next_payment_after_moving_to_yearly_with_an_amount_coupon_is_the_renewal_amount(world: World) -> None:
    # H3: the preview's next payment is the first renewal on the new price, the whole coupon off
    state = BillingState("active", "starter_monthly", coupon="amount")
    run(world, state, Action("change", 0.05, "starter_yearly"))


def test_next_payment_after_a_change_that_leaves_a_credit_is_reduced_by_the_credit(world: World) -> None:
    # H3: the unused yearly time exceeds the new month's price; the credit balance pays the next renewal
    run(world, BillingState("active", "starter_yearly"), Action("change", 0.05, "pro_monthly"))


# -- GET /billing right after a mutation ---------------------------------------------------------------------------
def test_billing_right_after_an_upgrade_shows_the_new_plan(world: World) -> None:
    # H4
    run(world, BillingState("active", "starter_monthly"), Action("change", 0.05, "pro_monthly"))


def test_billing_right_after_a_cancel_shows_the_subscription_ending(world: World) -> None:
    run(world, BillingState("active", "starter_monthly"), Action("cancel", 0.05))


def test_billing_right_after_a_resume_shows_the_subscription_renewing(world: World) -> None:
    run(world, BillingState("canceling", "starter_monthly"), Action("resume", 0.05))


def test_billing_right_after_a_card_fix_shows_the_subscription_active(world: World) -> None:
    run(world, BillingState("past_due", "starter_monthly"), Action("fix_card", 0.05))


def test_an_upgrade_while_a_shorter_interval_is_scheduled_never_shows_the_scheduled_price_as_next_payment(
    world: World,
) -> None:
    # H3: the preview followed the schedule (900 next) while applying it released the schedule (29000 next);
    # the change is now refused (409) until the scheduled one is undone
    state = BillingState("scheduled_downgrade", "starter_yearly", scheduled=("starter_monthly", 1))
    run(world, state, Action("change", 0.95, "pro_yearly"))


def test_a_downgrade_while_another_change_is_scheduled_never_shows_the_scheduled_price_as_next_payment(
    world: World,
) -> None:
    # H3: a period-end change previewed under an attached schedule showed its next phase (Pro, 2900) as the next
    # payment while applying it rewrote the schedule (Starter, 900); refused (409) until the first is undone
    state = BillingState("scheduled_downgrade", "business_seat_monthly", seats=3, scheduled=("pro_monthly", 1))
    run(world, state, Action("change", 0.05, "starter_monthly"))
