"""The `subscription_schedules` endpoints (listed in `routes.py`): request in, model call, rendered object out."""

from __future__ import annotations

from ..backend import Backend
from ..billing import schedules
from ..billing.cancel import cancel_subscription
from ..errors import invalid_request
from ..models.base import Rendered
from ..resources import subscription_schedules as model
from ..router import Request


def _create(b: Backend, req: Request) -> Rendered:
    return b.render(model.create_schedule(b, req.params, req.request_id), req.expand)


def _retrieve(b: Backend, req: Request) -> Rendered:
    return b.render(b.get(req.path_params["schedule"], "subscription_schedule"), req.expand)


def _update(b: Backend, req: Request) -> Rendered:
    return b.render(model.update_schedule(b, req.path_params["schedule"], req.params, req.request_id), req.expand)


def _release(b: Backend, req: Request) -> Rendered:
    with b.lock:
        sched = b.get(req.path_params["schedule"], "subscription_schedule")
        if sched["status"] not in ("active", "not_started"):
            raise invalid_request(f"You cannot release a subscription schedule that is {sched['status']}.")
        schedules.release(b, sched, request_id=req.request_id)
        return b.render(sched, req.expand)


def _cancel(b: Backend, req: Request) -> Rendered:
    with b.lock:
        sched = b.get(req.path_params["schedule"], "subscription_schedule")
        if sched["status"] not in ("active", "not_started"):
            raise invalid_request(f"You cannot cancel a subscription schedule that is {sched['status']}.")
        sub_id = sched["subscription"]
        sched.update(
            {"status": "canceled", "canceled_at": b.now_for_customer(sched["customer"]), "current_phase": None}
        )
        b.emit("subscription_schedule.canceled", sched, request_id=req.request_id)
        if sub_id and b.objects[sub_id]["status"] not in ("canceled", "incomplete_expired"):
            cancel_subscription(b, sub_id, {"prorate": req.params.get("prorate", True)}, req.request_id)
        return b.render(sched, req.expand)


def _list(b: Backend, req: Request) -> Rendered:
    cus = req.params.get("customer")
    objs = b.all("subscription_schedule", where=lambda s: not cus or s["customer"] == cus)
    return b.list_response(objs, req.params, "/v1/subscription_schedules", req.expand)
