"""The `events` endpoints (listed in `routes.py`): request in, model call, rendered object out."""

from __future__ import annotations

from ..backend import Backend
from ..models.base import Rendered
from ..resources import events as model
from ..router import Request


def _list(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return model.list_events(b, req.params)


def _retrieve(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return b.render(b.get(req.path_params["id"], "event"), req.expand)
