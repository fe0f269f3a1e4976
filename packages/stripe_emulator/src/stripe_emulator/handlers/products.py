"""The `products` endpoints (listed in `routes.py`): request in, model call, rendered object out."""

from __future__ import annotations

from ..backend import Backend
from ..models.base import Rendered
from ..resources import products as model
from ..router import Request


def _create(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return b.render(model.create_product(b, req.params, req.request_id), req.expand)


def _retrieve(b: Backend, req: Request) -> Rendered:
    return b.render(b.get(req.path_params["id"], "product"), req.expand)


def _update(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return b.render(model.update_product(b, req.path_params["id"], req.params, req.request_id), req.expand)


def _delete(b: Backend, req: Request) -> Rendered:
    return model.delete_product(b, req.path_params["id"], req.request_id)


def _list(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return model.list_products(b, req.params)
