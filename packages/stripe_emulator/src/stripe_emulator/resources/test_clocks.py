"""Test clocks (`/v1/test_helpers/test_clocks`): create, retrieve, list, delete, advance.

Advancing is asynchronous, as on Stripe ("Starts advancing a test clock ... Advancement is done when status
changes to ready"): the answer is the clock with `status=advancing`, its old `frozen_time` and
`status_details.advancing.target_frozen_time`, and `test_helpers.test_clock.advancing` is emitted. A worker
thread then runs everything that falls due (renewals, retries, trial ends, ...) under the account lock, sets
`frozen_time`, `status=ready` and emits `test_helpers.test_clock.ready` (`internal_failure` and its event if the
work raises). Callers poll the clock until `ready`. While a clock advances, a second advance and any write
naming an object of the clock's customers (POST/DELETE on /v1) are refused with 400 `invalid_request_error`;
Stripe locks those objects for the advance. An advance may cover at most two periods of the shortest
subscription, or two years when the clock has none.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from ..backend import Backend
from ..billing import lifecycle
from ..errors import invalid_request
from ..models.base import Rendered
from ..models.events import TestClock

log = logging.getLogger(__name__)
TWO_YEARS = 2 * 365 * 86400


def create_clock(b: Backend, p: dict[str, Any], request_id: str | None = None) -> TestClock:
    with b.lock:
        now = b.now()
        clock: TestClock = {
            "id": b.new_id("clock"),
            "object": "test_helpers.test_clock",
            "created": now,
            "deletes_after": now + 30 * 86400,
            "frozen_time": int(p["frozen_time"]),
            "livemode": False,
            "name": p.get("name"),
            "status": "ready",
            "status_details": {},
        }
        b.store(clock)
        b.emit("test_helpers.test_clock.created", clock, request_id=request_id)
        return clock


def advance_clock(b: Backend, clock_id: str, frozen_time: int, request_id: str | None = None) -> Rendered:
    """Start advancing a clock; returns it as Stripe's answer shows it (`advancing`). The work runs in the
    background (`_advance_in_background`)."""
    with b.lock:
        clock = b.get(clock_id, "test_helpers.test_clock")
        if clock["status"] == "advancing":
            raise _advancing_error(clock)
        if frozen_time <= clock["frozen_time"]:
            raise invalid_request(
                "The frozen_time must be after the current frozen_time of the test clock.", param="frozen_time"
            )
        customers = {c["id"] for c in b.all("customer", where=lambda c: c.get("test_clock") == clock_id)}
        shortest = lifecycle.shortest_period(b, customers)
        if shortest is not None and frozen_time - clock["frozen_time"] > 2 * shortest:
            raise invalid_request(
                "Cannot advance more than two intervals ahead of the shortest subscription interval on the test "
                "clock. Advance in smaller steps.",
                param="frozen_time",
            )
        if shortest is None and frozen_time - clock["frozen_time"] > TWO_YEARS:
            raise invalid_request(
                "A test clock without subscriptions cannot be advanced more than two years at a time.",
                param="frozen_time",
            )
        clock["status"] = "advancing"
        clock["status_details"] = {"advancing": {"target_frozen_time": frozen_time}}
        b.emit("test_helpers.test_clock.advancing", clock, request_id=request_id)
        worker = threading.Thread(
            target=_advance_in_background,
            args=(b, clock, frozen_time, request_id),
            name=f"stripe-emulator-clock-{clock_id}",
            daemon=True,
        )
        workers: list[threading.Thread] = b.extra.setdefault("_clock_workers", [])
        workers[:] = [w for w in workers if w.is_alive()] + [worker]
        worker.start()  # it waits for the account lock, so it runs after this request
        return b.render(clock)


def _gate(b: Backend) -> threading.Event:
    gate: threading.Event | None = getattr(b, "_clock_gate", None)
    if gate is None:
        gate = threading.Event()
        gate.set()
        b._clock_gate = gate  # type: ignore[attr-defined]  # per-backend state kept on the backend
    return gate


def hold_advances(b: Backend, held: bool = True) -> None:
    """Test control: while held, a started advance stays `advancing` (its worker waits), so a test can observe
    and act on an advancing clock deterministically; releasing lets the workers run. A reset releases."""
    if held:
        _gate(b).clear()
    else:
        _gate(b).set()


def _advance_in_background(b: Backend, clock: TestClock, frozen_time: int, request_id: str | None) -> None:
    _gate(b).wait(timeout=300)
    with b.lock:
        if b.objects.get(clock["id"]) is not clock:  # the clock was deleted or the account reset meanwhile
            return
        try:
            lifecycle.advance(b, clock, frozen_time)
        except Exception:  # noqa: BLE001 - Stripe's answer to a failed advance is the internal_failure status
            log.exception("test clock %s failed to advance", clock["id"])
            clock["status"], clock["status_details"] = "internal_failure", {}
            b.emit("test_helpers.test_clock.internal_failure", clock, request_id=request_id)
        else:
            clock["status"], clock["status_details"] = "ready", {}
            b.emit("test_helpers.test_clock.ready", clock, request_id=request_id)
    for hook in list(b.extra.get("_after_request_hooks", [])):  # e.g. synchronous webhook deliveries
        hook()


def join_workers(b: Backend, timeout: float = 30.0) -> None:
    """Wait for advances in flight (server stop); held ones are released first."""
    hold_advances(b, held=False)
    for worker in list(b.extra.get("_clock_workers", [])):
        worker.join(timeout)


def _advancing_error(clock: TestClock) -> Exception:
    return invalid_request(
        f"The test clock {clock['id']} is advancing. Wait until its status is ready before advancing it again or "
        "changing the objects attached to it.",
    )
