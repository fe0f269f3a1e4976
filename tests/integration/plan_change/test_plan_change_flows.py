"""Route flows: scheduled change undo, cancel with survey and retention offer, resume, subscribe."""

from __future__ import annotations

from tests.helpers.aws import get_item
from tests.integration.plan_change.plan_change_setup import DAY, START, World


def test_downgrade_is_scheduled_and_can_be_undone(world: World) -> None:
    _, cus, subscription, _ = world.user_on("pro_monthly", days_in=10)
    preview = world.preview("starter_monthly")
    assert preview["change_kind"] == "downgrade" and preview["amount_due_now"] == 0
    changed = world.change(preview["preview_id"])
    assert changed["json"]["status"] == "scheduled"
    assert world.subscription(subscription.id).schedule is not None
    released = world.call("DELETE", "/billing/subscription/scheduled-change")
    assert released["statusCode"] == 200, released["body"]
    assert released["json"]["plan"]["price_lookup_key"] == "pro_monthly"
    assert world.subscription(subscription.id).schedule is None
    again = world.call("DELETE", "/billing/subscription/scheduled-change")
    assert again["statusCode"] == 404


def test_lateral_change_is_refused_by_the_catalog(world: World) -> None:
    world.user_on("business_seat_monthly", quantity=3, days_in=2)
    response = world.call(
        "POST",
        "/billing/subscription/preview",
        body={"price_lookup_key": "business_seat_monthly", "quantity": 2},
        key=None,
    )
    assert response["statusCode"] == 400
    assert response["json"]["error"]["code"] == "invalid_quantity"


def test_cancel_offers_once_then_accept_then_cancel_and_resume(world: World) -> None:
    _, cus, subscription, _ = world.user_on("pro_monthly", days_in=5)
    # First cancel: the reason's offer (the coupon for a customer switching services), nothing canceled
    first = world.call("POST", "/billing/subscription/cancel", body={"feedback": "switched_service"})
    assert first["statusCode"] == 200, first["body"]
    assert first["json"]["status"] == "offer" and first["json"]["offer"]["percent_off"] == 30
    assert world.subscription(subscription.id).cancel_at_period_end is False
    # Accept: the coupon is on the subscription, its use recorded
    accepted = world.call("POST", "/billing/subscription/retention-offer")
    assert accepted["statusCode"] == 200, accepted["body"]
    discounts = world.subscription(subscription.id).discounts
    assert discounts
    assert get_item(f"ACCOUNT#p_{world.sub_a}", "OFFER#retention_30_off_3_months") is not None
    assert world.call("POST", "/billing/subscription/retention-offer")["statusCode"] == 409
    # Cancel again: no second offer, cancels at period end with the survey
    second = world.call(
        "POST", "/billing/subscription/cancel", body={"feedback": "missing_features", "comment": "  needs SSO  "}
    )
    assert second["statusCode"] == 200, second["body"]
    assert second["json"]["status"] == "canceling"
    canceled = world.subscription(subscription.id)
    assert canceled.cancel_at_period_end is True
    assert canceled.cancellation_details.feedback == "missing_features"
    assert canceled.cancellation_details.comment == "needs SSO"
    # Resume before the period ends
    resumed = world.call("POST", "/billing/subscription/resume")
    assert resumed["statusCode"] == 200, resumed["body"]
    assert world.subscription(subscription.id).cancel_at_period_end is False
    not_canceling = world.call("POST", "/billing/subscription/resume")
    assert not_canceling["statusCode"] == 409
    assert not_canceling["json"]["error"]["code"] == "not_canceling"


