"""The reconcile functions, one handler (``reconcile.app.handler``) for both: an SQS event (``Records``) goes to the
worker (``ReconcileWorkerFunction``, the queue's consumer), anything else to the planner (``ReconcileFunction``,
daily from EventBridge Scheduler). See docs/adr/0009.

The planner fans every mapped customer out onto the queue in batches (``planner.Planner``) and answers the run's
report; it fails (and is retried by the asynchronous invocation, then dead-lettered) only when it could not
finish putting the batches on the queue, and a retry resumes where it stopped. The worker reconciles the batches
(``worker.Worker``) within its share of Stripe's rate limit and answers SQS's partial batch response.
"""

from __future__ import annotations

import time
from typing import Any

from billing_core.directory import CustomerDirectory
from billing_core.entitlement_sync import EntitlementSync, StripeBillingStateReader
from billing_core.lambda_context import remaining_seconds
from billing_core.observability import flush_metrics, logger
from billing_core.rate_budget import RateBudget
from billing_core.reconcile import Reconciler
from billing_core.settings import get_settings
from billing_core.store.reconcile_run import ReconcileRunStore
from billing_core.stripe_gateway import StripeGateway
from billing_core.work_queue import WorkQueue

from reconcile.planner import Planner, run_id_for
from reconcile.worker import Worker

MARGIN_S = 10.0
DEFAULT_TIMEOUT_S = 300.0


def build_planner() -> Planner:
    settings = get_settings()
    return Planner(ReconcileRunStore(), CustomerDirectory(), WorkQueue(), batch_size=settings.reconcile_batch_size)


def build_worker() -> Worker:
    """A worker whose Stripe calls are paced to this instance's share of the reconcile budget."""
    settings = get_settings()
    budget = RateBudget.share(settings.reconcile_stripe_rate, settings.reconcile_concurrency)
    sync = EntitlementSync(reader=StripeBillingStateReader(StripeGateway(budget=budget)))
    return Worker(Reconciler(sync=sync), ReconcileRunStore(), WorkQueue(), max_receives=settings.reconcile_max_receives)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda entry point of both reconcile functions."""
    if isinstance(event, dict) and isinstance(event.get("Records"), list):
        return worker_handler(event, context)
    return plan_handler(event, context)


def plan_handler(event: dict[str, Any], context: Any, planner: Planner | None = None) -> dict[str, Any]:
    """Plan today's run (or ``event["run_id"]``) and answer its report so far."""
    deadline = time.monotonic() + max(0.0, remaining_seconds(context, DEFAULT_TIMEOUT_S) - MARGIN_S)
    planner = planner or build_planner()
    try:
        result = planner.plan(run_id_for(event or {}, time.time()), deadline)
        report = planner.runs.report(result.run_id)
        summary = report.to_dict() if report is not None else {}
        logger.info("reconcile run", extra={k: v for k, v in summary.items() if k != "failed"})
        return summary
    finally:
        flush_metrics()


_worker: Worker | None = None


def worker_handler(event: dict[str, Any], context: Any, worker: Worker | None = None) -> dict[str, Any]:
    """SQS batch: reconcile each message; answer the failed ones (``ReportBatchItemFailures``)."""
    global _worker
    if worker is None:
        _worker = _worker or build_worker()
        worker = _worker
    try:
        return worker.handle(event)
    finally:
        flush_metrics()
