"""Stripe webhook signatures, checked on the raw request bytes.

``Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]`` where each ``v1`` is HMAC-SHA256 over ``b"<t>." + body``
with an endpoint secret. While a secret rolls, Stripe sends one ``v1`` per active secret and we may hold
several secrets (``STRIPE_WEBHOOK_SECRET_NAME`` holds them comma separated): any pair matching is enough.
Timestamps older than the tolerance are refused (replay), and so are timestamps more than the tolerance in
the future (a forged clock). Never verify re-serialised JSON or a still-base64 body.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

TOLERANCE_S = 300
_MAX_HEADER = 4096


class SignatureError(Exception):
    """The signature does not verify. ``reason`` is safe to log (no secret or body)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_header(header: str | None) -> tuple[int, list[str]]:
    """The timestamp and every ``v1`` signature; ``SignatureError`` when the header is unusable."""
    if not header or not header.strip():
        raise SignatureError("missing_header")
    if len(header) > _MAX_HEADER:
        raise SignatureError("header_too_long")
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise SignatureError("bad_timestamp") from None
        elif key == "v1" and value:
            signatures.append(value.strip().lower())
    if timestamp is None:
        raise SignatureError("no_timestamp")
    if not signatures:
        raise SignatureError("no_v1_signature")
    return timestamp, signatures


def compute_signature(body: bytes, secret: str, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def check_timestamp(timestamp: int, now: float, tolerance: int = TOLERANCE_S) -> None:
    if timestamp < now - tolerance:
        raise SignatureError("timestamp_too_old")
    if timestamp > now + tolerance:
        raise SignatureError("timestamp_in_future")


def matches(body: bytes, timestamp: int, signatures: Sequence[str], secrets: Sequence[str]) -> bool:
    """True when any ``v1`` equals the HMAC of any secret (constant-time comparisons)."""
    found = False
    for secret in secrets:
        expected = compute_signature(body, secret, timestamp)
        for candidate in signatures:
            found |= hmac.compare_digest(expected, candidate)
    return found


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """A header value for ``body`` (tests, samples and the benchmark)."""
    return f"t={timestamp},v1={compute_signature(body, secret, timestamp)}"
