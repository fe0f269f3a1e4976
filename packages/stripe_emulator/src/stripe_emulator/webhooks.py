"""Webhook delivery: every event goes to each enabled endpoint as a signed POST, retried with backoff.

One `Deliverer` per backend (`deliverer(b)`), attached as an event listener when the backend is created; its worker
thread starts with the first delivery and stops with `EmulatorServer.stop()` (via `b.extra["_stop_hooks"]`).

Options (tests set them on `deliverer(b)`, or over HTTP with `POST /_emulator/webhooks`):
- `backoff_s` (first retry delay, doubling, at most `max_backoff_s` when set) and `max_attempts`: a non-2xx
  answer or a connection error is retried;
  after the last attempt the event counts as failed (`GET /v1/events?delivery_success=false`).
- `shuffle_window_s`: deliver out of order — each delivery waits a random 0..window before its first attempt.
- `duplicate_rate`: probability that an event is delivered a second time (at-least-once delivery).
- `paused`: hold every delivery until `flush()` (or `paused=False`); `flush(timeout)` releases and waits until
  nothing is pending (retries included).
- `synchronous`: first attempts happen in the request thread after the handler returns (before the API response
  is sent), so a test sees the webhook handled when the call returns; retries stay on the worker.
- `concurrency`: worker threads delivering at once (default 1; Stripe itself sends many deliveries in parallel).
- `transport`: a callable `(url, body, headers) -> HTTP status` used instead of an HTTP POST (load tests call the
  receiving handler in-process); an `OSError` it raises counts as a connection error, retried like one.
`log` records every attempt: dicts {event, endpoint, attempt, status, error, duplicate}.
Each body is the event rendered at the endpoint's `api_version` (`api_versions.event_for_version`).

Long because `Deliverer` is one object: its queue, options, worker threads and attempts share one lock and one
heap, and each option above changes how the others behave.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import json
import random
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from .api_versions import event_for_version
from .backend import Backend
from .models.events import Event, WebhookEndpoint

USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


def sign_payload(body: bytes, secret: str, t: int | None = None) -> str:
    """The `Stripe-Signature` header value for `body` signed with an endpoint secret."""
    ts = int(time.time()) if t is None else int(t)
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def endpoint_wants(endpoint: WebhookEndpoint, event_type: str) -> bool:
    if endpoint.get("status") != "enabled":
        return False
    enabled = endpoint.get("enabled_events") or []
    return "*" in enabled or event_type in enabled


@dataclass(order=True)
class _Job:
    due: float
    seq: int
    event_id: str = field(compare=False)
    endpoint_id: str = field(compare=False)
    attempt: int = field(compare=False, default=1)
    duplicate: bool = field(compare=False, default=False)
    generation: int = field(compare=False, default=0)


class Deliverer:
    def __init__(self, b: Backend) -> None:
        self.b = b
        self.cond = threading.Condition()
        self._seq = itertools.count()
        self._rng = random.Random()
        self._threads: list[threading.Thread] = []
        self._stopped = False
        self._in_progress = 0
        self._generation = 0
        self.reset()

    def reset(self) -> None:
        """Defaults, nothing pending (called when the backend resets)."""
        with self.cond:
            self._generation += 1
            self.queue: list[_Job] = []
            self.sync_pending: list[_Job] = []
            self.backoff_s = 0.2
            self.max_attempts = 5
            self.timeout_s = 5.0
            self.shuffle_window_s = 0.0
            self.duplicate_rate = 0.0
            self.paused = False
            self.synchronous = False
            self.concurrency = 1
            self.max_backoff_s: float | None = None
            self.transport: Any = None
            self.log: list[dict[str, Any]] = []
            self.cond.notify_all()

    def configure(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Apply options from a dict (control endpoint); returns the current options."""
        with self.cond:
            for key, cast in (
                ("backoff_s", float),
                ("max_attempts", int),
                ("timeout_s", float),
                ("shuffle_window_s", float),
                ("duplicate_rate", float),
                ("concurrency", int),
                ("max_backoff_s", float),
            ):
                if key in spec:
                    setattr(self, key, cast(spec[key]))
            if "shuffle" in spec:
                self.shuffle_window_s = 0.5 if _truthy(spec["shuffle"]) else 0.0
            if "synchronous" in spec:
                self.synchronous = _truthy(spec["synchronous"])
            if "paused" in spec:
                self.paused = _truthy(spec["paused"])
            self.cond.notify_all()
            return self.options()

    def options(self) -> dict[str, Any]:
        return {
            "backoff_s": self.backoff_s,
            "max_attempts": self.max_attempts,
            "timeout_s": self.timeout_s,
            "shuffle_window_s": self.shuffle_window_s,
            "duplicate_rate": self.duplicate_rate,
            "paused": self.paused,
            "synchronous": self.synchronous,
            "concurrency": self.concurrency,
            "pending": len(self.queue) + len(self.sync_pending) + self._in_progress,
        }

    # --- intake ------------------------------------------------------------------------------------------------

    def on_event(self, evt: Event) -> None:
        """Backend listener: schedule one delivery per enabled endpoint."""
        with self.b.lock:
            endpoints = [e for e in self.b.all("webhook_endpoint") if endpoint_wants(e, evt["type"])]
            evt["pending_webhooks"] = len(endpoints)
            evt["_webhook_status"] = {e["id"]: "pending" for e in endpoints}
        if not endpoints:
            return
        now = time.monotonic()
        with self.cond:
            for ep in endpoints:
                copies = 2 if self.duplicate_rate and self._rng.random() < self.duplicate_rate else 1
                for n in range(copies):
                    delay = self._rng.uniform(0, self.shuffle_window_s) if self.shuffle_window_s else 0.0
                    job = _Job(now + delay, next(self._seq), evt["id"], ep["id"], 1, n > 0, self._generation)
                    if self.synchronous and not self.paused and delay == 0.0:
                        self.sync_pending.append(job)
                    else:
                        heapq.heappush(self.queue, job)
            self._ensure_thread()
            self.cond.notify_all()

    def after_request(self) -> None:
        """Server hook: in synchronous mode, make the first attempts now (outside the backend lock)."""
        with self.cond:
            jobs, self.sync_pending = self.sync_pending, []
            self._in_progress += len(jobs)
        for job in jobs:
            try:
                self._attempt(job)
            finally:
                with self.cond:
                    self._in_progress -= 1
                    self.cond.notify_all()

    def flush(self, timeout: float = 10.0) -> bool:
        """Release held deliveries and wait until nothing is pending (retries included). True if drained."""
        self.after_request()
        with self.cond:
            self.paused = False
            for job in self.queue:
                job.due = min(job.due, time.monotonic())
            heapq.heapify(self.queue)
            self._ensure_thread()
            self.cond.notify_all()
            deadline = time.monotonic() + timeout
            while self.queue or self._in_progress or self.sync_pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(min(left, 0.05))
            return True

    # --- worker ------------------------------------------------------------------------------------------------

    def _ensure_thread(self) -> None:
        self._threads = [t for t in self._threads if t.is_alive()]
        while len(self._threads) < max(1, self.concurrency):
            self._stopped = False
            thread = threading.Thread(target=self._run, name="stripe-emulator-webhooks", daemon=True)
            self._threads.append(thread)
            thread.start()

    def stop(self) -> None:
        with self.cond:
            self._stopped = True
            self.cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self.cond:
                while not self._stopped:
                    if self.queue and not self.paused:
                        wait = self.queue[0].due - time.monotonic()
                        if wait <= 0:
                            break
                        self.cond.wait(wait)
                    else:
                        self.cond.wait(1.0)
                if self._stopped:
                    return
                me = threading.current_thread()
                if me in self._threads and self._threads.index(me) >= max(1, self.concurrency):
                    self._threads.remove(me)  # concurrency lowered (or reset): an extra worker leaves the job
                    self.cond.notify_all()
                    return
                job = heapq.heappop(self.queue)
                self._in_progress += 1
            try:
                self._attempt(job)
            finally:
                with self.cond:
                    self._in_progress -= 1
                    self.cond.notify_all()

    def _lookup(self, obj_id: str) -> dict[str, Any] | None:
        obj = self.b.objects.get(obj_id)
        return self.b.render(obj) if obj is not None else None

    def _attempt(self, job: _Job) -> None:
        if job.generation != self._generation:
            return
        with self.b.lock:
            evt = self.b.objects.get(job.event_id)
            ep = self.b.objects.get(job.endpoint_id)
            if evt is None or ep is None:
                return
            body = json.dumps(event_for_version(self.b.render(evt), ep.get("api_version"), self._lookup)).encode()
            url, secret = ep["url"], ep["_secret"]
        status: int | None = None
        error: str | None = None
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "Stripe-Signature": sign_payload(body, secret),
            "Cache-Control": "no-cache",
        }
        try:
            if self.transport is not None:
                status = int(self.transport(url, body, headers))
            else:
                req = urllib.request.Request(url, data=body, method="POST", headers=headers)
                with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:  # noqa: S310 - test endpoint URL
                    status = resp.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (OSError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        ok = status is not None and 200 <= status < 300
        with self.cond:
            if job.generation != self._generation:
                return
            self.log.append(
                {
                    "event": job.event_id,
                    "endpoint": job.endpoint_id,
                    "attempt": job.attempt,
                    "status": status,
                    "error": error,
                    "duplicate": job.duplicate,
                    "type": evt["type"],
                }
            )
            retry = not ok and job.attempt < self.max_attempts
            if retry:
                delay = self.backoff_s * (2 ** (job.attempt - 1))
                if self.max_backoff_s is not None:
                    delay = min(delay, self.max_backoff_s)
                heapq.heappush(
                    self.queue,
                    _Job(
                        time.monotonic() + delay,
                        next(self._seq),
                        job.event_id,
                        job.endpoint_id,
                        job.attempt + 1,
                        job.duplicate,
                        job.generation,
                    ),  # fmt: skip
                )
                self._ensure_thread()
                self.cond.notify_all()
        if job.duplicate:
            return
        with self.b.lock:
            statuses = evt.get("_webhook_status") or {}
            if statuses.get(job.endpoint_id) != "pending":
                return
            if ok:
                statuses[job.endpoint_id] = "succeeded"
            elif not retry:
                statuses[job.endpoint_id] = "failed"
            evt["pending_webhooks"] = sum(1 for s in statuses.values() if s == "pending")


def _truthy(v: Any) -> bool:
    return v is True or str(v).lower() in ("1", "true", "yes", "on")


def deliverer(b: Backend) -> Deliverer:
    """The backend's webhook deliverer (created on first use)."""
    d = getattr(b, "_webhook_deliverer", None)
    if d is None:
        d = Deliverer(b)
        b._webhook_deliverer = d  # type: ignore[attr-defined]  # per-backend state kept on the backend
        b.event_listeners.append(d.on_event)
    _register_hooks(b, d)
    return d


def delivery_succeeded(evt: Event) -> bool:
    """For `delivery_success`: every endpoint that was sent the event answered 2xx."""
    statuses = evt.get("_webhook_status") or {}
    return all(s == "succeeded" for s in statuses.values())


def _register_hooks(b: Backend, d: Deliverer) -> None:
    stop_hooks = b.extra.setdefault("_stop_hooks", [])
    if d.stop not in stop_hooks:
        stop_hooks.append(d.stop)
    after = b.extra.setdefault("_after_request_hooks", [])
    if d.after_request not in after:
        after.append(d.after_request)


def _on_reset(b: Backend) -> None:
    d = getattr(b, "_webhook_deliverer", None)
    if d is None:
        deliverer(b)
    else:
        d.reset()
        _register_hooks(b, d)


Backend.reset_hooks.append(_on_reset)
