"""E14: the reconcile workers against the emulator's rate-limit mode. The limiter, the workers' rate budget and
their waits share one scripted clock, so a second of Stripe's budget passes without a second of test time."""

from __future__ import annotations

from typing import Any

import pytest
from billing_core.directory import CustomerDirectory
from billing_core.entitlement_sync import EntitlementSync, StripeBillingStateReader
from billing_core.entitlements import EntitlementStore
from billing_core.rate_budget import RateBudget
from billing_core.reconcile import Reconciler
from billing_core.stripe_client import build_stripe_client
from billing_core.stripe_gateway import StripeGateway
from reconcile.worker import Worker

from tests.helpers import aws as h
from tests.integration.reconcile.fanout_setup import MAX_RECEIVES, Fanout, build_fanout

CUSTOMERS = 12
#: Stripe's per-endpoint limit, scaled down so a dozen customers meet it (each customer: one customers.retrieve
#: and one subscriptions.list, two endpoints).
ENDPOINT_PER_S = 4


class ScriptedClock:
    """Time that passes only when someone waits (the budget's sleep)."""

    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


@pytest.fixture
def emulated(stripe_env: Any, stripe_emulator: Any, stripe_client: Any) -> Fanout:
    fanout = build_fanout()
    for n in range(CUSTOMERS):
        customer = stripe_client.v1.customers.create({"metadata": {"user_sub": f"user-{n:03d}"}})
        h.put_mapping(f"user-{n:03d}", customer.id)
    return fanout


def _worker(fanout: Fanout, stripe_emulator: Any, rate: float, clock: ScriptedClock) -> tuple[Worker, RateBudget]:
    budget = RateBudget(rate, clock=clock, sleep=clock.sleep)
    client = build_stripe_client(stripe_emulator.secret_key, stripe_emulator.api_base)
    sync = EntitlementSync(
        reader=StripeBillingStateReader(StripeGateway(client=client, budget=budget)),
        store=EntitlementStore(h.TABLE_NAME, fanout.ddb),
        grace_period_days=7,
    )
    reconciler = Reconciler(
        sync=sync, directory=CustomerDirectory(h.TABLE_NAME, fanout.ddb), publisher=fanout.publisher
    )
    return Worker(reconciler, fanout.runs, fanout.queue, max_receives=MAX_RECEIVES), budget


def _limit(stripe_emulator: Any, clock: ScriptedClock) -> None:
    stripe_emulator.rate_limits.configure({"mode": "live", "endpoint_per_s": ENDPOINT_PER_S})
    stripe_emulator.rate_limits.clock = clock


def test_e14_a_429_storm_slows_the_workers_down_and_every_customer_is_still_checked(
    emulated: Fanout, stripe_emulator: Any
) -> None:
    clock = ScriptedClock()
    worker, budget = _worker(emulated, stripe_emulator, rate=50, clock=clock)  # far above Stripe's 4/s
    emulated.planner(batch_size=CUSTOMERS, page_items=100).plan("storm")
    _limit(stripe_emulator, clock)
    emulated.drain(worker, concurrency=1)
    refused = stripe_emulator.rate_limits.state()["refused"]
    report = emulated.runs.report("storm")
    assert refused.get("endpoint-rate", 0) > 0  # the storm happened
    assert report is not None and report.complete and report.failed == [] and report.checked == CUSTOMERS
    assert budget.waited_s >= 1.0  # each 429 held the worker back a second


def test_e14_a_budget_within_stripes_limit_meets_no_429(emulated: Fanout, stripe_emulator: Any) -> None:
    clock = ScriptedClock()
    worker, _ = _worker(emulated, stripe_emulator, rate=ENDPOINT_PER_S, clock=clock)  # two endpoints share it
    emulated.planner(batch_size=CUSTOMERS, page_items=100).plan("calm")
    _limit(stripe_emulator, clock)
    emulated.drain(worker, concurrency=1)
    report = emulated.runs.report("calm")
    assert stripe_emulator.rate_limits.state()["refused"] == {}
    assert report is not None and report.complete and report.checked == CUSTOMERS
    # 24 calls at 4 a second, the first second's burst free: about five seconds of Stripe time
    assert 4.0 <= clock.now - 5000.0 <= 6.0
