"""Pause reliability (H6): the same key twice, a change previewed before a pause, the automatic resume racing
"Resume now", and a resumption invoice whose payment fails."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from billing_core.pause import PauseResumer
from billing_read.app import handler as read_handler
from resume_pauses.app import handler as resume_handler

from admin.migrate_billing_mode import main as migrate_main
from tests.helpers.apigw import LambdaContext, http_event, invoke
from tests.integration.plan_change.plan_change_setup import DAY, START, World

NOW = START + 10 * DAY + 3600


def pause(world: World, key: str | bool = True, **body: Any) -> dict[str, Any]:
    return world.call("POST", "/billing/subscription/pause", body=body or {"periods": 1}, key=key)


def credit_invoices(world: World, cus: str) -> list[Any]:
    return [inv for inv in world.invoices(cus) if inv.total < 0]


def test_h6_pause_twice_with_one_key_pauses_once_and_answers_the_same(world: World) -> None:
    _, cus, subscription, _ = world.user_on("pro_monthly", days_in=10)
    first = pause(world, key="pause-key-1")
    second = pause(world, key="pause-key-1")
    assert first["statusCode"] == second["statusCode"] == 200
    assert first["json"] == second["json"]
    assert len(credit_invoices(world, cus)) == 1
    other = pause(world, key="pause-key-2")
    assert other["statusCode"] == 409 and other["json"]["error"]["code"] == "already_paused"
    assert len(credit_invoices(world, cus)) == 1


def test_h6_a_plan_change_previewed_before_a_pause_is_refused_after_it(world: World) -> None:
    _, cus, subscription, _ = world.user_on("starter_monthly", days_in=10)
    preview = world.preview("pro_monthly")
    assert pause(world)["statusCode"] == 200
    late = world.change(preview["preview_id"])
    assert late["statusCode"] == 409
    assert late["json"]["error"]["code"] == "subscription_not_changeable"
    stripe_sub = world.subscription(subscription.id)
    assert stripe_sub.status == "paused" and stripe_sub["items"].data[0].price.lookup_key == "starter_monthly"


def test_h6_resume_now_after_the_automatic_resume_is_a_clear_conflict(world: World) -> None:
    _, cus, subscription, clock = world.user_on("pro_monthly", days_in=10)
    resumes = pause(world)["json"]["resumes_at"]
    world.advance(clock, resumes + 60)
    summary = resume_handler({}, LambdaContext(timeout_s=300))
    assert summary["resumed"] == 1
    late = world.call("POST", "/billing/subscription/resume")
    assert late["statusCode"] == 409 and late["json"]["error"]["code"] == "not_canceling"
    paid = [inv for inv in world.invoices(cus) if inv.billing_reason == "subscription_update" and inv.total > 0]
    assert len(paid) == 1


def test_h6_the_automatic_resume_after_resume_now_does_nothing(world: World) -> None:
    _, cus, subscription, clock = world.user_on("pro_monthly", days_in=10)
    resumes = pause(world)["json"]["resumes_at"]
    world.advance(clock, resumes - DAY)
    assert world.call("POST", "/billing/subscription/resume")["statusCode"] == 200
    world.advance(clock, resumes + 60)
    report = PauseResumer().run()
    assert report.resumed == 0 and report.errors == 0
    charged = [inv for inv in world.invoices(cus) if inv.billing_reason == "subscription_update" and inv.total > 0]
    assert len(charged) == 1


def test_h8_a_failed_resumption_payment_leaves_it_paused_with_one_open_invoice(world: World) -> None:
    _, cus, subscription, clock = world.user_on("pro_monthly", days_in=10)
    resumes = pause(world)["json"]["resumes_at"]
    world.attach(cus, "pm_card_chargeCustomerFail")  # the card now on file declines every charge
    world.advance(clock, resumes + 60)
    first = PauseResumer().run()
    assert first.waiting_for_payment == 1 and first.resumed == 0 and first.errors == 0
    assert world.subscription(subscription.id).status == "paused"
    again = PauseResumer().run()
    assert again.waiting_for_payment == 1
    open_invoices = [inv for inv in world.invoices(cus) if inv.status == "open"]
    assert len(open_invoices) == 1
    by_user = world.call("POST", "/billing/subscription/resume")
    assert by_user["statusCode"] == 409 and by_user["json"]["error"]["code"] == "resume_pending"
    preview = world.call("POST", "/billing/subscription/resume/preview", key=None)
    assert preview["statusCode"] == 409
    shown = invoke(read_handler, http_event("GET", "/billing", sub=world.sub_a))
    assert shown["statusCode"] == 200, shown["body"]
    view = shown["json"]["subscriptions"][0]
    assert view["status"] == "paused" and shown["json"]["entitlements"]["features"] == ["projects"]


def test_h8_resume_now_with_a_declining_card_is_402_and_stays_paused(world: World) -> None:
    _, cus, subscription, clock = world.user_on("pro_monthly", days_in=10)
    assert pause(world)["statusCode"] == 200
    world.attach(cus, "pm_card_chargeCustomerFail")
    failed = world.call("POST", "/billing/subscription/resume")
    assert failed["statusCode"] == 402, failed["body"]
    assert world.subscription(subscription.id).status == "paused"


def test_migrate_billing_mode_dry_run_lists_then_apply_migrates_once(world: World, capsys: Any) -> None:
    _, cus, subscription, _ = world.user_on("pro_monthly", days_in=2, billing_mode={"type": "classic"})
    assert migrate_main([]) == 0
    assert subscription.id in capsys.readouterr().out
    assert world.subscription(subscription.id).billing_mode.type == "classic"
    assert migrate_main(["--apply"]) == 0
    assert world.subscription(subscription.id).billing_mode.type == "flexible"
    assert migrate_main(["--apply"]) == 0
    out = capsys.readouterr().out
    assert '"migrated": []' in out
    assert pause(world)["statusCode"] == 200


def _close_thread_loop() -> None:
    """The handler gives each calling thread an event loop; close it when the thread is done."""
    try:
        asyncio.get_event_loop_policy().get_event_loop().close()
    except RuntimeError:
        pass  # this thread never called the handler


def _together(*calls: Any) -> list[Any]:
    """Run the calls at the same moment on threads; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Any) -> None:
        barrier.wait()
        try:
            results[i] = call()
        finally:
            _close_thread_loop()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_h6_pause_racing_a_plan_change_leaves_one_consistent_state(world: World) -> None:
    _, cus, subscription, _ = world.user_on("starter_monthly", days_in=10)
    preview = world.preview("pro_monthly")
    paused, changed = _together(lambda: pause(world), lambda: world.change(preview["preview_id"]))
    assert {paused["statusCode"], changed["statusCode"]} <= {200, 409}, (paused["body"], changed["body"])
    assert 200 in (paused["statusCode"], changed["statusCode"])
    final = world.subscription(subscription.id)
    price = final["items"].data[0].price.lookup_key
    assert price == ("pro_monthly" if changed["statusCode"] == 200 else "starter_monthly")
    assert final.status == ("paused" if paused["statusCode"] == 200 else "active")
    assert [inv.id for inv in world.invoices(cus) if inv.status == "open"] == []


def test_h6_resume_now_racing_the_automatic_resume_bills_once(world: World) -> None:
    _, cus, subscription, clock = world.user_on("pro_monthly", days_in=10)
    resumes = pause(world)["json"]["resumes_at"]
    world.advance(clock, resumes + 60)
    report, by_user = _together(
        lambda: PauseResumer().run(), lambda: world.call("POST", "/billing/subscription/resume")
    )
    assert report.errors == 0
    assert by_user["statusCode"] in (200, 409), by_user["body"]
    assert (report.resumed == 1) != (by_user["statusCode"] == 200)
    assert world.subscription(subscription.id).status == "active"
    charged = [inv for inv in world.invoices(cus) if inv.billing_reason == "subscription_update" and inv.total > 0]
    assert len(charged) == 1 and charged[0].status == "paid"
