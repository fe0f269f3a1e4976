"""The cancellation flow: the reason picks the offer (pause, cheaper plan with its exact preview, coupon, none),
the offer is taken once per customer, and every step is recorded for the retention report."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from billing_core.identity import personal_account_id
from billing_core.retention_offer import RetentionOfferStore

from tests.helpers import aws as h
from tests.integration.plan_change.plan_change_setup import World, assert_adds_up
from tests.unit.webhook.webhook_harness import RecordingPublisher


def steps_of(sub: str) -> list[dict[str, Any]]:
    """The steps recorded for ``sub``'s personal billing account."""
    items = boto3.client("dynamodb", region_name=h.REGION).scan(TableName=h.TABLE_NAME)["Items"]
    rows = [
        {k: next(iter(v.values())) for k, v in item.items()}
        for item in items
        if item["pk"]["S"].startswith("RETENTION#") and item["account_id"]["S"] == personal_account_id(sub)
    ]
    return sorted(rows, key=lambda r: (int(r["at"]), r["sk"]))


@pytest.fixture
def published() -> Iterator[RecordingPublisher]:
    from plan_change.app import app, plan_changer
    from plan_change.logic import PlanChanger

    publisher = RecordingPublisher()
    app.dependency_overrides[plan_changer] = lambda: PlanChanger(_publisher=publisher)
    yield publisher
    app.dependency_overrides.clear()


def cancel(world: World, reason: str, **extra: Any) -> dict[str, Any]:
    return world.call("POST", "/billing/subscription/cancel", body={"feedback": reason, **extra})


def test_too_expensive_offers_a_pause_and_declining_it_cancels_one_recorded_flow(
    world: World, published: RecordingPublisher
) -> None:
    _, _, subscription, _ = world.user_on("pro_monthly", days_in=5)
    first = cancel(world, "too_expensive", comment="budget cut")
    assert first["statusCode"] == 200, first["body"]
    assert first["json"]["status"] == "offer"
    offer = first["json"]["offer"]
    assert (offer["id"], offer["kind"], offer["periods"], offer["preview"]) == ("pause", "pause", [1, 2, 3], None)
    assert world.subscription(subscription.id).cancel_at_period_end is False
    declined = cancel(world, "too_expensive", decline_offer=True)
    assert declined["statusCode"] == 200, declined["body"]
    assert declined["json"]["status"] == "canceling"
    assert world.subscription(subscription.id).cancellation_details.feedback == "too_expensive"
    steps = steps_of(world.sub_a)
    assert sorted(s["step"] for s in steps) == ["cancelled", "declined", "shown", "started"]
    assert {s["flow_id"] for s in steps} == {steps[0]["flow_id"]}
    assert {(s["reason"], s["offer"], s["kind"]) for s in steps} == {("too_expensive", "pause", "pause")}
    assert next(s for s in steps if s["step"] == "started")["comment"] == "budget cut"
    types = sorted(e.detail_type for e in published.events)
    assert types == sorted(f"billing.retention.{s}" for s in ("started", "shown", "declined", "cancelled"))
    assert all("comment" not in e.detail for e in published.events)


def test_the_cheaper_plan_offer_shows_its_exact_preview_and_is_taken_once(world: World) -> None:
    """H1 for the offer's preview; R1: a replay answers the same, another key is refused."""
    _, _, subscription, _ = world.user_on("pro_monthly", days_in=5)
    RetentionOfferStore().record_from_event(
        personal_account_id(world.sub_a), "pause", subscription.id, "pause", "evt_earlier_pause"
    )
    shown = cancel(world, "too_expensive")
    assert shown["statusCode"] == 200, shown["body"]
    offer = shown["json"]["offer"]
    assert offer["kind"] == "cheaper_plan" and offer["description"] == "Starter"
    preview = offer["preview"]
    assert preview["target"]["price_lookup_key"] == "starter_monthly" and preview["timing"] == "period_end"
    assert_adds_up(preview)
    assert preview["next_invoice_amount"] == 900
    body = {"offer_id": "cheaper_plan", "preview_id": preview["preview_id"]}
    accepted = world.call("POST", "/billing/subscription/retention-offer", body=body, key="k-accept-cheaper")
    assert accepted["statusCode"] == 200, accepted["body"]
    assert accepted["json"]["status"] == "scheduled"
    assert accepted["json"]["change"]["after"]["price_lookup_key"] == "starter_monthly"
    assert world.subscription(subscription.id).schedule is not None
    replay = world.call("POST", "/billing/subscription/retention-offer", body=body, key="k-accept-cheaper")
    assert replay["statusCode"] == 200 and replay["json"] == accepted["json"]
    again = world.call("POST", "/billing/subscription/retention-offer", body=body)
    assert again["statusCode"] == 409
    assert h.get_item(f"ACCOUNT#p_{world.sub_a}", "OFFER#cheaper_plan") is not None
    assert sorted(s["step"] for s in steps_of(world.sub_a)) == ["accepted", "shown", "started"]


