"""An event rendered at a webhook endpoint's API version.

Stripe renders the `data.object` of a snapshot event at the API version of the endpoint it is delivered to (an
endpoint created with `api_version` keeps that version; without it, the account's), and the delivered event's
`api_version` says which. The emulator keeps every object at 2026-10-28.endive and, for an endpoint pinned to an
older version, re-renders the differences below (Stripe's changelog, basil onwards) before signing the body:

| added in          | object                          | field                                                 |
|-------------------|---------------------------------|-------------------------------------------------------|
| 2025-09-30.clover | `discount`                      | `source` (`{type, coupon}`) replaces the expanded `coupon` |
| 2025-09-30.clover | `billing_portal.configuration`  | `features.subscription_update.trial_update_behavior`  |
| 2025-12-15.clover | `line_item` (invoice lines)     | `subtotal`                                            |
| 2026-05-27.dahlia | `invoice`                       | `amount_paid_off_stripe`                              |
| 2026-05-27.dahlia | `subscription`                  | `pending_update.discount`, `.discounts`, `.metadata`  |
| 2026-08-26.dahlia | `invoiceitem`                   | `frozen_fields`                                       |
| 2026-09-30.endive | `subscription`                  | `status_details` (the pause endpoint's reason)        |

An older version sees the object without the field (or, for discounts, with the coupon object instead of
`source`); `data.previous_attributes` loses the same keys. Everything else is sent as endive renders it. API
versions stripe-python 16 does not know are refused by the params schema (an enum); known versions older than
basil (2025-03-31) are refused by `check_endpoint_version`, since the emulator does not render them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from .errors import invalid_request
from .models.base import Rendered

CURRENT = "2026-10-28.endive"
OLDEST = "2025-03-31.basil"


def _date(version: str) -> str:
    return version.split(".", 1)[0]


def check_endpoint_version(version: Any) -> str | None:
    """The endpoint's version, or None for the account's; a known version older than basil is refused."""
    if version in (None, ""):
        return None
    if _date(str(version)) < _date(OLDEST):
        raise invalid_request(
            f"The emulator renders webhook events for API versions {OLDEST} and later; {version} is older.",
            param="api_version",
        )
    return str(version)


def _drop(*path: str) -> Callable[[dict[str, Any], Any], None]:
    def apply(obj: dict[str, Any], _lookup: Any) -> None:
        node: Any = obj
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(path[-1], None)

    return apply


def _discount_coupon(obj: dict[str, Any], lookup: Callable[[str], dict[str, Any] | None]) -> None:
    source = obj.pop("source", None) or {}
    coupon_id = source.get("coupon")
    coupon = lookup(coupon_id) if isinstance(coupon_id, str) else None
    obj["coupon"] = copy.deepcopy(coupon) if coupon is not None else coupon_id


# (version that added the change, object type, how an older version renders it)
_CHANGES: list[tuple[str, str, Callable[[dict[str, Any], Any], None]]] = [
    ("2025-09-30.clover", "discount", _discount_coupon),
    (
        "2025-09-30.clover",
        "billing_portal.configuration",
        _drop("features", "subscription_update", "trial_update_behavior"),
    ),
    ("2025-12-15.clover", "line_item", _drop("subtotal")),
    ("2026-05-27.dahlia", "invoice", _drop("amount_paid_off_stripe")),
    ("2026-05-27.dahlia", "subscription", _drop("pending_update", "discount")),
    ("2026-05-27.dahlia", "subscription", _drop("pending_update", "discounts")),
    ("2026-05-27.dahlia", "subscription", _drop("pending_update", "metadata")),
    ("2026-08-26.dahlia", "invoiceitem", _drop("frozen_fields")),
    # changelog endive 2026-09-30 "pause and resume Subscriptions on demand" adds `status_details` (the dahlia
    # 2026-05-27 entry is the preview channel's)
    ("2026-09-30.endive", "subscription", _drop("status_details")),
]


def _walk(node: Any, version: str, lookup: Callable[[str], dict[str, Any] | None]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item, version, lookup)
        return
    if not isinstance(node, dict):
        return
    for value in node.values():
        _walk(value, version, lookup)
    kind = node.get("object")
    for added, obj_type, older in _CHANGES:
        if kind == obj_type and _date(version) < _date(added):
            older(node, lookup)


def event_for_version(evt: Rendered, version: str | None, lookup: Callable[[str], dict[str, Any] | None]) -> Rendered:
    """A rendered event (a copy) as an endpoint pinned to `version` receives it; `lookup` finds objects by id."""
    if not version or version == CURRENT:
        return evt
    out = copy.deepcopy(evt)
    out["api_version"] = version
    data = out.get("data") or {}
    obj = data.get("object")
    _walk(obj, version, lookup)
    prev = data.get("previous_attributes")
    if isinstance(prev, dict) and isinstance(obj, dict):
        typed = {**prev, "object": obj.get("object")}
        _walk(typed, version, lookup)
        typed.pop("object", None)
        data["previous_attributes"] = typed
    return out
