"""Control endpoints for tests and `make dev` (auth none, JSON; refused unless the server listens on loopback).

- `POST /_emulator/reset`: empty account, no faults, no stored idempotency keys, webhook options back to defaults.
- `POST /_emulator/faults`: body applied with `Faults.configure` (`{"latency_ms", "jitter_ms", "rates": {mode: p},
  "timeout_s", "queue": [{"mode", "times", "method", "path"}]}`; `{"reset": true}` clears first).
- `GET /_emulator/faults`: the current settings and the count of injected faults by mode.
- `POST /_emulator/rate_limits`: body applied with `RateLimits.configure` (`{"mode": "live"|"sandbox"|"off",
  "global_per_s", "endpoint_per_s", "overrides": {"GET /v1/customers/search": 20}, "should_retry"}`;
  `{"reset": true}` returns to the process default first).
- `GET /_emulator/rate_limits`: the current budgets and the count of refused requests by reason.
- `POST /_emulator/webhooks`: delivery options (`backoff_s`, `max_attempts`, `timeout_s`, `shuffle`,
  `shuffle_window_s`, `duplicate_rate`, `paused`, `synchronous`; `{"flush": true}` releases and waits).
- `GET /_emulator/webhooks`: the options and the delivery log.
"""

from __future__ import annotations

from typing import Any

from .backend import Backend
from .errors import StripeAPIError
from .models.base import Rendered
from .router import Request
from .webhooks import deliverer

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _server(b: Backend) -> Any:
    em = getattr(b, "emulator", None)
    if em is None:
        raise StripeAPIError(503, "api_error", "No emulator server is attached to this backend.")
    if em.host not in _LOOPBACK:
        raise StripeAPIError(403, "invalid_request_error", "Control endpoints are served on loopback only.")
    return em


def _faults_state(em: Any) -> dict[str, Any]:
    f = em.faults
    return {
        "latency_ms": f.latency_ms,
        "jitter_ms": f.jitter_ms,
        "rates": dict(f.rates),
        "timeout_s": f.timeout_s,
        "queued": [{"mode": q.mode, "remaining": q.remaining} for q in f._queue],
        "injected": dict(f.injected),
    }


def _reset(b: Backend, req: Request) -> Rendered:
    _server(b).reset()
    return {"reset": True}


def _set_faults(b: Backend, req: Request) -> Rendered:
    em = _server(b)
    spec = dict(req.params)
    if spec.pop("reset", False):
        em.faults.reset()
    try:
        em.faults.configure(spec)
    except (ValueError, KeyError, TypeError) as exc:
        raise StripeAPIError(400, "invalid_request_error", f"Invalid fault spec: {exc}") from None
    return _faults_state(em)


def _get_faults(b: Backend, req: Request) -> Rendered:
    return _faults_state(_server(b))


def _set_rate_limits(b: Backend, req: Request) -> Rendered:
    em = _server(b)
    spec = dict(req.params)
    if spec.pop("reset", False) in (True, "true", "1"):
        em.rate_limits.reset()
    try:
        em.rate_limits.configure(spec)
    except (ValueError, TypeError) as exc:
        raise StripeAPIError(400, "invalid_request_error", f"Invalid rate-limit spec: {exc}") from None
    state: dict[str, Any] = em.rate_limits.state()
    return state


def _get_rate_limits(b: Backend, req: Request) -> Rendered:
    state: dict[str, Any] = _server(b).rate_limits.state()
    return state


def _set_webhooks(b: Backend, req: Request) -> Rendered:
    _server(b)
    d = deliverer(b)
    spec = dict(req.params)
    flush = spec.pop("flush", False)
    try:
        out = d.configure(spec)
    except (ValueError, TypeError) as exc:
        raise StripeAPIError(400, "invalid_request_error", f"Invalid webhook options: {exc}") from None
    if flush in (True, "true", "1"):
        out["flushed"] = d.flush()
        out = out | {"pending": d.options()["pending"]}
    return out


def _get_webhooks(b: Backend, req: Request) -> Rendered:
    _server(b)
    d = deliverer(b)
    return d.options() | {"log": list(d.log)}
