"""H4: GET /billing right after each plan_change mutation shows the new state, with no webhook delivered.

Each test first stores the record the webhook would have written *before* the mutation (so GET /billing serves
the stored record, not one derived on the fly), then mutates through the route and reads GET /billing at once.
"""

from __future__ import annotations

from typing import Any

import pytest
from billing_core.catalog.model import get_catalog
from billing_core.entitlement_sync import EntitlementSync
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from tests.helpers.apigw import http_event, invoke
from tests.integration.plan_change.plan_change_setup import World


@pytest.fixture
def read_billing(world: World) -> Any:
    from billing_read.app import handler
    from billing_read.logic import reset_caches

    reset_caches()

    def read(sub: str | None = None) -> dict[str, Any]:
        response = invoke(handler, http_event("GET", "/billing", sub=sub or world.sub_a))
        assert response["statusCode"] == 200, response["body"]
        return response["json"]

    return read


def webhook_state(sub: str, cus: str) -> None:
    """What the webhook stored for the state before the mutation."""
    EntitlementSync().sync(f"p_{sub}", cus, reason="customer.subscription.updated")


def features(plan_id: str) -> list[str]:
    return list(next(p for p in get_catalog().plans if p.id == plan_id).features)


def test_h4_upgrade_shows_the_new_plan_and_features_right_away(world: World, read_billing: Any) -> None:
    sub, cus, _, _ = world.user_on("starter_monthly", days_in=5)
    webhook_state(sub, cus)
    assert read_billing()["entitlements"]["plan"] == "starter"
    preview = world.preview("pro_monthly")
    assert preview["timing"] == "immediate"
    changed = world.change(preview["preview_id"])
    assert changed["statusCode"] == 200, changed["body"]
    ent = read_billing()["entitlements"]
    assert ent["source"] == "stored"
    assert (ent["plan"], ent["status"], ent["entitled"]) == ("pro", "active", True)
    assert ent["features"] == features("pro") != features("starter")


def test_h4_seat_change_shows_the_new_seat_count_right_away(world: World, read_billing: Any) -> None:
    sub, cus, _, _ = world.user_on("business_seat_monthly", quantity=3, days_in=5)
    webhook_state(sub, cus)
    assert read_billing()["entitlements"]["limits"]["seats"] == 3
    changed = world.change(world.preview("business_seat_monthly", quantity=7)["preview_id"])
    assert changed["statusCode"] == 200, changed["body"]
    overview = read_billing()
    assert overview["entitlements"]["limits"]["seats"] == 7
    assert overview["subscriptions"][0]["quantity"] == 7


def test_h4_cancel_retention_offer_and_resume_each_show_at_once(world: World, read_billing: Any) -> None:
    sub, cus, _, _ = world.user_on("pro_monthly", days_in=5)
    webhook_state(sub, cus)
    canceled = world.call(
        "POST", "/billing/subscription/cancel", body={"feedback": "too_expensive", "decline_offer": True}
    )
    assert canceled["json"]["status"] == "canceling", canceled["body"]
    assert read_billing()["entitlements"]["cancel_at_period_end"] is True

    resumed = world.call("POST", "/billing/subscription/resume")
    assert resumed["statusCode"] == 200, resumed["body"]
    assert read_billing()["entitlements"]["cancel_at_period_end"] is False

    world.call("POST", "/billing/subscription/cancel", body={"feedback": "unused", "decline_offer": True})
    assert read_billing()["entitlements"]["cancel_at_period_end"] is True
    accepted = world.call("POST", "/billing/subscription/retention-offer")
    assert accepted["statusCode"] == 200, accepted["body"]
    ent = read_billing()["entitlements"]
    assert ent["cancel_at_period_end"] is False and ent["plan"] == "pro" and ent["entitled"] is True


def test_h4_subscribe_shows_the_trial_right_away(world: World, read_billing: Any) -> None:
    cus = world.customer(world.sub_a)
    webhook_state(world.sub_a, cus)
    assert read_billing()["entitlements"]["status"] == "none"
    created = world.call("POST", "/billing/subscription", body={"price_lookup_key": "pro_monthly"})
    assert created["json"]["status"] == "trialing", created["body"]
    ent = read_billing()["entitlements"]
    assert (ent["source"], ent["plan"], ent["status"], ent["entitled"]) == ("stored", "pro", "trialing", True)


def test_releasing_a_scheduled_change_keeps_the_record_and_the_overview_in_step(
    world: World, read_billing: Any
) -> None:
    sub, cus, _, _ = world.user_on("pro_monthly", days_in=5)
    webhook_state(sub, cus)
    scheduled = world.change(world.preview("starter_monthly")["preview_id"])
    assert scheduled["json"]["status"] == "scheduled", scheduled["body"]
    overview = read_billing()
    assert overview["subscriptions"][0]["scheduled_change"]["plan_id"] == "starter"
    assert overview["entitlements"]["plan"] == "pro"
    released = world.call("DELETE", "/billing/subscription/scheduled-change")
    assert released["statusCode"] == 200, released["body"]
    overview = read_billing()
    assert overview["subscriptions"][0]["scheduled_change"] is None
    assert overview["entitlements"]["plan"] == "pro"


def test_h4_a_dynamodb_fault_in_the_refresh_keeps_the_successful_change_and_the_webhook_catches_up(
    world: World, read_billing: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sub, cus, subscription, _ = world.user_on("starter_monthly", days_in=5)
    webhook_state(sub, cus)
    preview = world.preview("pro_monthly")
    original = BaseClient._make_api_call  # type: ignore[attr-defined]  # botocore's private dispatch, wrapped to fail one call

    def faulty(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "PutItem" and params.get("Item", {}).get("sk", {}).get("S") == "ENTITLEMENTS":
            error = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}
            raise ClientError(error, operation)  # type: ignore[arg-type]
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", faulty)
    capsys.readouterr()
    changed = world.change(preview["preview_id"])
    assert changed["statusCode"] == 200, changed["body"]
    assert changed["json"]["status"] == "applied"
    assert "EntitlementRefreshFailed" in capsys.readouterr().out
    assert world.subscription(subscription.id)["items"]["data"][0]["price"]["lookup_key"] == "pro_monthly"
    assert read_billing()["entitlements"]["plan"] == "starter"  # stale until the webhook

    monkeypatch.setattr(BaseClient, "_make_api_call", original)
    webhook_state(sub, cus)  # the webhook's sync for the change's event
    assert read_billing()["entitlements"]["plan"] == "pro"


def test_a_replayed_answer_is_not_synced_again(
    world: World, read_billing: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sub, cus, _, _ = world.user_on("pro_monthly", days_in=5)
    webhook_state(sub, cus)
    syncs: list[str] = []
    original = EntitlementSync.sync

    def counted(self: EntitlementSync, *args: Any, **kwargs: Any) -> Any:
        syncs.append(kwargs["reason"])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(EntitlementSync, "sync", counted)
    body = {"feedback": "unused", "decline_offer": True}
    first = world.call("POST", "/billing/subscription/cancel", body=body, key="cancel-once")
    again = world.call("POST", "/billing/subscription/cancel", body=body, key="cancel-once")
    assert first["json"] == again["json"] and first["json"]["status"] == "canceling"
    assert syncs == ["subscription.cancel"]
    assert read_billing()["entitlements"]["cancel_at_period_end"] is True
