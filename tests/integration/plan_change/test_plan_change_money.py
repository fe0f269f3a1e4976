"""Money shown is money charged: trials kept or ended by choice, a card before any charge, no open invoice left
after a decline, discounts as their own rows, and the next payment after every money path (H1, H2, H3)."""

from __future__ import annotations

from typing import Any

import pytest
from billing_core.settings import reset_settings

from tests.integration.plan_change.plan_change_setup import World, assert_adds_up


def _default_card(world: World, cus: str) -> str:
    return str(world.stripe.v1.customers.retrieve(cus).invoice_settings.default_payment_method)


def _open_invoices(world: World, cus: str) -> list[Any]:
    return [inv for inv in world.invoices(cus) if inv.status == "open"]


# --- trials --------------------------------------------------------------------------------------------------
def test_trial_moved_to_yearly_keeps_the_trial_charges_nothing_and_first_pays_the_preview(world: World) -> None:
    # Given a Pro monthly trial, 5 days in, with no card on file
    _, cus, subscription, clock = world.user_on("pro_monthly", days_in=5, trial_period_days=14, card=None)
    trial_end = int(world.subscription(subscription.id).trial_end)
    invoices_before = len(world.invoices(cus))
    # When they preview Pro yearly without ending the trial
    preview = world.preview("pro_yearly")
    # Then nothing is due now, and the first payment is the yearly price on the trial end, for which a card is needed
    assert preview["trialing"] is True and preview["ends_trial"] is False
    assert preview["amount_due_now"] == 0 and preview["lines_invoice"] == "next_invoice"
    assert preview["next_billing_date"] == preview["trial_end"] == trial_end
    assert preview["next_invoice_amount"] == 29000
    assert preview["payment_method_required"] is False
    assert preview["payment_method_needed_by"] == trial_end
    assert_adds_up(preview)
    # When they confirm
    response = world.change(preview["preview_id"])
    # Then the plan moves, the trial runs on, nothing is invoiced and nothing is left open
    assert response["statusCode"] == 200, response["body"]
    assert response["json"]["status"] == "applied" and response["json"]["amount_invoiced"] is None
    after = world.subscription(subscription.id)
    assert after.status == "trialing" and int(after.trial_end) == trial_end
    assert after["items"].data[0].price.lookup_key == "pro_yearly"
    assert len(world.invoices(cus)) == invoices_before and _open_invoices(world, cus) == []
    # And once a card is added, the trial end bills exactly the previewed first payment
    world.attach(cus, "pm_card_visa")
    world.advance(clock, trial_end + 3600)
    first = world.invoices(cus)[0]
    assert int(first.amount_due) == preview["next_invoice_amount"] and first.status == "paid"


def test_ending_a_trial_without_a_card_is_refused_before_any_stripe_write(
    world: World, count_stripe_writes: list[str]
) -> None:
    # Given a trial with no card on file
    _, cus, subscription, _ = world.user_on("pro_monthly", days_in=5, trial_period_days=14, card=None)
    invoices_before = len(world.invoices(cus))
    # When they preview ending the trial on Pro yearly
    preview = world.preview("pro_yearly", end_trial=True)
    # Then the preview shows the charge now and that a card is required
    assert preview["ends_trial"] is True and preview["lines_invoice"] == "due_now"
    assert preview["amount_due_now"] == 29000
    assert preview["payment_method_required"] is True
    assert_adds_up(preview)
    # When they confirm anyway, the change is refused with nothing written to Stripe and nothing invoiced
    count_stripe_writes.clear()
    response = world.change(preview["preview_id"])
    assert response["statusCode"] == 409, response["body"]
    assert response["json"]["error"]["code"] == "payment_method_required"
    assert "card" in response["json"]["error"]["message"].lower()
    assert count_stripe_writes == []
    assert len(world.invoices(cus)) == invoices_before
    assert world.subscription(subscription.id).status == "trialing"
    # And after adding a card the same preview applies, charging exactly what it showed
    world.attach(cus, "pm_card_visa")
    applied = world.change(preview["preview_id"])
    assert applied["statusCode"] == 200, applied["body"]
    invoice = world.stripe.v1.invoices.retrieve(applied["json"]["invoice_id"])
    assert int(invoice.amount_paid) == preview["amount_due_now"]
    after = world.subscription(subscription.id)
    assert after.status == "active" and after["items"].data[0].price.lookup_key == "pro_yearly"
    assert preview["next_billing_date"] == int(after["items"].data[0].current_period_end)
    assert preview["next_invoice_amount"] == 29000


