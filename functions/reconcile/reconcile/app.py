"""The scheduled reconciler (daily): ``reconcile.app.handler``.

Runs ``Reconciler.reconcile_all`` until 10 s before the function timeout. Raises when a customer could not be
reconciled or the run did not finish, so the asynchronous invocation is retried and, after the retries,
lands in the dead-letter queue (template: EventInvokeConfig OnFailure -> SQS) where an operator sees it.
"""

from __future__ import annotations

import time
from typing import Any

from billing_core.lambda_context import remaining_seconds
from billing_core.observability import flush_metrics, logger
from billing_core.reconcile import Reconciler

MARGIN_S = 10.0
DEFAULT_TIMEOUT_S = 300.0


class ReconcileFailed(RuntimeError):
    pass


def handler(event: dict[str, Any], context: Any, reconciler: Reconciler | None = None) -> dict[str, Any]:
    deadline = time.monotonic() + max(0.0, remaining_seconds(context, DEFAULT_TIMEOUT_S) - MARGIN_S)
    try:
        report = (reconciler or Reconciler()).reconcile_all(deadline=deadline)
        summary = report.to_dict()
        logger.info(
            "reconcile finished",
            extra={k: summary[k] for k in ("checked", "changed", "errors", "unmapped", "complete")},
        )
    finally:
        flush_metrics()
    if report.errors or not report.complete:
        raise ReconcileFailed(f"reconcile incomplete: {report.errors} errors, complete={report.complete}")
    return {k: v for k, v in summary.items() if k != "entries"}