def test_a_reason_without_an_offer_cancels_at_once_keeping_the_free_text(world: World) -> None:
    _, _, subscription, _ = world.user_on("pro_monthly", days_in=5)
    response = cancel(world, "missing_features", comment="needs SSO")
    assert response["statusCode"] == 200, response["body"]
    assert response["json"]["status"] == "canceling"
    details = world.subscription(subscription.id).cancellation_details
    assert (details.feedback, details.comment) == ("missing_features", "needs SSO")
    steps = steps_of(world.sub_a)
    assert sorted(s["step"] for s in steps) == ["cancelled", "started"]
    assert all(s.get("offer") is None for s in steps)


def test_temporary_is_sent_to_stripe_as_unused(world: World) -> None:
    _, _, subscription, _ = world.user_on("pro_monthly", days_in=5)
    assert cancel(world, "temporary")["json"]["offer"]["kind"] == "pause"
    assert cancel(world, "temporary", decline_offer=True)["json"]["status"] == "canceling"
    assert world.subscription(subscription.id).cancellation_details.feedback == "unused"


def test_pause_offer_is_taken_through_the_pause_route_not_here(world: World) -> None:
    """R5: the pause offer on the offer route is a clear 409."""
    world.user_on("pro_monthly", days_in=5)
    response = world.call("POST", "/billing/subscription/retention-offer", body={"offer_id": "pause"})
    assert response["statusCode"] == 409
    assert response["json"]["error"]["code"] == "pause_offer"


def test_r5_bad_reasons_and_offers_are_refused_and_write_nothing(world: World) -> None:
    """R5: a reason outside the list (422), an unknown offer (404), the cheaper plan without its preview (400)."""
    _, _, subscription, _ = world.user_on("pro_monthly", days_in=5)
    assert cancel(world, "bored")["statusCode"] == 422
    unknown = world.call("POST", "/billing/subscription/retention-offer", body={"offer_id": "free_forever"})
    assert unknown["statusCode"] == 404 and unknown["json"]["error"]["code"] == "offer_not_found"
    response = world.call("POST", "/billing/subscription/retention-offer", body={"offer_id": "cheaper_plan"})
    assert response["statusCode"] == 400
    assert response["json"]["error"]["code"] == "preview_required"
    assert steps_of(world.sub_a) == []
    current = world.subscription(subscription.id)
    assert not current.discounts and current.schedule is None and current.cancel_at_period_end is False


class BrokenSteps:
    """The steps table fails on every call (DynamoDB throttled or down)."""

    def __getattr__(self, name: str) -> Any:
        from billing_core.errors import DependencyUnavailable

        def fail(*args: Any, **kwargs: Any) -> Any:
            raise DependencyUnavailable(operation=f"retention.{name}")

        return fail


