"""The `test_clocks` endpoints (listed in `routes.py`): request in, model call, rendered object out."""

from __future__ import annotations

from ..backend import Backend
from ..models.base import Rendered
from ..resources import test_clocks as model
from ..router import Request


def refuse_writes_while_advancing(b: Backend, req: Request) -> None:
    """A POST/DELETE under /v1 naming (in its path, `customer`, `subscription` or `test_clock`) an advancing clock
    or an object of a customer on it is refused, as Stripe locks those objects for the advance."""
    if req.method == "GET" or not req.path.startswith("/v1/") or req.path.startswith("/v1/test_helpers/test_clocks"):
        return
    refs = [*req.path_params.values(), *(req.params.get(k) for k in ("customer", "subscription", "test_clock"))]
    for ref in refs:
        obj = b.objects.get(ref) if isinstance(ref, str) else None
        if obj is None:
            continue
        if obj.get("object") == "test_helpers.test_clock":  # e.g. a new customer on the advancing clock
            if obj.get("status") == "advancing":
                raise model._advancing_error(obj)
            continue
        cus_id = obj["id"] if obj.get("object") == "customer" else obj.get("customer")
        if not isinstance(cus_id, str) and isinstance(obj.get("subscription"), str):
            cus_id = (b.objects.get(obj["subscription"]) or {}).get("customer")
        cus = b.objects.get(cus_id) if isinstance(cus_id, str) else None
        clock = b.objects.get(cus.get("test_clock") or "") if cus else None
        if clock is not None and clock.get("status") == "advancing":
            raise model._advancing_error(clock)


def _create(b: Backend, req: Request) -> Rendered:
    return b.render(model.create_clock(b, req.params, req.request_id), req.expand)


def _retrieve(b: Backend, req: Request) -> Rendered:
    return b.render(b.get(req.path_params["clock"], "test_helpers.test_clock"), req.expand)


def _list(b: Backend, req: Request) -> Rendered:
    return b.list_response(b.all("test_helpers.test_clock"), req.params, "/v1/test_helpers/test_clocks", req.expand)


def _delete(b: Backend, req: Request) -> Rendered:
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


def _advance(b: Backend, req: Request) -> Rendered:
    return model.advance_clock(b, req.path_params["clock"], int(req.params["frozen_time"]), req.request_id)


Backend.reset_hooks.append(lambda b: model.hold_advances(b, held=False))
