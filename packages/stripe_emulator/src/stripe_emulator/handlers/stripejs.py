"""The `stripejs` endpoints (listed in `routes.py`): request in, model call, rendered object out."""

from __future__ import annotations

from ..backend import Backend
from ..resources import stripejs as model
from ..router import RawResponse, Request


def _serve(b: Backend, req: Request) -> RawResponse:
    return RawResponse(
        200,
        model.stripe_js(),
        "application/javascript; charset=utf-8",
        {"Cache-Control": "no-cache"},
    )
