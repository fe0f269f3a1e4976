"""What every stored object has: `id`, `object`, usually `created`, and the backend's private creation counter."""

from __future__ import annotations

from typing import Any, Required, TypedDict

#: A rendered object or list as it goes on the wire: JSON-shaped, private keys stripped, references maybe expanded.
#: Not a model: expansion replaces ids by objects, so its shape is the request's, not the stored one.
Rendered = dict[str, Any]


class StoredObject(TypedDict, total=False):
    """The keys `Backend.store`, `Backend.all` and `Backend.render` rely on; every model extends it."""

    id: Required[str]
    object: Required[str]
    created: int
    _seq: int
    """Creation order within one second (`Backend.store` sets it): the tiebreaker of Stripe's newest-first lists."""


def present[T](value: T | None) -> T:
    """A field the emulator always sets on this object, though Stripe's schema lets it be null for other objects or
    states (e.g. a customer's `invoice_settings`, an invoice's `payments`): the value, never None."""
    if value is None:
        raise AssertionError("a field the emulator always sets is null")
    return value
