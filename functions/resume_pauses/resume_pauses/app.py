"""The scheduled automatic resume (hourly): ``resume_pauses.app.handler``.

Runs ``billing_core.pause.PauseResumer`` until 10 s before the function timeout: every paused subscription whose
``pause_resumes_at`` has passed is resumed (idempotently; see that module). Raises when a resume failed or the run
did not finish, so the asynchronous invocation is retried and then dead-lettered (template: EventInvokeConfig).
A resumption whose payment failed is not an error: it stays paused and Stripe retries its invoice.
"""

from __future__ import annotations

import time
from typing import Any

from billing_core.lambda_context import remaining_seconds
from billing_core.observability import flush_metrics, logger
from billing_core.pause import PauseResumer

MARGIN_S = 10.0
DEFAULT_TIMEOUT_S = 300.0


class ResumeDueFailed(RuntimeError):
    pass


def handler(event: dict[str, Any], context: Any, resumer: PauseResumer | None = None) -> dict[str, Any]:
    deadline = time.monotonic() + max(0.0, remaining_seconds(context, DEFAULT_TIMEOUT_S) - MARGIN_S)
    try:
        report = (resumer or PauseResumer()).run(deadline=deadline)
        summary = report.to_dict()
        logger.info("resume due pauses finished", extra=summary)
    finally:
        flush_metrics()
    if report.errors or not report.complete:
        raise ResumeDueFailed(f"resume due pauses incomplete: {report.errors} errors, complete={report.complete}")
    return summary