def test_end_trial_outside_a_trial_is_409(world: World) -> None:
    world.user_on("starter_monthly", days_in=3)
    response = world.call(
        "POST",
        "/billing/subscription/preview",
        body={"price_lookup_key": "pro_monthly", "end_trial": True},
        key=None,
    )
    assert response["statusCode"] == 409
    assert response["json"]["error"]["code"] == "not_trialing"


def test_subscribing_to_a_trial_without_a_card_says_a_card_is_needed_by_the_trial_end(world: World) -> None:
    world.customer(world.sub_a, card=None)
    response = world.call("POST", "/billing/subscription", body={"price_lookup_key": "pro_monthly"})
    assert response["statusCode"] == 200, response["body"]
    body = response["json"]
    assert body["status"] == "trialing"
    assert body["payment_method_needed_by"] == body["trial_end"] is not None


def test_subscribing_to_a_trial_with_a_card_needs_nothing_more(world: World) -> None:
    world.customer(world.sub_a)
    response = world.call("POST", "/billing/subscription", body={"price_lookup_key": "pro_monthly"})
    assert response["statusCode"] == 200, response["body"]
    assert response["json"]["status"] == "trialing" and response["json"]["payment_method_needed_by"] is None


def test_subscriptions_the_product_creates_are_flexible(world: World) -> None:
    world.customer(world.sub_a)
    response = world.call("POST", "/billing/subscription", body={"price_lookup_key": "starter_monthly"})
    assert response["statusCode"] == 200, response["body"]
    created = world.subscription(response["json"]["subscription_id"])
    assert created.billing_mode.type == "flexible"
    assert created.billing_mode.flexible.proration_discounts == "itemized"  # discounts stay rows of their own


# --- a card before a charge; nothing left open after a decline -------------------------------------------------
def test_upgrade_without_a_usable_card_is_refused_before_any_stripe_write(
    world: World, count_stripe_writes: list[str]
) -> None:
    # Given an active Starter subscription whose only card was removed
    _, cus, subscription, _ = world.user_on("starter_monthly", days_in=8)
    world.stripe.v1.payment_methods.detach(_default_card(world, cus))
    # When they preview Pro, the preview says a card is required for the charge it shows
    preview = world.preview("pro_monthly")
    assert preview["amount_due_now"] > 0 and preview["payment_method_required"] is True
    # Then confirming is refused before any Stripe write, and nothing is invoiced
    invoices_before = len(world.invoices(cus))
    count_stripe_writes.clear()
    response = world.change(preview["preview_id"])
    assert response["statusCode"] == 409
    assert response["json"]["error"]["code"] == "payment_method_required"
    assert count_stripe_writes == []
    assert len(world.invoices(cus)) == invoices_before
    assert world.subscription(subscription.id)["items"].data[0].price.lookup_key == "starter_monthly"


def test_declined_upgrade_leaves_no_open_invoice_and_no_pending_change(world: World) -> None:
    # Given a Starter subscriber whose default card fails every charge
    _, cus, subscription, _ = world.user_on("starter_monthly", days_in=8)
    world.attach(cus, "pm_card_chargeCustomerFail")
    preview = world.preview("pro_monthly")
    assert preview["payment_method_required"] is False
    # When the upgrade's payment is declined
    response = world.change(preview["preview_id"])
    assert response["statusCode"] == 402
    # Then the plan did not change, nothing was charged and no invoice is left to be paid later
    current = world.subscription(subscription.id)
    assert current["items"].data[0].price.lookup_key == "starter_monthly"
    assert current.pending_update is None
    assert _open_invoices(world, cus) == []
    voided = [inv for inv in world.invoices(cus) if inv.status == "void"]
    assert [int(inv.total) for inv in voided] == [preview["amount_due_now"]]
    assert sum(int(inv.amount_paid) for inv in voided) == 0


# --- discounts, seats, and the next payment after other money paths --------------------------------------------
def test_monthly_to_yearly_with_a_coupon_shows_the_discount_and_the_discounted_renewal(world: World) -> None:
    coupon = world.stripe.v1.coupons.create(params={"percent_off": 30, "duration": "forever", "name": "Team 30%"})
    _, cus, subscription, clock = world.user_on("pro_monthly", days_in=10, discounts=[{"coupon": coupon.id}])
    preview = world.preview("pro_yearly")
    assert_adds_up(preview)
    rows = [line for line in preview["lines"] if line["kind"] == "discount"]
    assert rows and all(row["description"] == "Team 30%" for row in rows)
    assert preview["next_invoice_amount"] == 29000 * 7 // 10
    applied = world.change(preview["preview_id"])
    assert applied["statusCode"] == 200, applied["body"]
    assert (
        int(world.stripe.v1.invoices.retrieve(applied["json"]["invoice_id"]).amount_due) == (preview["amount_due_now"])
    )
    # A year on, the renewal is the previewed next payment on the previewed date
    world.advance(clock, preview["next_billing_date"] + 3600)
    renewal = world.invoices(cus)[0]
    assert int(renewal.amount_due) == preview["next_invoice_amount"]