def test_decline_offer_cancels_at_period_end(world: World) -> None:
    _, cus, subscription, _ = world.user_on("pro_monthly", days_in=5)
    response = world.call(
        "POST", "/billing/subscription/cancel", body={"feedback": "unused", "comment": "x" * 500, "decline_offer": True}
    )
    assert response["statusCode"] == 200, response["body"]
    assert response["json"]["status"] == "canceling"
    assert world.subscription(subscription.id).cancel_at_period_end is True
    from billing_core.audit import AuditLog

    entry = AuditLog().entries(f"p_{world.sub_a}")[0]
    assert entry["action"] == "subscription.cancel" and entry["outcome"] == "ok"
    assert entry["before"]["plan_id"] == "pro" and entry["after"]["feedback"] == "unused"


def test_resume_after_the_period_ended_is_409(world: World) -> None:
    _, cus, subscription, clock = world.user_on("starter_monthly", days_in=5)
    response = world.call("POST", "/billing/subscription/cancel", body={"feedback": "unused"})
    assert response["json"]["status"] == "canceling"
    world.advance(clock, START + 33 * DAY)
    late = world.call("POST", "/billing/subscription/resume")
    assert late["statusCode"] == 409
    assert late["json"]["error"]["code"] == "subscription_canceled"


def test_subscribe_with_trial_then_409_when_active(world: World) -> None:
    world.customer(world.sub_a)
    first = world.call("POST", "/billing/subscription", body={"price_lookup_key": "pro_monthly"})
    assert first["statusCode"] == 200, first["body"]
    assert first["json"]["status"] == "trialing" and first["json"]["trial_end"]
    second = world.call("POST", "/billing/subscription", body={"price_lookup_key": "starter_monthly"})
    assert second["statusCode"] == 409
    assert second["json"]["error"]["code"] == "subscription_exists"


def test_resubscribe_gets_no_second_trial_and_charges_default_card(world: World) -> None:
    cus = world.customer(world.sub_a)
    old = world.subscribe(cus, "starter_monthly", trial_period_days=14)
    world.stripe.v1.subscriptions.cancel(old.id)
    response = world.call("POST", "/billing/subscription", body={"price_lookup_key": "pro_monthly"})
    assert response["statusCode"] == 200, response["body"]
    assert response["json"]["status"] == "active"
    assert world.subscription(response["json"]["subscription_id"]).status == "active"
    paid = [i for i in world.invoices(cus) if i.status == "paid" and int(i.amount_paid) == 2900]
    assert len(paid) == 1


def test_subscribe_with_3ds_card_returns_client_secret(world: World) -> None:
    world.customer(world.sub_a, card="pm_card_authenticationRequired")
    response = world.call("POST", "/billing/subscription", body={"price_lookup_key": "business_seat_monthly"})
    assert response["statusCode"] == 200, response["body"]
    assert response["json"]["status"] == "requires_action"
    assert "_secret_" in response["json"]["payment"]["client_secret"]


def test_subscribe_without_card_returns_client_secret_for_payment_element(world: World) -> None:
    world.customer(world.sub_a, card=None)
    response = world.call("POST", "/billing/subscription", body={"price_lookup_key": "business_seat_monthly"})
    assert response["statusCode"] == 200, response["body"]
    assert response["json"]["status"] == "requires_payment_method"
    assert response["json"]["payment"]["client_secret"]


def test_subscribe_declined_card_is_402_and_leaves_no_subscription(world: World) -> None:
    cus = world.customer(world.sub_a, card="pm_card_chargeCustomerFail")
    response = world.call("POST", "/billing/subscription", body={"price_lookup_key": "business_seat_monthly"})
    assert response["statusCode"] == 402
    live = [s for s in world.stripe.v1.subscriptions.list(params={"customer": cus}).data if s.status != "canceled"]
    assert live == []


def test_new_user_subscribe_provisions_customer(world: World) -> None:
    response = world.call("POST", "/billing/subscription", body={"price_lookup_key": "starter_monthly"})
    assert response["statusCode"] == 200, response["body"]
    assert response["json"]["status"] == "trialing"
    assert get_item(f"ACCOUNT#p_{world.sub_a}", "CUSTOMER") is not None
