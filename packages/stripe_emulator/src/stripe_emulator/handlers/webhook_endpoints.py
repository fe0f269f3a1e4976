"""The `webhook_endpoints` endpoints (listed in `routes.py`): request in, model call, rendered object out."""

from __future__ import annotations

from ..backend import Backend
from ..models.base import Rendered
from ..resources import webhook_endpoints as model
from ..router import Request


def _create(b: Backend, req: Request) -> Rendered:
    ep = model.create_webhook_endpoint(b, req.params)
    out = b.render(ep, req.expand)
    out["secret"] = ep["_secret"]
    return out


def _retrieve(b: Backend, req: Request) -> Rendered:
    return b.render(b.get(req.path_params["id"], "webhook_endpoint"), req.expand)


def _update(b: Backend, req: Request) -> Rendered:
    return b.render(model.update_webhook_endpoint(b, req.path_params["id"], req.params), req.expand)


def _delete(b: Backend, req: Request) -> Rendered:
    with b.lock:
        b.get(req.path_params["id"], "webhook_endpoint")
        b.delete(req.path_params["id"])
        return {"id": req.path_params["id"], "object": "webhook_endpoint", "deleted": True}


def _list(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return b.list_response(b.all("webhook_endpoint"), req.params, "/v1/webhook_endpoints", req.expand)
