"""A per-second budget of Stripe calls for one process (a token bucket that waits instead of failing).

Stripe limits every account to 100 requests per second in live mode (25 in a sandbox) and every endpoint to 25
per second unless stated otherwise (https://docs.stripe.com/rate-limits). The webhook, the reconcile workers and
the users' own requests share those budgets, so the background paths take only a configured share:
``RECONCILE_STRIPE_RATE`` for every reconcile worker together, ``WEBHOOK_STRIPE_RATE`` for every webhook instance
together (``billing_core.settings``). Each process divides its path's share by the number of processes that can
run at once (the SQS event source's maximum concurrency, the webhook's reserved concurrency), so the sum never
exceeds the share without any shared counter.

:class:`RateBudget` is handed to :class:`billing_core.stripe_gateway.StripeGateway` (``budget=``), which takes
one token before each call. ``take`` waits for the next token; when the wait would exceed ``max_wait_s`` it raises
:class:`BudgetExhausted` (a 503 with ``Retry-After``) so a webhook delivery gives Stripe a retryable answer
instead of holding a Lambda. ``penalize`` empties the bucket for a while after Stripe answered 429, so the
process backs off together instead of each call failing in turn.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

from billing_core.errors import DependencyUnavailable
from billing_core.observability import count


class BudgetExhausted(DependencyUnavailable):
    """The next Stripe call of this process's budget is further away than the caller may wait."""


class RateBudget:
    """``rate`` calls per second with a burst of at most one second's worth (``burst``, default ``rate``)."""

    def __init__(
        self,
        rate: float,
        *,
        burst: float | None = None,
        max_wait_s: float = math.inf,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = float(rate)
        self.capacity = max(1.0, float(burst if burst is not None else rate))
        self.max_wait_s = max_wait_s
        self.clock = clock
        self.sleep = sleep
        self._tokens = self.capacity
        self._at = clock()
        self._lock = threading.Lock()
        self.waited_s = 0.0
        """Total time callers waited for a token (the bench reports it)."""
        self.taken = 0

    @classmethod
    def share(cls, total_per_s: float, processes: int, *, burst: float | None = None, **kwargs: Any) -> RateBudget:
        """One process's part of a path's budget: ``total_per_s / processes`` (at least one call in 10 s); ``burst``
        at least that rate (one second's worth)."""
        rate = max(0.1, total_per_s / max(1, processes))
        return cls(rate, burst=max(rate, burst) if burst is not None else None, **kwargs)

    def _refill(self, now: float) -> None:
        if now > self._at:
            self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
            self._at = now

    def take(self, operation: str = "stripe") -> float:
        """Spend one token, waiting for it when needed; returns the seconds waited."""
        with self._lock:
            now = self.clock()
            self._refill(now)
            self._tokens -= 1.0  # reserve our token now: concurrent callers queue behind us in order
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.rate
            if wait > self.max_wait_s:
                self._tokens += 1.0
                count("StripeBudgetExhausted")
                raise BudgetExhausted(retry_after=max(1, math.ceil(wait)), operation=operation, reason="budget")
            self.taken += 1
            self.waited_s += wait
        if wait > 0:
            self.sleep(wait)
        return wait

    def penalize(self, seconds: float) -> None:
        """Stripe said 429: no call from this process for ``seconds`` (the bucket goes that far negative)."""
        with self._lock:
            self._refill(self.clock())
            self._tokens = min(self._tokens, -seconds * self.rate)
