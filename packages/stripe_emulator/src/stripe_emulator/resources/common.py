"""Helpers every resource module shares: metadata merges, `created` filters, `previous_attributes`, addresses,
expansion, and `live_customer` (a customer that exists and is not deleted)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..backend import Backend
from ..errors import invalid_request, resource_missing
from ..models.base import Rendered
from ..models.customers import Customer

_ADDRESS_KEYS = ("city", "country", "line1", "line2", "postal_code", "state")


def merge_metadata(current: dict[str, Any] | None, update: Any) -> dict[str, Any]:
    """Stripe's metadata update: keys merge, a key set to "" is removed, metadata="" clears everything."""
    if update == "":
        return {}
    out = dict(current or {})
    if not isinstance(update, dict):
        raise invalid_request("Invalid object", param="metadata")
    for k, v in update.items():
        if len(k) > 40:
            raise invalid_request("Metadata keys can have up to 40 characters.", param=f"metadata[{k}]")
        if v in ("", None):
            out.pop(k, None)
        else:
            if len(str(v)) > 500:
                raise invalid_request("Metadata values can have up to 500 characters.", param=f"metadata[{k}]")
            out[k] = str(v)
    if len(out) > 50:
        raise invalid_request("Metadata can have up to 50 keys.", param="metadata")
    return out


def match_created(created: int, flt: Any) -> bool:
    """The `created` list filter: an exact int or {gt, gte, lt, lte}."""
    if flt in (None, ""):
        return True
    if not isinstance(flt, dict):
        return created == int(flt)
    ops = {"gt": lambda a, b: a > b, "gte": lambda a, b: a >= b, "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b}
    return all(ops[k](created, int(v)) for k, v in flt.items() if k in ops)


def diff_previous(before: Any, after: Any) -> dict[str, Any]:
    """`data.previous_attributes`: the earlier values of the keys that changed (nested hashes diffed too)."""
    out: dict[str, Any] = {}
    for key in set(before) | set(after):
        if key.startswith("_"):
            continue
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict) and key != "metadata_full":
            out[key] = diff_previous(old, new)
        else:
            out[key] = copy.deepcopy(old)
    return out


def address(value: Any) -> dict[str, Any] | None:
    if value in (None, ""):
        return None
    return {k: value.get(k) for k in _ADDRESS_KEYS}


def render_with(
    b: Backend, obj: Mapping[str, Any], expand: Iterable[str], includable: dict[str, Callable[[], Any]]
) -> Rendered:
    """`b.render` for objects with include-only fields (present only when named in `expand`)."""
    expand = list(expand)
    extra = {name: make() for name, make in includable.items() if any(e.split(".")[0] == name for e in expand)}
    if not extra:
        return b.render(obj, expand)
    return b.render({**obj, **extra}, expand)


def live_customer(b: Backend, cus_id: Any, param: str = "customer") -> Customer:
    """The customer, or 404 `resource_missing` (a deleted customer is missing for every other purpose)."""
    cus = b.get(cus_id, "customer", param=param)
    if cus.get("deleted"):
        raise resource_missing("customer", str(cus_id), param)
    return cus
