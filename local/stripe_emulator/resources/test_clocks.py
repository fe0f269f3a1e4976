"""Test clocks (`/v1/test_helpers/test_clocks`): create, retrieve, list, delete, advance.

Advancing runs synchronously inside the request (renewals, retries, trial ends, ...): the answer says
`advancing` as Stripe's does, and the clock is `ready` on the next retrieve; `test_helpers.test_clock.advancing`
and `.ready` are both emitted. An advance may cover at most two periods of the shortest subscription.
"""

from __future__ import annotations

from typing import Any

from ..backend import Backend
from ..billing import lifecycle
from ..errors import invalid_request
from ..router import Request, route


def create_clock(b: Backend, p: dict[str, Any], request_id: str | None = None) -> dict[str, Any]:
    with b.lock:
        now = b.now()
        clock: dict[str, Any] = {
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


def advance_clock(b: Backend, clock_id: str, frozen_time: int, request_id: str | None = None) -> dict[str, Any]:
    """Advance a clock and run everything that falls due; returns the clock as Stripe's answer shows it."""
    with b.lock:
        clock = b.get(clock_id, "test_helpers.test_clock")
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
        clock["status"] = "advancing"
        clock["status_details"] = {"advancing": {"target_frozen_time": frozen_time}}
        b.emit("test_helpers.test_clock.advancing", clock, request_id=request_id)
        answer = b.render(clock)
        try:
            lifecycle.advance(b, clock, frozen_time)
        finally:
            clock["status"], clock["status_details"] = "ready", {}
        b.emit("test_helpers.test_clock.ready", clock, request_id=request_id)
        return answer


@route("POST", "/v1/test_helpers/test_clocks", params="test_helpers.TestClockCreateParams")
def _create(b: Backend, req: Request) -> dict[str, Any]:
    return b.render(create_clock(b, req.params, req.request_id), req.expand)


@route("GET", "/v1/test_helpers/test_clocks/{clock}", params="test_helpers.TestClockRetrieveParams")
def _retrieve(b: Backend, req: Request) -> dict[str, Any]:
    return b.render(b.get(req.path_params["clock"], "test_helpers.test_clock"), req.expand)


@route("GET", "/v1/test_helpers/test_clocks", params="test_helpers.TestClockListParams", list_endpoint=True)
def _list(b: Backend, req: Request) -> dict[str, Any]:
    return b.list_response(b.all("test_helpers.test_clock"), req.params, "/v1/test_helpers/test_clocks", req.expand)


@route("DELETE", "/v1/test_helpers/test_clocks/{clock}", params="test_helpers.TestClockDeleteParams")
def _delete(b: Backend, req: Request) -> dict[str, Any]:
    """Deleting a clock deletes its customers and everything billed to them, as Stripe does."""
    with b.lock:
        clock = b.get(req.path_params["clock"], "test_helpers.test_clock")
        customers = {c["id"] for c in b.all("customer", where=lambda c: c.get("test_clock") == clock["id"])}
        for kind in ("subscription", "subscription_item", "invoice", "invoiceitem", "subscription_schedule"):
            for obj in b.all(kind):
                owner = obj.get("customer") or (b.objects.get(obj.get("subscription") or "") or {}).get("customer")
                if owner in customers:
                    b.delete(obj["id"])
        for cid in customers:
            b.delete(cid)
        b.delete(clock["id"])
        b.emit("test_helpers.test_clock.deleted", clock, request_id=req.request_id)
        return {"id": clock["id"], "object": "test_helpers.test_clock", "deleted": True}


@route("POST", "/v1/test_helpers/test_clocks/{clock}/advance", params="test_helpers.TestClockAdvanceParams")
def _advance(b: Backend, req: Request) -> dict[str, Any]:
    return advance_clock(b, req.path_params["clock"], int(req.params["frozen_time"]), req.request_id)
