"""Ownership of client-named Stripe objects (the IDOR check, A2/A3) and derived Stripe idempotency keys."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from billing_core.errors import NotFound
from billing_core.observability import count, logger
from billing_core.stripe_fields import field, object_id


def owner_of(obj: Mapping[str, Any] | Any) -> str | None:
    """The customer id a Stripe object belongs to (``customer`` as id or expanded object)."""
    return object_id(field(obj, "customer"))


def assert_owned(obj: Mapping[str, Any] | Any, customer_id: str, *, operation: str = "ownership") -> None:
    """Raise ``NotFound`` unless ``obj`` belongs to ``customer_id`` (A2/A3: foreign == missing).

    Call it right after retrieving a client-named object and before any other Stripe call.
    """
    owner = owner_of(obj)
    if owner is None or owner != customer_id:
        count("OwnershipDenied")
        logger.warning(
            "ownership check failed",
            extra={"operation": operation, "object": object_id(obj), "has_owner": owner is not None},
        )
        raise NotFound(operation=operation)


def derive_key(base: str, purpose: str) -> str:
    """A Stripe idempotency key for one write of one request.

    ``base`` must identify the caller and the request (e.g. ``f"{sub}:{idempotency_key}"``; see
    ``billing_core.app_factory.IdempotencyKey.stripe``); ``purpose`` names the write
    (``"subscription.update"``). Deterministic, 255 chars max, no personal data.
    """
    digest = hashlib.sha256(f"{base}\x1f{purpose}".encode()).hexdigest()
    return f"bss-{purpose[:64]}-{digest}"