def test_seat_preview_shows_the_quantity_and_the_per_seat_amount(world: World) -> None:
    world.user_on("business_seat_monthly", quantity=3, days_in=12)
    preview = world.preview("business_seat_monthly", quantity=5)
    assert preview["target"]["quantity"] == 5 and preview["unit_amount"] == 1500
    assert preview["new_recurring_amount"] == 5 * 1500
    assert preview["next_invoice_amount"] == 5 * 1500
    assert_adds_up(preview)


def test_retention_offer_answers_the_discounted_next_payment(world: World) -> None:
    _, cus, subscription, _ = world.user_on("pro_monthly", days_in=5)
    assert world.call("POST", "/billing/subscription/cancel", body={"feedback": "too_expensive"})["statusCode"] == 200
    accepted = world.call("POST", "/billing/subscription/retention-offer")
    assert accepted["statusCode"] == 200, accepted["body"]
    period_end = int(world.subscription(subscription.id)["items"].data[0].current_period_end)
    assert accepted["json"]["next_payment"] == {"amount": 2030, "date": period_end, "currency": "usd"}


def test_resume_answers_the_next_payment(world: World) -> None:
    _, cus, subscription, _ = world.user_on("pro_monthly", days_in=5)
    canceled = world.call("POST", "/billing/subscription/cancel", body={"feedback": "unused", "decline_offer": True})
    assert canceled["json"]["status"] == "canceling"
    resumed = world.call("POST", "/billing/subscription/resume")
    assert resumed["statusCode"] == 200, resumed["body"]
    period_end = int(world.subscription(subscription.id)["items"].data[0].current_period_end)
    assert resumed["json"]["next_payment"] == {"amount": 2900, "date": period_end, "currency": "usd"}


def test_immediate_cancel_answers_the_credit_kept_on_the_balance(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANCELLATION_MODE", "immediately")
    reset_settings()  # settings are read once per cold start
    _, cus, subscription, _ = world.user_on("pro_monthly", days_in=10)
    response = world.call("POST", "/billing/subscription/cancel", body={"feedback": "unused", "decline_offer": True})
    assert response["statusCode"] == 200, response["body"]
    body = response["json"]
    assert body["status"] == "canceled"
    assert 0 < body["credit_amount"] < 2900
    assert -int(world.stripe.v1.customers.retrieve(cus).balance) == body["credit_amount"]


# --- a change scheduled for the period end ---------------------------------------------------------------------
def test_an_immediate_change_while_a_change_is_scheduled_is_refused_until_it_is_undone(world: World) -> None:
    """H3: Stripe previews the upgrade under the attached schedule (its next phase bills the scheduled plan), while
    applying it would release the schedule, so the next payment shown would not be the one charged. Found by the
    money oracle: Starter yearly with a switch to monthly scheduled, upgraded to Pro yearly, showed 900 next."""
    # Given a Starter yearly subscriber with a switch to Starter monthly scheduled for the period end
    _, cus, subscription, clock = world.user_on("starter_yearly", days_in=300)
    scheduled = world.change(world.preview("starter_monthly")["preview_id"])
    assert scheduled["json"]["status"] == "scheduled", scheduled["body"]
    invoices_before = len(world.invoices(cus))
    # When they ask for an upgrade that would apply now
    refused = world.call("POST", "/billing/subscription/preview", body={"price_lookup_key": "pro_yearly"}, key=None)
    # Then it is refused with a code that says why, and nothing changed in Stripe
    assert refused["statusCode"] == 409 and refused["json"]["error"]["code"] == "change_scheduled"
    assert world.subscription(subscription.id).schedule is not None
    assert len(world.invoices(cus)) == invoices_before
    # And once the scheduled change is undone, the upgrade's preview is exact, next payment included
    assert world.call("DELETE", "/billing/subscription/scheduled-change")["statusCode"] == 200
    preview = world.preview("pro_yearly")
    assert_adds_up(preview)
    applied = world.change(preview["preview_id"])
    assert applied["json"]["status"] == "applied", applied["body"]
    invoice = world.stripe.v1.invoices.retrieve(applied["json"]["invoice_id"])
    assert int(invoice.amount_due) == preview["amount_due_now"]
    assert preview["next_invoice_amount"] == 29000
