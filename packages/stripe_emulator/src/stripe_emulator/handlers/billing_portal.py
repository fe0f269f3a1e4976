"""The `billing_portal` endpoints (listed in `routes.py`): request in, model call, rendered object out."""

from __future__ import annotations

from ..backend import Backend
from ..models.base import Rendered
from ..resources import billing_portal as model
from ..router import Request


def _create_session(b: Backend, req: Request) -> Rendered:
    return b.render(model.create_portal_session(b, req.params, req.request_id), req.expand)
