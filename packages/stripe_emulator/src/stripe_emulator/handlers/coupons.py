"""The `coupons` endpoints (listed in `routes.py`): request in, model call, rendered object out."""

from __future__ import annotations

from ..backend import Backend
from ..models.base import Rendered
from ..resources import coupons as model
from ..resources.common import match_created
from ..router import Request


def _create(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return model.render_coupon(b, model.create_coupon(b, req.params, req.request_id), req.expand)


def _retrieve(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return model.render_coupon(b, model.get_coupon(b, req.path_params["id"], "id"), req.expand)


def _update(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return model.render_coupon(
            b, model.update_coupon(b, req.path_params["id"], req.params, req.request_id), req.expand
        )


def _delete(b: Backend, req: Request) -> Rendered:
    return model.delete_coupon(b, req.path_params["id"], req.request_id)


def _list(b: Backend, req: Request) -> Rendered:
    with b.lock:
        objs = b.all(
            "coupon",
            where=lambda c: not c.get("_deleted") and match_created(c["created"], req.params.get("created")),
        )
        for c in objs:
            model._refresh(b, c)
        return b.list_response(objs, req.params, "/v1/coupons", req.expand)
