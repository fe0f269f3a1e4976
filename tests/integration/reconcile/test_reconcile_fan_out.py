"""The scheduled reconcile fanned out through SQS (moto, the template's queues and redrive policy): every customer
checked once, the run resumable (E11, E12), a failing customer retried alone and then reported by id (E13)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from billing_core.errors import DependencyUnavailable
from billing_core.store.reconcile_run import FANNED_OUT
from reconcile import app

from tests.helpers import aws as h
from tests.integration.reconcile.fanout_setup import MAX_RECEIVES, FailingQueue, Fanout, build_fanout
from tests.unit.webhook.webhook_harness import subscription


@pytest.fixture
def fanout(aws_env: Any) -> Fanout:
    return build_fanout()


def test_every_customer_is_reconciled_once_in_batches_and_the_run_reports_it(fanout: Fanout) -> None:
    customers = fanout.customers(23)
    planned = fanout.planner(batch_size=5, page_items=7).plan("2026-12-01")
    # batches never span two Scan pages (a page's batches are sent before its cursor is recorded)
    assert (planned.status, planned.customers) == (FANNED_OUT, 23) and planned.batches >= 5
    fanout.drain(fanout.worker())
    report = fanout.runs.report("2026-12-01")
    assert report is not None
    assert (report.complete, report.checked, report.repaired, report.failed, report.retrying) == (True, 23, 23, [], 0)
    assert report.batches_done == planned.batches and report.duration_s >= 0
    assert all(fanout.stripe.reads_of[cus] == 1 for _, cus in customers)
    assert fanout.record("user-007").status == "active"
    # The next day's run repairs only what drifted.
    fanout.stripe.set("cus_user011", subscription(sub_id="sub_user011", customer="cus_user011", status="unpaid"))
    fanout.planner().plan("2026-12-02")
    fanout.drain(fanout.worker())
    second = fanout.runs.report("2026-12-02")
    assert second is not None and (second.checked, second.repaired) == (23, 1)
    assert fanout.record("user-011").status == "unpaid"


def test_a_mapping_not_yet_moved_to_its_account_is_reconciled_as_the_personal_account(fanout: Fanout) -> None:
    """The Scan pages read ``ACCOUNT#`` mappings and the ``USER#<sub>`` ones from before billing accounts; the
    latter are reconciled as ``p_<sub>``, and a queued message from before names the personal account too."""
    fanout.customers(3)
    ddb = boto3.client("dynamodb", region_name=h.REGION)
    ddb.put_item(TableName=h.TABLE_NAME, Item={"pk": {"S": "USER#user-old"}, "sk": {"S": "CUSTOMER"},
                                                "customer_id": {"S": "cus_userold"}})  # fmt: skip
    ddb.put_item(TableName=h.TABLE_NAME, Item={"pk": {"S": "CUSTOMER#cus_userold"}, "sk": {"S": "USER"},
                                                "sub": {"S": "user-old"}})  # fmt: skip
    fanout.stripe.set("cus_userold", subscription(sub_id="sub_userold", customer="cus_userold", status="past_due"))
    planned = fanout.planner(batch_size=2, page_items=3).plan("2026-12-06")
    assert planned.customers == 4
    fanout.drain(fanout.worker())
    report = fanout.runs.report("2026-12-06")
    assert report is not None and report.complete and report.checked == 4
    assert fanout.record("user-old").status == "past_due"
    assert h.get_item("USER#user-old", "ENTITLEMENTS") is None


def test_a_planner_rerun_resumes_from_its_cursor_instead_of_starting_over(fanout: Fanout) -> None:
    """E11: the planner dies after two pages; the rerun sends only what is left."""
    customers = fanout.customers(30)
    dying = fanout.planner(batch_size=5, page_items=7, queue=FailingQueue(fanout.queue, allowed=2))
    with pytest.raises(DependencyUnavailable):
        dying.plan("2026-12-03")
    state = fanout.runs.get("2026-12-03")
    assert state is not None and state.status != FANNED_OUT and state.batches > 0 and state.cursor is not None
    sent_before = state.customers
    resumed = fanout.planner(batch_size=5, page_items=7).plan("2026-12-03")
    assert resumed.customers == 30 and resumed.customers > sent_before
    fanout.drain(fanout.worker())
    report = fanout.runs.report("2026-12-03")
    assert report is not None and report.complete and report.checked == 30
    assert sorted(fanout.stripe.reads_of.values()) == [1] * len(customers)  # nobody checked twice
    # A rerun of a finished run plans nothing and answers the report.
    again = fanout.planner().plan("2026-12-03")
    assert (again.status, again.pages) == (FANNED_OUT, 0)


def test_a_batch_that_fails_midway_is_redelivered_and_counted_once(fanout: Fanout) -> None:
    """E12: the batch's progress write fails once (DynamoDB throttled): SQS redelivers it; duplicates are skipped."""
    fanout.customers(5)
    fanout.planner(batch_size=5, page_items=100).plan("2026-12-04")
    failed_once = {"done": False}

    def fail_first_batch_record(name: str, kwargs: dict[str, Any]) -> bool:
        item = kwargs.get("Item", {})
        if name == "put_item" and item.get("sk", {}).get("S", "").startswith("BATCH#") and not failed_once["done"]:
            failed_once["done"] = True
            return True
        return False

    fanout.ddb.fail_if = fail_first_batch_record
    worker = fanout.worker()
    fanout.drain(worker)
    fanout.ddb.fail_if = None
    report = fanout.runs.report("2026-12-04")
    assert report is not None and report.complete and report.checked == 5 and report.batches_done == 1
    assert failed_once["done"] and all(n == 2 for n in fanout.stripe.reads_of.values())
    # At-least-once delivery: the same batch once more changes nothing.
    duplicate = {"run": "2026-12-04", "batch": 0, "customers": [["user-000", "cus_user000"]]}
    fanout.queue.send([duplicate])
    fanout.drain(worker)
    assert worker.stats.skipped == 1
    assert fanout.runs.report("2026-12-04").checked == 5


