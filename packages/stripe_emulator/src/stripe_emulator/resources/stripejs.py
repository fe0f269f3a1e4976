"""The Stripe.js stand-in: `GET /v3/`, `/v3` and `/v3/stripe.js` (auth none) serve static/stripe.js."""

from __future__ import annotations

import functools
from pathlib import Path

from ..backend import Backend
from ..router import RawResponse, Request

_STATIC = Path(__file__).resolve().parent.parent / "static"


@functools.cache
def stripe_js() -> bytes:
    return (_STATIC / "stripe.js").read_bytes()


def _serve(b: Backend, req: Request) -> RawResponse:
    return RawResponse(
        200,
        stripe_js(),
        "application/javascript; charset=utf-8",
        {"Cache-Control": "no-cache"},
    )
