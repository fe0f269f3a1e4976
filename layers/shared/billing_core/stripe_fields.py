"""Reading Stripe objects: stripe-python 16 objects are not dicts, and expandable fields are ids or objects.

`field(obj, "a", "b")` walks a path through Stripe objects or plain dicts (None when a step is missing);
`object_id(value)` is the id of an expandable field, whether it came back as an id or as the object;
`as_dict(obj)` is a Stripe object (or dict) as a plain dict.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def field(obj: Any, *path: str) -> Any:
    """Walk a path through nested Stripe objects / dicts; None when any step is missing."""
    for key in path:
        if obj is None:
            return None
        obj = obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)
    return obj


def object_id(value: Any) -> str | None:
    """The id of an expandable field: the string itself, or the expanded object's `id`."""
    if isinstance(value, str):
        return value
    found = field(value, "id")
    return found if isinstance(found, str) else None


def as_dict(obj: Any) -> dict[str, Any]:
    """A Stripe object as a plain dict (recursively, via ``to_dict``); a dict as it is; anything else ``{}``."""
    if isinstance(obj, dict):
        return obj
    to_dict = getattr(obj, "to_dict", None)
    if callable(to_dict):
        return dict(to_dict())
    return dict(obj) if isinstance(obj, Mapping) else {}
