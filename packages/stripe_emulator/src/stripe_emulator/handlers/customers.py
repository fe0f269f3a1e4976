"""The `customers` endpoints (listed in `routes.py`): request in, model call, rendered object out."""

from __future__ import annotations

from ..backend import Backend
from ..models.base import Rendered
from ..resources import customers as model
from ..router import Request


def _create(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return model.render_customer(b, model.create_customer(b, req.params, req.request_id), req.expand)


def _retrieve(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return model.render_customer(b, b.get(req.path_params["customer"], "customer"), req.expand)


def _update(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return model.render_customer(
            b, model.update_customer(b, req.path_params["customer"], req.params, req.request_id), req.expand
        )


def _delete(b: Backend, req: Request) -> Rendered:
    return model.delete_customer(b, req.path_params["customer"], req.request_id)


def _list(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return model.list_customers(b, req.params)
