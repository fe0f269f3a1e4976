"""The `customer_search` endpoints (listed in `routes.py`): request in, model call, rendered object out."""

from __future__ import annotations

from ..backend import Backend
from ..models.base import Rendered
from ..resources import customer_search as model
from ..router import Request


def _search(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return model.search_customers(b, req.params)
