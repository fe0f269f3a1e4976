"""Stripe's API rate limits as an optional emulator mode (off by default).

Figures, from https://docs.stripe.com/rate-limits (read through the `search` tool, corpus `docs`, 2026-11):

- Global limit, per Stripe account per second: live mode 100 requests, sandbox 25. The current page counts
  "operations" (reads and writes together); an older revision listed 100 reads and 100 writes separately. The
  emulator follows the current page: reads and writes share one budget.
- Every endpoint, "unless otherwise noted": 25 requests per second, and those also count against the global
  limit. An endpoint is a named API operation: method + route template (`GET /v1/customers/{customer}` for any
  id), per account.
- Stricter resources listed: Search API 20 reads/s, Files API 20 reads and 20 writes/s (no Files endpoints in
  this emulator); per object: 1,000 updates per PaymentIntent an hour; per subscription 10 new invoices a
  minute, 20 a day, 200 quantity updates an hour. Meter events in live mode have their own 1,000/s budget outside
  the global one (no meter events endpoint here). The per-object limits are not emulated (yet).
- A concurrency limiter exists but the page gives no figure; not emulated (the emulator serves one request at a
  time inside the account anyway).
- Over a limit: HTTP 429 with a `Stripe-Rate-Limited-Reason` header, one of `global-rate`, `endpoint-rate`,
  `global-concurrency`, `endpoint-concurrency`, `resource-specific`; the body's error has code `rate_limit`
  (Stripe's error-codes page: "Too many requests hit the API too quickly. We recommend an exponential backoff of
  your requests."). A 429 with code `lock_timeout` is a contended object lock, not a rate limit.
- Silent in the docs, chosen here: no `Retry-After` header (none is documented); no `Stripe-Should-Retry` header
  by default, so stripe-python does not retry a rate limit on its own (it retries a 429 only on
  `Stripe-Should-Retry: true`); `should_retry` can set the header either way. A refused request consumes no
  budget and has no side effects (it is refused before dispatch and never stored under an Idempotency-Key).
  Stricter endpoint overrides answer `resource-specific`, the default per-endpoint limit `endpoint-rate`.

Token buckets per account (the `Stripe-Account` header, else the emulator's own account) and per endpoint,
capacity = rate (one second of burst), refilled continuously from an injectable clock (`clock`, a callable
returning seconds), so tests advance time instead of sleeping.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import StripeAPIError

ENV_VAR = "STRIPE_EMULATOR_RATE_LIMITS"
MODES = ("off", "live", "sandbox")
MESSAGE = "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests."

# Route templates with stricter documented limits (requests per second), by mode.
_STRICTER = {
    "GET /v1/customers/search": 20.0,
    "GET /v1/invoices/search": 20.0,
    "GET /v1/prices/search": 20.0,
    "GET /v1/products/search": 20.0,
    "GET /v1/subscriptions/search": 20.0,
    "GET /v1/payment_intents/search": 20.0,
    "GET /v1/charges/search": 20.0,
}
PRESETS: dict[str, dict[str, Any]] = {
    "live": {"global_per_s": 100.0, "endpoint_per_s": 25.0, "overrides": dict(_STRICTER)},
    "sandbox": {"global_per_s": 25.0, "endpoint_per_s": 25.0, "overrides": dict(_STRICTER)},
}


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class RateLimits:
    """The limiter: `check(account, endpoint)` raises the Stripe-shaped 429 when a budget is spent."""

    default_mode: str = "off"
    clock: Callable[[], float] = time.monotonic
    mode: str = "off"
    global_per_s: float = 0.0
    endpoint_per_s: float = 0.0
    overrides: dict[str, float] = field(default_factory=dict)
    should_retry: bool | None = None
    refused: dict[str, int] = field(default_factory=dict)
    _buckets: dict[tuple[str, str], _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> RateLimits:
        mode = (environ if environ is not None else os.environ).get(ENV_VAR, "off").strip().lower() or "off"
        if mode not in MODES:
            raise ValueError(f"{ENV_VAR}={mode!r}; one of {MODES}")
        limits = cls(default_mode=mode)
        limits.reset()
        return limits

    @property
    def enabled(self) -> bool:
        return self.mode != "off"

    def set_mode(self, mode: str) -> None:
        """Switch to a preset ("live", "sandbox") or "off"; clears the buckets and overrides."""
        if mode not in MODES:
            raise ValueError(f"unknown rate-limit mode {mode!r}; one of {MODES}")
        with self._lock:
            self.mode = mode
            preset = PRESETS.get(mode, {"global_per_s": 0.0, "endpoint_per_s": 0.0, "overrides": {}})
            self.global_per_s = float(preset["global_per_s"])
            self.endpoint_per_s = float(preset["endpoint_per_s"])
            self.overrides = dict(preset["overrides"])
            self._buckets.clear()

    def reset(self) -> None:
        """Back to the process default (`STRIPE_EMULATOR_RATE_LIMITS`), real clock, full buckets, no counts."""
        self.set_mode(self.default_mode)
        with self._lock:
            self.clock = time.monotonic
            self.should_retry = None
            self.refused.clear()

    def configure(self, spec: dict[str, Any]) -> None:
        """Apply {"mode", "global_per_s", "endpoint_per_s", "overrides": {"GET /v1/x": n}, "should_retry"}."""
        if "mode" in spec:
            self.set_mode(str(spec["mode"]))
        with self._lock:
            if "global_per_s" in spec:
                self.global_per_s = _positive(spec["global_per_s"], "global_per_s")
            if "endpoint_per_s" in spec:
                self.endpoint_per_s = _positive(spec["endpoint_per_s"], "endpoint_per_s")
            for endpoint, rate in (spec.get("overrides") or {}).items():
                method, _, path = str(endpoint).partition(" ")
                if method.upper() not in ("GET", "POST", "DELETE") or not path.startswith("/"):
                    raise ValueError(f"override key {endpoint!r} must look like 'GET /v1/customers/{{customer}}'")
                self.overrides[f"{method.upper()} {path}"] = _positive(rate, endpoint)
            if "should_retry" in spec:
                value = spec["should_retry"]
                self.should_retry = None if value in (None, "", "none") else value in (True, "true", "1")
            self._buckets.clear()

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "mode": self.mode,
                "global_per_s": self.global_per_s,
                "endpoint_per_s": self.endpoint_per_s,
                "overrides": dict(self.overrides),
                "should_retry": self.should_retry,
                "refused": dict(self.refused),
            }

    def check(self, account: str, endpoint: str) -> None:
        """Spend one request of `account`'s global and `endpoint` budgets, or raise the 429 (spending nothing)."""
        if not self.enabled:
            return
        with self._lock:
            now = self.clock()
            stricter = self.overrides.get(endpoint)
            endpoint_rate = stricter if stricter is not None else self.endpoint_per_s
            ep = self._refill(("endpoint:" + endpoint, account), endpoint_rate, now)
            glob = self._refill(("global", account), self.global_per_s, now)
            reason = None
            if ep.tokens < 1:
                reason = "resource-specific" if stricter is not None else "endpoint-rate"
            elif glob.tokens < 1:
                reason = "global-rate"
            if reason is None:
                ep.tokens -= 1
                glob.tokens -= 1
                return
            self.refused[reason] = self.refused.get(reason, 0) + 1
            headers = {"Stripe-Rate-Limited-Reason": reason}
            if self.should_retry is not None:
                headers["Stripe-Should-Retry"] = "true" if self.should_retry else "false"
        raise StripeAPIError(429, "invalid_request_error", MESSAGE, code="rate_limit", headers=headers)

    def _refill(self, key: tuple[str, str], rate: float, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(rate, now)
        elif now > bucket.at:
            bucket.tokens = min(rate, bucket.tokens + (now - bucket.at) * rate)
            bucket.at = now
        return bucket


def _positive(value: Any, name: str) -> float:
    rate = float(value)
    if rate <= 0:
        raise ValueError(f"{name} must be a positive number of requests per second")
    return rate
