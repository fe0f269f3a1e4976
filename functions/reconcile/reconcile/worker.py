"""The reconcile worker: one SQS message is one batch of customers, or one customer retried alone.

Lambda's SQS event source calls it with at most ``MaximumConcurrency`` invocations at once (template), and each
invocation paces its Stripe calls to ``RECONCILE_STRIPE_RATE / RECONCILE_CONCURRENCY`` per second, so the workers
together never take more than the configured share of Stripe's limit.

* A batch already recorded (a redelivery) is skipped. Otherwise every customer is reconciled
  (``Reconciler.reconcile_customer``, a 429 retried in place); each one that still failed goes back on the queue
  as a message of its own, then the batch is recorded with its counts. A crash before that record makes SQS
  redeliver the whole batch: re-deriving is harmless, and nothing was counted yet.
* A customer retried alone: success is recorded ``ok``; a failure is reported to SQS (``batchItemFailures``), which
  redelivers after the visibility timeout; on the queue's last receive (``RECONCILE_MAX_RECEIVES``, the redrive
  policy's ``maxReceiveCount``) the failure is recorded with the customer's ids and error, and SQS moves the
  message to the dead-letter queue.
* A message that is not one of ours is reported failed (it ends in the dead-letter queue for an operator).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from billing_core.errors import BillingError
from billing_core.identity import ACCOUNT_ID, personal_account_id
from billing_core.observability import count, logger
from billing_core.reconcile import ReconcileEntry, Reconciler
from billing_core.store.reconcile_run import ReconcileRunStore
from billing_core.work_queue import WorkQueue


class BadMessage(ValueError):
    pass


@dataclass
class WorkerStats:
    batches: int = 0
    skipped: int = 0
    checked: int = 0
    repaired: int = 0
    retried: int = 0
    failed: list[str] = field(default_factory=list)


def _customer(value: Any) -> tuple[str, str]:
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, str) and 0 < len(v) <= 255 for v in value)
        and value[1].startswith("cus_")
    ):
        # A message from before billing accounts names the user: their personal account.
        owner = value[0] if ACCOUNT_ID.match(value[0]) else personal_account_id(value[0])
        return owner, value[1]
    raise BadMessage("customer must be [account id, cus_id]")


class Worker:
    def __init__(self, reconciler: Reconciler, runs: ReconcileRunStore, queue: WorkQueue, *, max_receives: int) -> None:
        self.reconciler = reconciler
        self.runs = runs
        self.queue = queue
        self.max_receives = max_receives
        self.stats = WorkerStats()

    def handle(self, event: dict[str, Any]) -> dict[str, Any]:
        """An SQS event: the partial batch response (the failed messages' ids)."""
        failures = []
        for record in event.get("Records", []):
            try:
                self.message(json.loads(record.get("body") or ""), _receives(record))
            except (BillingError, BadMessage, ValueError) as err:
                count("ReconcileMessageFailed")
                logger.warning("reconcile message failed", extra={"error": getattr(err, "code", type(err).__name__)})
                failures.append({"itemIdentifier": record.get("messageId", "")})
        return {"batchItemFailures": failures}

    def message(self, body: Any, receives: int) -> None:
        if not isinstance(body, dict) or not isinstance(body.get("run"), str):
            raise BadMessage("not a reconcile message")
        if "retry" in body:
            self._retry(body["run"], _customer(body["retry"]), receives)
        elif isinstance(body.get("batch"), int) and isinstance(body.get("customers"), list):
            self._batch(body["run"], body["batch"], [_customer(c) for c in body["customers"]])
        else:
            raise BadMessage("not a reconcile message")

    def _batch(self, run_id: str, number: int, customers: list[tuple[str, str]]) -> None:
        if self.runs.batch_done(run_id, number):
            self.stats.skipped += 1
            return
        entries = [self.reconciler.reconcile_customer(account_id, cus) for account_id, cus in customers]
        failed = [e for e in entries if e.error is not None]
        self.queue.send([{"run": run_id, "retry": [e.account_id, e.customer_id]} for e in failed])
        checked = len(entries) - len(failed)
        repaired = sum(1 for e in entries if e.changed)
        if self.runs.record_batch(run_id, number, checked=checked, repaired=repaired, retried=len(failed)):
            self.stats.batches += 1
            self.stats.checked += checked
            self.stats.repaired += repaired
            self.stats.retried += len(failed)
        else:
            self.stats.skipped += 1

    def _retry(self, run_id: str, customer: tuple[str, str], receives: int) -> None:
        account_id, customer_id = customer
        entry: ReconcileEntry = self.reconciler.reconcile_customer(account_id, customer_id)
        if entry.error is None:
            self.runs.record_retry(
                run_id, account_id, customer_id, ok=True, repaired=entry.changed, error="", attempts=receives
            )
            self.stats.checked += 1
            self.stats.repaired += int(entry.changed)
            return
        if receives >= self.max_receives:
            count("ReconcileCustomerFailed")
            logger.error(
                "reconcile gave up on a customer",
                extra={
                    "run_id": run_id,
                    "account_id": account_id,
                    "customer_id": customer_id,
                    "error_code": entry.error,
                },
            )
            self.runs.record_retry(
                run_id, account_id, customer_id, ok=False, repaired=False, error=entry.error, attempts=receives
            )
            self.stats.failed.append(account_id)
        raise CustomerFailed(code=entry.error, customer_id=customer_id)


class CustomerFailed(BillingError):
    """A customer retried alone failed again: SQS redelivers it, or dead-letters it after the last receive."""

    status = 503
    code = "reconcile_customer_failed"


def _receives(record: dict[str, Any]) -> int:
    raw = (record.get("attributes") or {}).get("ApproximateReceiveCount", "1")
    try:
        return max(1, int(raw))
    except (TypeError, ValueError):
        return 1
