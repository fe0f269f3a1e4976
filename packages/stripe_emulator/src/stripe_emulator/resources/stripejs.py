"""The Stripe.js stand-in: `GET /v3/`, `/v3` and `/v3/stripe.js` (auth none) serve static/stripe.js."""

from __future__ import annotations

import functools
from pathlib import Path

_STATIC = Path(__file__).resolve().parent.parent / "static"


@functools.cache
def stripe_js() -> bytes:
    return (_STATIC / "stripe.js").read_bytes()
