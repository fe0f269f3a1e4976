"""Webhook ``customer.subscription.paused`` / ``.resumed``: entitlements while paused follow the catalog (H7)."""

from __future__ import annotations

from typing import Any

import pytest
from billing_core.catalog.model import get_catalog
from billing_core.entitlement_sync import BillingState, derive_record
from billing_core.pause import pause_metadata

from tests.helpers import aws as h
from tests.unit.webhook.webhook_harness import Harness, stripe_event, subscription

SUB = "user-bob"
CUS = "cus_bob"
PAUSED_AT = 1_800_000_000
RESUMES = PAUSED_AT + 30 * 86400


@pytest.fixture
def mapped(wh: Harness) -> Harness:
    h.put_mapping(SUB, CUS)
    return wh


def paused_sub(lookup_key: str = "pro_monthly", *, dated: bool = True) -> dict[str, Any]:
    sub = subscription(customer=CUS, status="paused", lookup_key=lookup_key)
    sub["status_details"] = {
        "paused": {"type": "subscription", "subscription": {"type": "pause_requested"}, "transitioned_at": PAUSED_AT}
    }
    sub["metadata"] = pause_metadata(PAUSED_AT, RESUMES) if dated else {}
    return sub


def event(kind: str, obj: dict[str, Any], created: int) -> dict[str, Any]:
    return stripe_event(f"customer.subscription.{kind}", obj, created=created)


def test_paused_keeps_the_catalogs_read_only_set_and_the_resume_date() -> None:
    record = derive_record(
        BillingState(CUS, subscriptions=(paused_sub(),)), get_catalog(), 1, grace_period_days=7, version=1
    )
    assert (record.status, record.entitled, record.paused) == ("paused", False, True)
    assert record.features == ["projects"] and record.limits == {} and record.resumes_at == RESUMES


def test_paused_plan_with_entitlements_none_keeps_nothing_and_a_stale_date_is_ignored() -> None:
    starter = derive_record(
        BillingState(CUS, subscriptions=(paused_sub("starter_monthly"),)),
        get_catalog(),
        1,
        grace_period_days=7,
        version=1,
    )
    assert starter.features == [] and starter.paused
    stale = paused_sub()
    stale["metadata"] = pause_metadata(PAUSED_AT - 86400, RESUMES)  # the date of an earlier pause
    record = derive_record(BillingState(CUS, subscriptions=(stale,)), get_catalog(), 1, grace_period_days=7, version=1)
    assert record.paused and record.resumes_at is None


def test_h7_resumed_delivered_before_paused_ends_with_stripes_current_state(mapped: Harness) -> None:
    mapped.stripe.set(CUS, subscription(customer=CUS, status="active"))
    assert mapped.deliver(event("resumed", subscription(customer=CUS), created=2000))["statusCode"] == 200
    assert mapped.deliver(event("paused", paused_sub(), created=1000))["statusCode"] == 200
    record = mapped.record(SUB)
    assert record is not None and record.status == "active" and record.entitled and not record.paused
    assert "priority_support" in record.features


def test_h7_paused_delivered_twice_and_after_resumed_ends_paused_when_stripe_says_paused(mapped: Harness) -> None:
    mapped.stripe.set(CUS, paused_sub())
    paused = event("paused", paused_sub(), created=3000)
    outcomes = [mapped.deliver(paused)["json"]["outcome"] for _ in range(2)]
    assert outcomes == ["changed", "duplicate"]
    assert mapped.deliver(event("resumed", subscription(customer=CUS), created=2000))["statusCode"] == 200
    record = mapped.record(SUB)
    assert record is not None and record.paused and not record.entitled
    assert record.features == ["projects"] and record.resumes_at == RESUMES
