"""Scale: the reconcile's customers per second within its Stripe budget, and a renewal storm (docs/scale.md).

* `reconcile`: `BENCH_SCALE_SMALL` (1,000) and `BENCH_SCALE_LARGE` (10,000) customers on the in-process Stripe
  emulator in live rate-limit mode, reconciled by the real worker (`reconcile.worker.Worker`, batches of the
  default size) whose gateway paces its calls to `ReconcileStripeRate` (the template's default). The budget's
  waits run on a scripted clock, so `stripe_s` is the Stripe time the run needs at that rate and `cpu_s` the
  measured work of one worker; 10,000 / 100,000 / 1,000,000 customers are extrapolated from the two runs (a
  straight line through them) with `ReconcileConcurrency` workers sharing the budget.
* `storm`: `BENCH_STORM_SUBSCRIPTIONS` (1,000) subscriptions renewing at once on one test clock, delivered into the
  template's reserved concurrency and webhook budget under Stripe's live limits (tests/integration/webhook/storm.py);
  the drain in emulated seconds (the limits run on a clock 10x faster than real time) beside the floor the budget
  alone sets; user page loads in real milliseconds, before the storm (normal) and during it.
`BENCH_SCALE_ONLY=reconcile|storm` runs one part.
The machine's load average is in every row: these figures compare runs on the same machine, not absolute speed.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import time
from pathlib import Path
from typing import Any

from bench.webhook import _paths

ROOT = Path(__file__).resolve().parents[1]
SMALL = int(os.environ.get("BENCH_SCALE_SMALL", "1000"))
LARGE = int(os.environ.get("BENCH_SCALE_LARGE", "10000"))
STORM = int(os.environ.get("BENCH_STORM_SUBSCRIPTIONS", "1000"))
#: "reconcile" or "storm" runs only that part.
ONLY = os.environ.get("BENCH_SCALE_ONLY", "")


def _default(name: str) -> float:
    from local.stack.template import Template

    return float(Template().doc["Parameters"][name]["Default"])


def run() -> list[dict[str, Any]]:
    with contextlib.redirect_stdout(io.StringIO()):  # metrics lines of tens of thousands of calls
        return _run()


def _run() -> list[dict[str, Any]]:
    _paths("reconcile")
    logging.disable(logging.WARNING)
    from billing_core.observability import logger
    from stripe_emulator.server import EmulatorServer

    logger.setLevel("WARNING")
    server = EmulatorServer(0).start()
    rows: list[dict[str, Any]] = []
    try:
        rate = _default("ReconcileStripeRate")
        workers = int(_default("ReconcileConcurrency"))
        if ONLY != "storm":
            measured = []
            for customers in (SMALL, LARGE):
                server.reset()
                row = _reconcile(server, customers, rate)
                measured.append(row)
                rows.append(row)
            rows += _extrapolate(measured, rate, workers)
        if ONLY != "reconcile":
            server.reset()
            rows.append(_storm(server))
    finally:
        server.stop()
        logging.disable(logging.NOTSET)
    return rows


class _ScriptedClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


def _reconcile(server: Any, customers: int, rate: float) -> dict[str, Any]:
    import stripe
    from billing_core.entitlement_sync import EntitlementSync, StripeBillingStateReader
    from billing_core.entitlements import EntitlementStore
    from billing_core.rate_budget import RateBudget
    from billing_core.reconcile import Reconciler
    from billing_core.store.reconcile_run import ReconcileRunStore
    from billing_core.stripe_gateway import StripeGateway
    from billing_core.work_queue import WorkQueue
    from reconcile.worker import Worker
    from stripe_emulator.in_process import InProcessHTTPClient

    from tests.integration.webhook.memory_dynamodb import MemoryDynamoDB

    client = stripe.StripeClient(
        server.secret_key, http_client=InProcessHTTPClient(server), base_addresses={"api": server.api_base}
    )
    ids = [client.v1.customers.create({"metadata": {"user_sub": f"bench-{n}"}}).id for n in range(customers)]
    clock = _ScriptedClock()
    server.rate_limits.configure({"mode": "live"})
    server.rate_limits.clock = clock
    budget = RateBudget(rate, clock=clock, sleep=clock.sleep)
    ddb = MemoryDynamoDB()
    sync = EntitlementSync(
        reader=StripeBillingStateReader(StripeGateway(client=client, budget=budget)),
        store=EntitlementStore("bench-billing", ddb),
        grace_period_days=7,
    )
    retries: list[Any] = []

    class ListQueue(WorkQueue):
        def send(self, bodies: Any) -> int:
            retries.extend(bodies)
            return len(bodies)

    worker = Worker(
        Reconciler(sync=sync, publisher=_NullPublisher()),
        ReconcileRunStore("bench-billing", ddb),
        ListQueue("bench-queue"),
        max_receives=3,
    )
    size = 50
    started = time.perf_counter()
    for number, start in enumerate(range(0, customers, size)):
        chunk = [[f"bench-{n}", ids[n]] for n in range(start, min(customers, start + size))]
        worker.message({"run": "bench", "batch": number, "customers": chunk}, 1)
    cpu_s = time.perf_counter() - started
    refused = sum(server.rate_limits.state()["refused"].values())
    server.rate_limits.reset()
    return {
        "case": f"reconcile {customers:,}",
        "customers": customers,
        "rate_budget_per_s": rate,
        "stripe_calls": budget.taken,
        "stripe_s": round(clock.now, 1),
        "cpu_s": round(cpu_s, 1),
        "customers_per_s": round(customers / max(clock.now, 1e-9), 2),
        "checked": worker.stats.checked,
        "retried_alone": len(retries),
        "stripe_429s": refused,
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }


def _extrapolate(measured: list[dict[str, Any]], rate: float, workers: int) -> list[dict[str, Any]]:
    (n1, s1, c1), (n2, s2, c2) = ((m["customers"], m["stripe_s"], m["cpu_s"]) for m in measured)
    rows = []
    for target in (10_000, 100_000, 1_000_000):
        stripe_s = s1 + (s2 - s1) * (target - n1) / max(1, n2 - n1)
        cpu_s = (c1 + (c2 - c1) * (target - n1) / max(1, n2 - n1)) / workers
        hours = max(stripe_s, cpu_s) / 3600
        rows.append(
            {
                "case": f"reconcile {target:,} (extrapolated)",
                "customers": target,
                "rate_budget_per_s": rate,
                "workers": workers,
                "stripe_s": round(stripe_s),
                "cpu_s": round(cpu_s),
                "window_h": round(hours, 2),
                "load_avg_1m": round(os.getloadavg()[0], 2),
            }
        )
    return rows


def _storm(server: Any) -> dict[str, Any]:
    from tests.integration.webhook.storm import Storm

    reserved = int(_default("WebhookReservedConcurrency"))
    rate = _default("WebhookStripeRate")
    result = Storm(server, STORM, reserved=reserved, webhook_rate=rate).run()
    return {
        "case": f"renewal storm {STORM:,}",
        "subscriptions": STORM,
        "reserved_concurrency": reserved,
        "webhook_rate_per_s": rate,
        "events": result.events,
        "relevant_events": result.relevant_events,
        "deliveries": result.deliveries,
        "throttled": result.throttled,
        "drain_s": round(result.drain_s, 1),
        "budget_floor_s": round(result.budget_floor_s, 1),
        "stripe_calls_per_relevant": round(result.calls_per_relevant_event, 3),
        "ddb_writes_per_relevant": round(result.writes_per_relevant_event, 3),
        "lost": result.lost,
        "doubled": result.doubled,
        "mismatches": result.mismatches,
        "stripe_429s": sum(result.refused_by_stripe.values()),
        "user_loads": result.user_requests,
        "user_failures": result.user_failures,
        "user_normal_p50_ms": round(result.percentile(0.5, baseline=True), 1),
        "user_normal_p95_ms": round(result.percentile(0.95, baseline=True), 1),
        "user_p50_ms": round(result.percentile(0.5), 1),
        "user_p95_ms": round(result.percentile(0.95), 1),
        "real_s": round(result.real_s, 1),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }


class _NullPublisher:
    def publish(self, events: Any) -> None:
        return None


if __name__ == "__main__":
    for row in run():
        print(row)
