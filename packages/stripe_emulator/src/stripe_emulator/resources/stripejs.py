"""The Stripe.js stand-in: `GET /v3/` and `/v3/stripe.js` (auth none) serve static/stripe.js.

Also registers the hosted pages (Checkout, customer portal) from `pages/`, which, like Stripe.js, are served to a
browser without an API key.
"""

from __future__ import annotations

import functools
from pathlib import Path

from .. import pages  # noqa: F401 - registers the hosted page routes
from ..backend import Backend
from ..router import RawResponse, Request, route

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


route("GET", "/v3/", auth="none")(_serve)
route("GET", "/v3", auth="none")(_serve)
route("GET", "/v3/stripe.js", auth="none")(_serve)
