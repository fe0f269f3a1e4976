"""The per-process share of Stripe's rate limit (billing_core.rate_budget) and the gateway's use of it."""

from __future__ import annotations

from typing import Any

import pytest
import stripe
from billing_core.errors import DependencyThrottled
from billing_core.rate_budget import BudgetExhausted, RateBudget
from billing_core.stripe_gateway import StripeGateway


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_burst_of_one_second_is_free_then_calls_are_spaced_at_the_rate() -> None:
    clock = Clock()
    budget = RateBudget(5, clock=clock, sleep=clock.sleep)
    waits = [budget.take() for _ in range(8)]
    assert waits[:5] == [0.0] * 5
    assert waits[5:] == pytest.approx([0.2, 0.2, 0.2])
    assert clock.now == pytest.approx(100.6)


def test_each_process_takes_its_share_of_the_paths_budget() -> None:
    assert RateBudget.share(20, 4).rate == 5
    assert RateBudget.share(50, 10).rate == 5
    assert RateBudget.share(1, 1000).rate == 0.1  # never zero: at least one call in ten seconds


def test_a_share_may_start_with_a_small_burst_then_keeps_its_rate() -> None:
    clock = Clock()
    budget = RateBudget.share(12, 10, burst=2, clock=clock, sleep=clock.sleep)  # 1.2 a second, 2 at once
    assert [budget.take(), budget.take()] == [0.0, 0.0]
    assert budget.take() == pytest.approx(1 / 1.2)
    assert RateBudget.share(50, 2, burst=2).capacity == 25  # never below one second's worth


def test_a_wait_longer_than_allowed_is_a_retryable_503_and_spends_nothing() -> None:
    clock = Clock()  # five callers at the same instant: nobody's wait has passed yet
    budget = RateBudget(2, max_wait_s=1.0, clock=clock, sleep=lambda seconds: None)
    assert [budget.take() for _ in range(4)] == [0.0, 0.0, 0.5, 1.0]
    with pytest.raises(BudgetExhausted) as refused:
        budget.take()
    assert refused.value.status == 503 and refused.value.headers()["Retry-After"] == "2"
    assert budget.taken == 4


def test_a_429_holds_the_whole_process_back_for_a_second() -> None:
    clock = Clock()
    budget = RateBudget(10, clock=clock, sleep=clock.sleep)

    class Throttling:
        class v1:  # noqa: N801 - mirrors StripeClient.v1
            class customers:  # noqa: N801
                @staticmethod
                def retrieve(customer_id: str) -> Any:
                    raise stripe.RateLimitError("Too many requests", http_status=429, code="rate_limit")

    gateway = StripeGateway(client=Throttling(), budget=budget)  # type: ignore[arg-type]
    with pytest.raises(DependencyThrottled):
        gateway.call("customers.retrieve", lambda c: c.v1.customers.retrieve("cus_1"))
    assert budget.take() == pytest.approx(1.1)  # a second of penalty, plus this call's own slot
