"""The reconcile planner: every mapped customer onto the queue in batches, resumable (docs/adr/0009).

One run per UTC day (the run id is the scheduled day, ``2026-11-30``), so the scheduler's retries and a manual
rerun of the same day continue that run instead of starting over. The planner reads the customer directory one
Scan page at a time from the run's stored cursor, sends the page's batches, then records the new cursor and the
batch count (``ReconcileRunStore.advance``). If it dies between sending and recording, the rerun reads the same
page again and sends the same batch numbers; the workers skip batches already done. A run already fanned out is
not planned again: the rerun answers the run's report.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from billing_core.directory import CustomerDirectory
from billing_core.errors import DependencyUnavailable
from billing_core.observability import count, logger
from billing_core.store.reconcile_run import FANNED_OUT, ReconcileRunStore, RunState
from billing_core.work_queue import WorkQueue

#: Items one Scan page reads (DynamoDB also stops a page at 1 MB); mappings are a share of them.
PAGE_ITEMS = 1000


def run_id_for(event: dict[str, Any], now: float) -> str:
    """``run_id`` when given; else the day of the scheduled time (EventBridge Scheduler), else today (UTC)."""
    given = event.get("run_id")
    if isinstance(given, str) and given.strip():
        run_id = given.strip()
        if len(run_id) > 64 or not all(c.isalnum() or c in "-_:." for c in run_id):
            raise ValueError("run_id: up to 64 letters, digits, '-', '_', ':' or '.'")
        return run_id
    scheduled = event.get("scheduled_time")
    if isinstance(scheduled, str) and len(scheduled) >= 10 and scheduled[:4].isdigit():
        return scheduled[:10]
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d")


@dataclass
class PlanResult:
    run_id: str
    status: str
    batches: int
    customers: int
    pages: int


class Planner:
    def __init__(
        self,
        runs: ReconcileRunStore,
        directory: CustomerDirectory,
        queue: WorkQueue,
        *,
        batch_size: int,
        page_items: int = PAGE_ITEMS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.runs = runs
        self.directory = directory
        self.queue = queue
        self.batch_size = batch_size
        self.page_items = page_items
        self.clock = clock

    def plan(self, run_id: str, deadline: float | None = None) -> PlanResult:
        """Send the run's remaining batches. Raises ``DependencyUnavailable`` at ``deadline`` (the retry resumes)."""
        state = self.runs.start(run_id)
        pages = 0
        while state.status != FANNED_OUT:
            if deadline is not None and self.clock() >= deadline:
                count("ReconcilePlannerDeadline")
                raise DependencyUnavailable(retry_after=60, operation="reconcile.plan", reason="deadline")
            state = self._page(state)
            pages += 1
        logger.info("reconcile run fanned out", extra={"run_id": run_id, "batches": state.batches})
        return PlanResult(run_id, state.status, state.batches, state.customers, pages)

    def _page(self, state: RunState) -> RunState:
        mappings, following = self.directory.mapped_page(state.cursor, self.page_items)
        bodies = []
        number = state.batches
        for start in range(0, len(mappings), self.batch_size):
            chunk = mappings[start : start + self.batch_size]
            bodies.append({"run": state.run_id, "batch": number, "customers": [list(m) for m in chunk]})
            number += 1
        self.queue.send(bodies)
        finished = following is None
        customers = state.customers + len(mappings)
        if not self.runs.advance(state, batches=number, customers=customers, cursor=following, finished=finished):
            count("ReconcilePlannerOvertaken")
            logger.warning("another planner moved the run on; continuing from its progress")
        fresh = self.runs.get(state.run_id)
        assert fresh is not None
        return fresh
