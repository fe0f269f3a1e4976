"""Reliability rows (docs/reliability.md): A2, A8, B2, B3, B4, B8, B9, D2, D3, D4, D5, D6, D8, E4, E5."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.helpers.aws import get_item
from tests.integration.plan_change.plan_change_setup import DAY, START, World

MUTATIONS = [
    ("POST", "/billing/subscription/change", {"preview_id": "pv_aaaaaaaaaaaaaaaaaaaa"}),
    ("POST", "/billing/subscription/cancel", {"feedback": "too_expensive"}),
    ("POST", "/billing/subscription/retention-offer", {}),
    ("POST", "/billing/subscription/resume", {}),
    ("DELETE", "/billing/subscription/scheduled-change", None),
]


def _audit(sub: str) -> list[dict[str, Any]]:
    from billing_core.audit import AuditLog

    return AuditLog().entries(f"p_{sub}")


def _item_lookup_key(world: World, subscription_id: str) -> str:
    return str(world.subscription(subscription_id)["items"].data[0].price.lookup_key)


def _close_thread_loop() -> None:
    """The handler gives each calling thread an event loop; close it when the thread is done."""
    import asyncio

    asyncio.get_event_loop_policy().get_event_loop().close()


@pytest.fixture
def stripe_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from billing_core.stripe_gateway import StripeGateway

    calls: list[str] = []
    original = StripeGateway.call

    def call(self, operation, fn):
        calls.append(operation)
        return original(self, operation, fn)

    monkeypatch.setattr(StripeGateway, "call", call)
    return calls


# --- A. Identity and ownership -------------------------------------------------------------------------------
def test_a2_foreign_subscription_is_404_on_every_plan_change_route(
    world: World, count_stripe_writes: list[str]
) -> None:
    # Given users A and B, each with a subscription
    _, _, _, _ = world.user_on("pro_monthly", days_in=0)
    user_b = "user-b-0001"
    cus_b = world.customer(user_b)
    sub_b = world.subscribe(cus_b, "pro_monthly")
    # When A names B's subscription on every route
    preview = world.call(
        "POST",
        "/billing/subscription/preview",
        body={"price_lookup_key": "starter_monthly", "subscription_id": sub_b.id},
        key=None,
    )
    responses = [preview]
    for method, path, body in MUTATIONS:
        if method == "DELETE":
            responses.append(world.call(method, path, query={"subscription_id": sub_b.id}))
        else:
            responses.append(world.call(method, path, body={**(body or {}), "subscription_id": sub_b.id}))
    # Then every answer is 404 (or 404 for the unknown preview), nothing is written to Stripe, A is audited
    assert [r["statusCode"] for r in responses] == [404] * len(responses), [r["body"] for r in responses]
    assert count_stripe_writes == []
    denied = [e for e in _audit(world.sub_a) if e["outcome"] == "denied"]
    assert len(denied) >= 5
    assert world.subscription(sub_b.id).cancel_at_period_end is False


def test_a8_change_on_canceled_subscription_is_409(world: World, count_stripe_writes: list[str]) -> None:
    _, _, subscription, _ = world.user_on("pro_monthly", days_in=3)
    world.stripe.v1.subscriptions.cancel(subscription.id)
    preview = world.call(
        "POST", "/billing/subscription/preview", body={"price_lookup_key": "starter_monthly"}, key=None
    )
    cancel = world.call("POST", "/billing/subscription/cancel", body={"feedback": "unused"})
    resume = world.call("POST", "/billing/subscription/resume")
    for response in (preview, cancel, resume):
        assert response["statusCode"] == 409
        assert response["json"]["error"]["code"] == "subscription_canceled"
    assert count_stripe_writes == []


def test_a8_change_on_incomplete_expired_subscription_is_409(world: World, count_stripe_writes: list[str]) -> None:
    # Given a first payment that was never confirmed and expired after 23 hours
    clock = world.clock()
    cus = world.customer(world.sub_a, card=None, clock=clock)
    subscription = world.subscribe(cus, "pro_monthly", payment_behavior="default_incomplete")
    world.advance(clock, START + 2 * DAY)
    assert world.subscription(subscription.id).status == "incomplete_expired"
    preview = world.call(
        "POST", "/billing/subscription/preview", body={"price_lookup_key": "starter_monthly"}, key=None
    )
    assert preview["statusCode"] == 409
    assert preview["json"]["error"]["code"] == "subscription_canceled"
    assert count_stripe_writes == []


# --- B. Bad input ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lookup_key", ["enterprise_monthly", "price_1abc", "starter_monthly_archived"])
def test_b2_price_outside_catalog_is_400_without_stripe_call(
    world: World, stripe_calls: list[str], lookup_key: str
) -> None:
    preview = world.call("POST", "/billing/subscription/preview", body={"price_lookup_key": lookup_key}, key=None)
    subscribe = world.call("POST", "/billing/subscription", body={"price_lookup_key": lookup_key})
    for response in (preview, subscribe):
        assert response["statusCode"] == 400
        assert response["json"]["error"]["code"] == "unknown_price"
    assert stripe_calls == []


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/billing/subscription/preview", {"price_lookup_key": "pro_monthly", "proration_behavior": "none"}),
        ("/billing/subscription/preview", {"price_lookup_key": "pro_monthly", "proration_date": 1}),
        ("/billing/subscription/change", {"preview_id": "pv_aaaaaaaaaaaaaaaaaaaa", "coupon": "FREE"}),
        ("/billing/subscription", {"price_lookup_key": "pro_monthly", "trial_end": 1999999999}),
        ("/billing/subscription", {"price_lookup_key": "pro_monthly", "metadata": {"a": "b"}}),
        ("/billing/subscription", {"price_lookup_key": "pro_monthly", "customer": "cus_123"}),
        ("/billing/subscription/cancel", {"feedback": "other", "prorate": True}),
    ],
)
def test_b3_server_only_fields_are_422(world: World, stripe_calls: list[str], path: str, body: dict[str, Any]) -> None:
    response = world.call("POST", path, body=body)
    assert response["statusCode"] == 422
    assert stripe_calls == []


@pytest.mark.parametrize(
    "body",
    [
        {"feedback": "bored"},
        {"feedback": "other", "comment": "x" * 10_000},
        {"feedback": "other", "comment": "hello\x00world"},
        {"feedback": "other", "comment": "\x1b[31mred"},
    ],
)
def test_b4_cancel_feedback_outside_enum_or_bad_comment_is_422(
    world: World, stripe_calls: list[str], body: dict[str, Any]
) -> None:
    response = world.call("POST", "/billing/subscription/cancel", body=body)
    assert response["statusCode"] == 422
    assert stripe_calls == []


@pytest.mark.parametrize("key", [None, "k" * 256, "bad\x01key", "  "])
def test_b8_bad_idempotency_key_is_400(world: World, stripe_calls: list[str], key: str | None) -> None:
    for method, path, body in MUTATIONS + [("POST", "/billing/subscription", {"price_lookup_key": "pro_monthly"})]:
        response = world.call(method, path, body=body, key=key)
        assert response["statusCode"] == 400, (path, response["body"])
        assert response["json"]["error"]["code"] in {"idempotency_key_missing", "idempotency_key_invalid"}
    assert stripe_calls == []


def test_b9_client_proration_date_is_refused_and_stale_preview_is_409(world: World) -> None:
    _, cus, subscription, clock = world.user_on("starter_monthly", days_in=20)
    preview = world.preview("pro_monthly")
    # A client-made proration date cannot be sent at all
    forged = world.call(
        "POST", "/billing/subscription/change", body={"preview_id": preview["preview_id"], "proration_date": START}
    )
    assert forged["statusCode"] == 422
    # The period rolls over: the stored proration date is no longer in the current period
    world.advance(clock, preview["next_billing_date"] + 3600)
    stale = world.change(preview["preview_id"])
    assert stale["statusCode"] == 409
    assert stale["json"]["error"]["code"] == "preview_stale"
    assert _item_lookup_key(world, subscription.id) == "starter_monthly"


def test_b9_expired_and_unknown_previews_are_refused(world: World) -> None:
    import time

    from billing_core.store.plan_change import PREVIEW_TTL_S, PlanChangeStore
    from plan_change.app import app, plan_changer
    from plan_change.logic import PlanChanger

    world.user_on("starter_monthly", days_in=4)
    preview = world.preview("pro_monthly")
    later = PlanChangeStore(clock=lambda: time.time() + PREVIEW_TTL_S + 1)
    app.dependency_overrides[plan_changer] = lambda: PlanChanger(store=later)
    try:
        expired = world.change(preview["preview_id"])
    finally:
        app.dependency_overrides.clear()
    assert expired["statusCode"] == 409
    assert expired["json"]["error"]["code"] == "preview_expired"
    unknown = world.change("pv_" + "x" * 24)
    assert unknown["statusCode"] == 404


# --- D. Concurrency and idempotency -----------------------------------------------------------------------------
def test_d2_retry_with_same_key_replays_and_updates_once(world: World) -> None:
    _, cus, subscription, _ = world.user_on("starter_monthly", days_in=8)
    preview = world.preview("pro_monthly")
    first = world.change(preview["preview_id"], key="retry-me")
    second = world.change(preview["preview_id"], key="retry-me")
    assert first["statusCode"] == second["statusCode"] == 200
    assert first["json"] == second["json"]
    updates = [i for i in world.invoices(cus) if i.billing_reason == "subscription_update"]
    assert len(updates) == 1


def test_d3_same_key_concurrently_one_runs_other_409(world: World) -> None:
    world.user_on("starter_monthly", days_in=8)
    preview = world.preview("pro_monthly")
    world.emulator.faults.set_latency(600)
    results: list[dict[str, Any]] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        try:
            results.append(world.change(preview["preview_id"], key="same-key-twice"))
        finally:
            _close_thread_loop()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    world.emulator.faults.reset()
    statuses = sorted(r["statusCode"] for r in results)
    assert statuses == [200, 409]
    conflict = next(r for r in results if r["statusCode"] == 409)
    assert conflict["json"]["error"]["code"] in {"request_in_progress", "change_in_progress"}
    assert "retry-after" in conflict["headers"]


def test_d4_same_key_different_target_is_422_without_stripe_write(world: World, count_stripe_writes: list[str]) -> None:
    _, cus, subscription, _ = world.user_on("starter_monthly", days_in=8)
    to_pro = world.preview("pro_monthly")
    to_business = world.preview("business_seat_monthly", quantity=3)
    assert world.change(to_pro["preview_id"], key="k-d4")["statusCode"] == 200
    writes = len(count_stripe_writes)
    again = world.change(to_business["preview_id"], key="k-d4")
    assert again["statusCode"] == 422
    assert again["json"]["error"]["code"] == "idempotency_key_reused"
    assert len(count_stripe_writes) == writes
    assert _item_lookup_key(world, subscription.id) == "pro_monthly"


def test_d5_two_tabs_two_keys_same_upgrade_second_is_409(world: World) -> None:
    _, cus, subscription, _ = world.user_on("starter_monthly", days_in=8)
    tab1 = world.preview("pro_monthly")
    tab2 = world.preview("pro_monthly")
    assert world.change(tab1["preview_id"])["statusCode"] == 200
    second = world.change(tab2["preview_id"])
    assert second["statusCode"] == 409
    assert second["json"]["error"]["code"] == "preview_stale"
    subs = world.stripe.v1.subscriptions.list(params={"customer": cus, "status": "all"}).data
    assert len(subs) == 1
    assert len([i for i in world.invoices(cus) if i.billing_reason == "subscription_update"]) == 1


def test_d5_two_tabs_subscribing_at_once_never_create_two_subscriptions(world: World) -> None:
    world.customer(world.sub_a)
    world.emulator.faults.set_latency(300)
    results: list[dict[str, Any]] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        try:
            results.append(
                world.call("POST", "/billing/subscription", body={"price_lookup_key": "business_seat_monthly"})
            )
        finally:
            _close_thread_loop()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    world.emulator.faults.reset()
    assert sorted(r["statusCode"] for r in results) == [200, 409]
    cus = world.stripe.v1.customers.search(params={"query": f"metadata['user_sub']:'{world.sub_a}'"}).data[0].id
    live = [s for s in world.stripe.v1.subscriptions.list(params={"customer": cus}).data if s.status != "canceled"]
    assert len(live) == 1


def test_d6_crash_after_stripe_success_then_retry_does_not_charge_twice(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from billing_core.audit import AuditLog

    _, cus, subscription, _ = world.user_on("starter_monthly", days_in=8)
    preview = world.preview("pro_monthly")
    original = AuditLog.record
    crashed = {"n": 0}

    def record(self, *args, **kwargs):
        if crashed["n"] == 0:
            crashed["n"] += 1
            raise RuntimeError("function died")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(AuditLog, "record", record)
    first = world.change(preview["preview_id"], key="k-d6")
    assert first["statusCode"] == 500
    assert _item_lookup_key(world, subscription.id) == "pro_monthly"  # Stripe did apply it
    retry = world.change(preview["preview_id"], key="k-d6")
    assert retry["statusCode"] == 200, retry["body"]
    assert retry["json"]["status"] == "applied"
    updates = [i for i in world.invoices(cus) if i.billing_reason == "subscription_update"]
    assert len(updates) == 1 and int(updates[0].amount_paid) == preview["amount_due_now"]


def test_d8_same_key_for_two_users_is_independent(world: World) -> None:
    user_b = "user-b-0002"
    clock_b = world.clock()
    cus_b = world.customer(user_b, clock=clock_b)
    world.subscribe(cus_b, "starter_monthly")
    world.advance(clock_b, START + 6 * DAY)
    world.user_on("starter_monthly", days_in=8)
    preview_a = world.preview("pro_monthly")
    preview_b = world.preview("business_seat_monthly", quantity=3, sub=user_b)
    a = world.change(preview_a["preview_id"], key="shared-key")
    b = world.change(preview_b["preview_id"], key="shared-key", sub=user_b)
    assert a["statusCode"] == b["statusCode"] == 200
    assert a["json"]["after"]["plan_id"] == "pro"
    assert b["json"]["after"]["plan_id"] == "business"


# --- E. Downstream faults ---------------------------------------------------------------------------------------
def _seed_entitlements(world: World, subscription_id: str) -> str:
    from billing_core.catalog.model import get_catalog
    from billing_core.entitlements import EntitlementStore, derive_entitlements

    record = derive_entitlements(world.subscription(subscription_id), get_catalog(), START, version=1)
    EntitlementStore().put_if_newer(f"p_{world.sub_a}", record)
    item = get_item(f"ACCOUNT#p_{world.sub_a}", "ENTITLEMENTS")
    assert item is not None
    return item["record"]["S"]


def test_e4_declined_card_on_upgrade_is_402_plan_unchanged(world: World) -> None:
    _, cus, subscription, _ = world.user_on("starter_monthly", days_in=8)
    world.attach(cus, "pm_card_chargeCustomerFail")
    entitlements = _seed_entitlements(world, subscription.id)
    preview = world.preview("pro_monthly")
    response = world.change(preview["preview_id"])
    assert response["statusCode"] == 402
    assert response["json"]["error"]["code"] == "payment_failed"
    assert "card" not in response["json"]["error"]["message"].lower() or "declin" not in response["body"]
    current = world.subscription(subscription.id)
    assert current["items"].data[0].price.lookup_key == "starter_monthly"
    assert get_item(f"ACCOUNT#p_{world.sub_a}", "ENTITLEMENTS")["record"]["S"] == entitlements
    assert _audit(world.sub_a)[0]["outcome"] == "payment_failed"


def test_e5_3ds_on_upgrade_returns_client_secret_plan_unchanged(world: World) -> None:
    _, cus, subscription, _ = world.user_on("starter_monthly", days_in=8)
    world.attach(cus, "pm_card_authenticationRequired")
    entitlements = _seed_entitlements(world, subscription.id)
    preview = world.preview("pro_monthly")
    response = world.change(preview["preview_id"])
    assert response["statusCode"] == 200, response["body"]
    body = response["json"]
    assert body["status"] == "requires_action"
    assert body["payment"]["status"] == "requires_action"
    assert "_secret_" in body["payment"]["client_secret"]
    assert body["after"]["price_lookup_key"] == "starter_monthly"
    current = world.subscription(subscription.id)
    assert current["items"].data[0].price.lookup_key == "starter_monthly"
    assert current.pending_update is not None
    assert get_item(f"ACCOUNT#p_{world.sub_a}", "ENTITLEMENTS")["record"]["S"] == entitlements