def test_r4_a_step_that_cannot_be_recorded_never_fails_the_cancellation(world: World) -> None:
    """R4: recording is best effort: the cancellation answers and applies even while the steps table fails."""
    from plan_change.app import app, plan_changer
    from plan_change.logic import PlanChanger

    _, _, subscription, _ = world.user_on("pro_monthly", days_in=5)
    app.dependency_overrides[plan_changer] = lambda: PlanChanger(retention=BrokenSteps())  # type: ignore[arg-type]
    try:
        shown = cancel(world, "switched_service")
        assert shown["statusCode"] == 200 and shown["json"]["offer"]["kind"] == "coupon"
        canceled = cancel(world, "switched_service", decline_offer=True)
    finally:
        app.dependency_overrides.clear()
    assert canceled["statusCode"] == 200 and canceled["json"]["status"] == "canceling"
    assert world.subscription(subscription.id).cancel_at_period_end is True


def test_r1_offer_accepted_twice_at_once_applies_once(world: World) -> None:
    """R1: two accepts of the same offer with different keys at the same time: one applies, one is refused."""
    _, _, subscription, _ = world.user_on("pro_monthly", days_in=5)
    shown = cancel(world, "switched_service")
    assert shown["json"]["offer"]["kind"] == "coupon"
    world.emulator.faults.set_latency(300)
    results: list[dict[str, Any]] = []
    barrier = threading.Barrier(2)

    def accept() -> None:
        barrier.wait()
        try:
            results.append(world.call("POST", "/billing/subscription/retention-offer", body={}))
        finally:
            asyncio.get_event_loop_policy().get_event_loop().close()  # the handler's loop for this thread

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    world.emulator.faults.reset()
    assert sorted(r["statusCode"] for r in results) == [200, 409], [r["body"] for r in results]
    refused = next(r for r in results if r["statusCode"] == 409)
    assert refused["json"]["error"]["code"] in {"offer_already_used", "change_in_progress"}
    assert len(world.subscription(subscription.id).discounts) == 1
    assert [s["step"] for s in steps_of(world.sub_a)].count("accepted") == 1


def test_r2_offer_shown_then_subscription_changed_is_refused_and_not_used(world: World) -> None:
    """R2: the cheaper plan was shown, then the plan changed elsewhere: the stale preview is refused (409) and
    the offer stays unused."""
    _, _, subscription, _ = world.user_on("pro_monthly", days_in=5)
    RetentionOfferStore().record_from_event(
        personal_account_id(world.sub_a), "pause", subscription.id, "pause", "evt_earlier_pause"
    )
    preview = cancel(world, "too_expensive")["json"]["offer"]["preview"]
    item = subscription["items"]["data"][0]
    world.stripe.v1.subscriptions.update(
        subscription.id,
        params={"items": [{"id": item.id, "price": world.prices["pro_yearly"]}], "proration_behavior": "none"},
    )
    body = {"offer_id": "cheaper_plan", "preview_id": preview["preview_id"]}
    refused = world.call("POST", "/billing/subscription/retention-offer", body=body)
    assert refused["statusCode"] == 409, refused["body"]
    assert refused["json"]["error"]["code"] in {"offer_not_available", "preview_stale"}
    assert h.get_item(f"ACCOUNT#p_{world.sub_a}", "OFFER#cheaper_plan") is None
    assert world.subscription(subscription.id).schedule is None


def test_a_cancel_retried_after_stripe_refused_it_continues_the_same_flow(world: World) -> None:
    """E3 on the cancel: Stripe's 429 answers 503; the retry with the same key cancels and completes the flow."""
    _, _, subscription, _ = world.user_on("pro_monthly", days_in=5)
    assert cancel(world, "too_expensive")["json"]["status"] == "offer"
    world.emulator.faults.queue("429", times=1, method="POST", path=r"^/v1/subscriptions/sub_[^/]+$")
    body = {"feedback": "too_expensive", "decline_offer": True}
    refused = world.call("POST", "/billing/subscription/cancel", body=body, key="k-cancel-retry")
    assert refused["statusCode"] == 503, refused["body"]
    assert world.subscription(subscription.id).cancel_at_period_end is False
    retried = world.call("POST", "/billing/subscription/cancel", body=body, key="k-cancel-retry")
    assert retried["statusCode"] == 200 and retried["json"]["status"] == "canceling"
    steps = steps_of(world.sub_a)
    assert sorted(s["step"] for s in steps) == ["cancelled", "declined", "shown", "started"]
    assert len({s["flow_id"] for s in steps}) == 1
