"""Cancellation-flow steps as Stripe shows them: recorded once per fact, joined to the customer's flow, and
published as billing.retention.* through the ledger (redeliveries write and publish nothing new)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from billing_core.identity import personal_account_id
from billing_core.retention.steps import Flow, RetentionSteps

from tests.helpers import aws as h
from tests.unit.webhook.webhook_harness import Harness, stripe_event, subscription

SUB = "user-rosa"
ACCOUNT = personal_account_id(SUB)
CUS = "cus_rosa"
SUB_ID = "sub_rosa"
CANCEL_AT = 1_900_000_000


@pytest.fixture
def mapped(wh: Harness) -> Harness:
    h.put_mapping(SUB, CUS)
    wh.stripe.set(CUS, subscription(sub_id=SUB_ID, customer=CUS))
    return wh


def steps() -> list[dict[str, Any]]:
    items = boto3.client("dynamodb", region_name=h.REGION).scan(TableName=h.TABLE_NAME)["Items"]
    rows = [{k: next(iter(v.values())) for k, v in i.items()} for i in items if i["pk"]["S"].startswith("RETENTION#")]
    return sorted(rows, key=lambda r: r["sk"])


def canceling(event_type: str = "customer.subscription.updated", **extra: Any) -> dict[str, Any]:
    obj = subscription(sub_id=SUB_ID, customer=CUS, cancel_at_period_end=True)
    obj.update(cancel_at=CANCEL_AT, cancellation_details={"feedback": "too_expensive", "comment": None}, **extra)
    return obj


def retention_events(wh: Harness) -> list[str]:
    return [e.detail_type for e in wh.publisher.events if e.detail_type.startswith("billing.retention.")]


def test_a_cancellation_made_in_the_portal_is_recorded_once_with_stripes_reason(mapped: Harness) -> None:
    """R3: redelivered, then seen again at the period end: one step, one event."""
    event = stripe_event("customer.subscription.updated", canceling())
    assert mapped.deliver(event)["statusCode"] == 200
    assert mapped.deliver(event)["statusCode"] == 200  # redelivered
    # the same cancellation seen again at the period end
    ended = canceling("customer.subscription.deleted", status="canceled", ended_at=CANCEL_AT)
    ended["cancel_at_period_end"] = False
    assert mapped.deliver(stripe_event("customer.subscription.deleted", ended))["statusCode"] == 200
    rows = steps()
    assert [(r["step"], r["reason"], r["flow_id"], r["source"]) for r in rows] == [
        ("cancelled", "too_expensive", f"stripe:{SUB_ID}", "stripe")
    ]
    assert retention_events(mapped) == ["billing.retention.cancelled"]


def test_our_cancel_request_and_stripes_event_count_one_cancellation(mapped: Harness) -> None:
    """R3: the step our request wrote is the one Stripe's event would write: nothing new."""
    store = RetentionSteps()
    flow = Flow("flow_ours", ACCOUNT, SUB_ID, 1_890_000_000, reason="switched_service", offer="x", kind="coupon")
    store.save_flow(flow)
    assert store.record(flow, "cancelled", f"cancelled:{SUB_ID}:{CANCEL_AT}", 1_890_000_000, "api") is not None
    assert mapped.deliver(stripe_event("customer.subscription.updated", canceling()))["statusCode"] == 200
    assert [(r["step"], r["flow_id"], r["source"]) for r in steps()] == [("cancelled", "flow_ours", "api")]
    assert retention_events(mapped) == []


def test_a_pause_after_the_pause_offer_is_the_offer_accepted_then_resumed_and_back(mapped: Harness) -> None:
    store = RetentionSteps()
    store.save_flow(Flow("flow_p", ACCOUNT, SUB_ID, 1_890_000_000, reason="temporary", offer="pause", kind="pause"))
    paused = stripe_event("customer.subscription.paused", subscription(sub_id=SUB_ID, customer=CUS, status="paused"))
    assert mapped.deliver(paused)["statusCode"] == 200
    assert h.get_item(f"ACCOUNT#{ACCOUNT}", "OFFER#pause") is not None  # the pause offer is used, once per customer
    assert store.latest_flow(ACCOUNT).open is False
    resumed = stripe_event("customer.subscription.resumed", subscription(sub_id=SUB_ID, customer=CUS))
    assert mapped.deliver(resumed)["statusCode"] == 200
    assert sorted(r["step"] for r in steps()) == ["accepted", "came_back", "paused", "resumed"]
    assert {(r["flow_id"], r["reason"], r["offer"]) for r in steps()} == {("flow_p", "temporary", "pause")}
    assert sorted(retention_events(mapped)) == [
        "billing.retention.accepted",
        "billing.retention.came_back",
        "billing.retention.paused",
        "billing.retention.resumed",
    ]


def test_a_resume_that_left_the_subscription_unpaid_is_not_a_comeback(mapped: Harness) -> None:
    obj = subscription(sub_id=SUB_ID, customer=CUS, status="past_due")
    assert mapped.deliver(stripe_event("customer.subscription.resumed", obj))["statusCode"] == 200
    assert [r["step"] for r in steps()] == ["resumed"]


def test_r3_a_failed_publish_is_retried_with_the_redelivery_without_a_second_step(mapped: Harness) -> None:
    """R3: EventBridge fails after the step was written: 5xx, then the redelivery publishes the kept event once."""
    mapped.publisher.fail_next = 1
    event = stripe_event("customer.subscription.updated", canceling())
    assert mapped.deliver(event)["statusCode"] == 503
    assert len(steps()) == 1 and retention_events(mapped) == []
    assert mapped.deliver(event)["statusCode"] == 200
    assert len(steps()) == 1 and retention_events(mapped) == ["billing.retention.cancelled"]


def test_subscription_updates_that_do_not_cancel_record_nothing(mapped: Harness) -> None:
    event = stripe_event("customer.subscription.updated", subscription(sub_id=SUB_ID, customer=CUS))
    assert mapped.deliver(event)["statusCode"] == 200
    assert steps() == [] and retention_events(mapped) == []
