"""Durable progress of one reconcile run: ``RECONCILE#<run id>`` items in the billing table.

* ``RUN``: started when the planner first sees the run id, then the Scan cursor and the number of batches sent,
  moved forward after each page of the directory is on the queue (a conditional update on the previous count, so
  two planners never both advance). A planner that dies resumes from the stored cursor; the batches of a page it
  sent but did not record are sent again under the same numbers, and the worker skips those already done.
* ``BATCH#<n>``: written once, conditionally, when batch ``n`` has been reconciled, with its counts. A redelivered
  batch (SQS is at least once) finds it and does nothing: the counts are never added twice.
* ``RETRY#<account id>``: a billing account's customer that failed in its batch and was retried alone: ``ok``
  when a retry worked, ``failed`` (error code, attempts) after the queue's last receive, when the message goes to
  the dead-letter queue.

:meth:`ReconcileRunStore.report` adds it up: checked, repaired, failed (with ids), still retrying, duration.
Items expire after 30 days (TTL).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from billing_core.store.base import ConditionFailed, DynamoDBClient, TableStore
from billing_core.store.keys import (
    BATCH_PREFIX,
    RETRY_PREFIX,
    RUN_SK,
    TTL_ATTRIBUTE,
    batch_sk,
    key,
    reconcile_pk,
    retry_sk,
)

PLANNING = "planning"
FANNED_OUT = "fanned_out"
TTL_S = 30 * 24 * 3600


@dataclass(frozen=True)
class RunState:
    run_id: str
    status: str
    started_at: float
    batches: int
    customers: int
    cursor: dict[str, Any] | None


@dataclass
class FailedCustomer:
    account_id: str
    customer_id: str
    error: str
    attempts: int


@dataclass
class RunReport:
    run_id: str
    status: str
    customers: int = 0
    """Customers sent to the queue so far."""
    batches: int = 0
    batches_done: int = 0
    checked: int = 0
    repaired: int = 0
    retrying: int = 0
    """Customers that failed in their batch and are still being retried alone."""
    failed: list[FailedCustomer] = field(default_factory=list)
    duration_s: float = 0.0
    complete: bool = False

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["failed_count"] = len(self.failed)
        return out


def _n(item: dict[str, Any], name: str) -> float:
    return float(item.get(name, {}).get("N", "0"))


class ReconcileRunStore(TableStore):
    def __init__(
        self,
        table_name: str | None = None,
        dynamodb: DynamoDBClient | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(table_name, dynamodb, clock)

    # -- the run ---------------------------------------------------------------------------------------
    def start(self, run_id: str) -> RunState:
        """The run's state, creating it (``planning``, nothing sent) on first sight."""
        now = self.clock()
        try:
            self._put(
                {
                    **key(reconcile_pk(run_id), RUN_SK),
                    "status": {"S": PLANNING},
                    "started_at": {"N": f"{now:.3f}"},
                    "batches": {"N": "0"},
                    "customers": {"N": "0"},
                    TTL_ATTRIBUTE: {"N": str(int(now) + TTL_S)},
                },
                "reconcile.start",
                condition="attribute_not_exists(pk)",
            )
        except ConditionFailed:
            pass
        state = self.get(run_id)
        assert state is not None  # written above or by an earlier planner
        return state

    def get(self, run_id: str) -> RunState | None:
        item = self._get(reconcile_pk(run_id), RUN_SK, "reconcile.read")
        if item is None:
            return None
        cursor = item.get("cursor", {}).get("S")
        return RunState(
            run_id=run_id,
            status=item.get("status", {}).get("S", PLANNING),
            started_at=_n(item, "started_at"),
            batches=int(_n(item, "batches")),
            customers=int(_n(item, "customers")),
            cursor=json.loads(cursor) if cursor else None,
        )

    def advance(
        self, state: RunState, *, batches: int, customers: int, cursor: dict[str, Any] | None, finished: bool
    ) -> bool:
        """Record one more page on the queue; False when another planner moved the run on first."""
        # every name aliased: CURSOR and others are DynamoDB reserved words
        expression = "SET #b = :b, #c = :c, #s = :s" + (", #cur = :cur" if cursor else " REMOVE #cur")
        values: dict[str, Any] = {
            ":b": {"N": str(batches)},
            ":c": {"N": str(customers)},
            ":s": {"S": FANNED_OUT if finished else PLANNING},
            ":prev": {"N": str(state.batches)},
        }
        if cursor:
            values[":cur"] = {"S": json.dumps(cursor, sort_keys=True)}
        try:
            self._update(
                reconcile_pk(state.run_id),
                RUN_SK,
                expression,
                "reconcile.advance",
                condition="#b = :prev",
                names={"#s": "status", "#b": "batches", "#c": "customers", "#cur": "cursor"},
                values=values,
            )
        except ConditionFailed:
            return False
        return True

    # -- batches and customers -----------------------------------------------------------------------------
    def batch_done(self, run_id: str, number: int) -> bool:
        return self._get(reconcile_pk(run_id), batch_sk(number), "reconcile.batch_read") is not None

    def record_batch(self, run_id: str, number: int, *, checked: int, repaired: int, retried: int) -> bool:
        """Batch ``number`` is reconciled (once: False when a redelivery already recorded it)."""
        now = self.clock()
        try:
            self._put(
                {
                    **key(reconcile_pk(run_id), batch_sk(number)),
                    "checked": {"N": str(checked)},
                    "repaired": {"N": str(repaired)},
                    "retried": {"N": str(retried)},
                    "done_at": {"N": f"{now:.3f}"},
                    TTL_ATTRIBUTE: {"N": str(int(now) + TTL_S)},
                },
                "reconcile.batch_done",
                condition="attribute_not_exists(pk)",
            )
        except ConditionFailed:
            return False
        return True

    def record_retry(
        self, run_id: str, account_id: str, customer_id: str, *, ok: bool, repaired: bool, error: str, attempts: int
    ) -> None:
        """The outcome of a customer retried alone (``ok`` wins over an earlier ``failed``: the last word)."""
        now = self.clock()
        self._put(
            {
                **key(reconcile_pk(run_id), retry_sk(account_id)),
                "customer_id": {"S": customer_id},
                "outcome": {"S": "ok" if ok else "failed"},
                "repaired": {"BOOL": repaired},
                "error": {"S": error[:100]},
                "attempts": {"N": str(attempts)},
                "done_at": {"N": f"{now:.3f}"},
                TTL_ATTRIBUTE: {"N": str(int(now) + TTL_S)},
            },
            "reconcile.retry_done",
        )

    # -- the report ----------------------------------------------------------------------------------------
    def report(self, run_id: str) -> RunReport | None:
        state = self.get(run_id)
        if state is None:
            return None
        report = RunReport(run_id, state.status, customers=state.customers, batches=state.batches)
        retried = 0
        last = state.started_at
        pk = reconcile_pk(run_id)
        for item in self._query_all(pk, BATCH_PREFIX, "reconcile.report"):
            report.batches_done += 1
            report.checked += int(_n(item, "checked"))
            report.repaired += int(_n(item, "repaired"))
            retried += int(_n(item, "retried"))
            last = max(last, _n(item, "done_at"))
        resolved = 0
        for item in self._query_all(pk, RETRY_PREFIX, "reconcile.report"):
            resolved += 1
            last = max(last, _n(item, "done_at"))
            if item.get("outcome", {}).get("S") == "ok":
                report.checked += 1
                report.repaired += int(item.get("repaired", {}).get("BOOL", False))
                continue
            report.failed.append(
                FailedCustomer(
                    account_id=item["sk"]["S"].removeprefix(RETRY_PREFIX),
                    customer_id=item.get("customer_id", {}).get("S", ""),
                    error=item.get("error", {}).get("S", ""),
                    attempts=int(_n(item, "attempts")),
                )
            )
        report.retrying = max(0, retried - resolved)
        report.complete = state.status == FANNED_OUT and report.batches_done >= state.batches and report.retrying == 0
        report.duration_s = round((last if report.complete else self.clock()) - state.started_at, 3)
        return report
