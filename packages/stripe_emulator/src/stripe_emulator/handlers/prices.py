"""The `prices` endpoints (listed in `routes.py`): request in, model call, rendered object out."""

from __future__ import annotations

from ..backend import Backend
from ..models.base import Rendered
from ..resources import prices as model
from ..router import Request


def _create(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return model.render_price(b, model.create_price(b, req.params, req.request_id), req.expand)


def _retrieve(b: Backend, req: Request) -> Rendered:
    return model.render_price(b, b.get(req.path_params["id"], "price"), req.expand)


def _update(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return model.render_price(
            b, model.update_price(b, req.path_params["id"], req.params, req.request_id), req.expand
        )


def _list(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return model.list_prices(b, req.params)
