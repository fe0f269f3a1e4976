"""Fault and latency injection, per process (CLI flags / control endpoint) and per test (fixture API).

Modes, each with a probability per request: "500", "429" (no Stripe-Should-Retry header), "429_retry"
(`Stripe-Should-Retry: true`), "429_no_retry" (`Stripe-Should-Retry: false`), "reset" (connection closed
without a response), "timeout" (the server holds the request for `timeout_s` then drops it), "403" (restricted
key). `queue(...)` adds one-shot faults for the next matching requests, which makes tests deterministic.
Injected faults are never stored under an Idempotency-Key: they model failures before Stripe executes anything.
"""

from __future__ import annotations

import random
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .errors import StripeAPIError

MODES = ("500", "429", "429_retry", "429_no_retry", "reset", "timeout", "403")


@dataclass
class _Queued:
    mode: str
    method: str | None
    path: re.Pattern[str] | None
    remaining: int


@dataclass
class Faults:
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    rates: dict[str, float] = field(default_factory=dict)
    timeout_s: float = 30.0
    seed: int | None = None
    _queue: list[_Queued] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _rng: random.Random = field(default_factory=random.Random)
    injected: dict[str, int] = field(default_factory=dict)

    def set_latency(self, ms: float, jitter_ms: float = 0.0) -> None:
        """Add `ms` (plus uniform random 0..jitter_ms) to every API request."""
        self.latency_ms, self.jitter_ms = ms, jitter_ms

    def set_rate(self, mode: str, probability: float) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown fault mode {mode!r}; one of {MODES}")
        self.rates[mode] = probability

    def queue(self, mode: str, *, times: int = 1, method: str | None = None, path: str | None = None) -> None:
        """Fail the next `times` requests matching method/path regex with `mode`."""
        if mode not in MODES:
            raise ValueError(f"unknown fault mode {mode!r}; one of {MODES}")
        with self._lock:
            self._queue.append(
                _Queued(mode, method.upper() if method else None, re.compile(path) if path else None, times)
            )

    def reset(self) -> None:
        with self._lock:
            self.latency_ms = self.jitter_ms = 0.0
            self.rates.clear()
            self._queue.clear()
            self.injected.clear()
            self.timeout_s = 30.0
            if self.seed is not None:
                self._rng.seed(self.seed)

    def configure(self, spec: dict[str, Any]) -> None:
        """Apply a JSON spec: {"latency_ms", "jitter_ms", "rates": {mode: p}, "timeout_s", "queue": [...]}."""
        if "latency_ms" in spec or "jitter_ms" in spec:
            self.set_latency(float(spec.get("latency_ms", 0)), float(spec.get("jitter_ms", 0)))
        for mode, p in (spec.get("rates") or {}).items():
            self.set_rate(mode, float(p))
        if "timeout_s" in spec:
            self.timeout_s = float(spec["timeout_s"])
        for q in spec.get("queue") or []:
            self.queue(q["mode"], times=int(q.get("times", 1)), method=q.get("method"), path=q.get("path"))

    def delay(self) -> None:
        if self.latency_ms or self.jitter_ms:
            time.sleep((self.latency_ms + self._rng.uniform(0, self.jitter_ms)) / 1000.0)

    def pick(self, method: str, path: str) -> str | None:
        """The fault to inject for this request, if any."""
        with self._lock:
            for q in self._queue:
                if (q.method is None or q.method == method) and (q.path is None or q.path.search(path)):
                    q.remaining -= 1
                    if q.remaining <= 0:
                        self._queue.remove(q)
                    self.injected[q.mode] = self.injected.get(q.mode, 0) + 1
                    return q.mode
            for mode, p in self.rates.items():
                if p > 0 and self._rng.random() < p:
                    self.injected[mode] = self.injected.get(mode, 0) + 1
                    return mode
        return None


def fault_error(fault: str) -> StripeAPIError | None:
    """The Stripe error an injected HTTP fault answers with (`500`, `403`, `429_retry`, `429_no_retry`, `429`);
    None for the faults that act on the connection instead (`reset`, `timeout`)."""
    if fault == "500":
        return StripeAPIError(500, "api_error", "An unknown error occurred", code=None)
    if fault == "403":
        return StripeAPIError(
            403,
            "invalid_request_error",
            "The provided key 'rk_test_****' does not have the required permissions for this endpoint.",
            code="secret_key_required",
        )
    if fault.startswith("429"):
        headers = {
            "429_retry": {"Stripe-Should-Retry": "true"},
            "429_no_retry": {"Stripe-Should-Retry": "false"},
        }.get(fault, {})
        return StripeAPIError(
            429,
            "invalid_request_error",
            "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.",
            code="rate_limit",
            headers=headers,
        )
    return None