def test_a_customer_that_keeps_failing_is_retried_alone_then_dead_lettered_and_reported_by_id(
    fanout: Fanout,
) -> None:
    """E13: one customer's Stripe reads always fail, another's fail twice: the first ends in the dead-letter queue
    and the report with its ids; the second is checked on a retry; the rest of the batch is not held back."""
    fanout.customers(8)
    fanout.stripe.always.add("cus_user003")
    fanout.stripe.times["cus_user005"] = 2
    fanout.planner(batch_size=4).plan("2026-12-05")
    fanout.drain(fanout.worker())
    report = fanout.runs.report("2026-12-05")
    assert report is not None and report.complete
    assert report.checked == 7 and report.retrying == 0
    assert [(f.account_id, f.customer_id, f.error, f.attempts) for f in report.failed] == [
        ("p_user-003", "cus_user003", "dependency_unavailable", MAX_RECEIVES)
    ]
    assert fanout.dead_letters() == [{"run": "2026-12-05", "retry": ["p_user-003", "cus_user003"]}]
    assert fanout.record("user-005").status == "active"
    # The batch was tried once (3 reads of a 429 would be retried in place, a 503 is not), then alone 3 times.
    assert fanout.stripe.reads_of["cus_user003"] == 1 + MAX_RECEIVES


def test_the_scheduled_handler_plans_the_scheduled_day_and_answers_the_report(
    fanout: Fanout, monkeypatch: pytest.MonkeyPatch
) -> None:
    fanout.customers(3)
    planner = fanout.planner()
    summary = app.plan_handler({"scheduled_time": "2026-12-06T03:00:00Z"}, None, planner)
    assert (summary["run_id"], summary["customers"], summary["complete"]) == ("2026-12-06", 3, False)
    fanout.drain(fanout.worker())
    summary = app.plan_handler({"scheduled_time": "2026-12-06T03:00:00Z"}, None, planner)
    assert summary["complete"] is True and summary["checked"] == 3 and summary["failed_count"] == 0
    # A message that is not a reconcile message is reported failed (it ends in the dead-letter queue).
    foreign = {"Records": [{"messageId": "m1", "body": json.dumps({"hello": 1})}]}
    bad = app.worker_handler(foreign, None, fanout.worker())
    assert bad == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
