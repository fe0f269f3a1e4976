"""Coupons: create, retrieve, update (name, metadata), delete, list; validity and redemption for other modules.

`coupon_valid(b, id)` is what subscriptions, invoices, checkout and the portal call before applying a coupon, and
`redeem_coupon(b, id)` when a discount is actually applied (times_redeemed, and `valid` turning false at
max_redemptions). A deleted coupon answers 404 but stays stored so existing discounts still render it.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from ..backend import Backend
from ..errors import invalid_request, resource_missing
from ..models.base import Rendered
from ..models.catalog import Coupon
from .common import merge_metadata, render_with


def _refresh(b: Backend, coupon: Coupon) -> Coupon:
    valid = not coupon.get("_deleted")
    redeem_by, max_redemptions = coupon.get("redeem_by"), coupon.get("max_redemptions")
    if redeem_by is not None and b.now() > redeem_by:
        valid = False
    if max_redemptions is not None and coupon["times_redeemed"] >= max_redemptions:
        valid = False
    coupon["valid"] = valid
    return coupon


def get_coupon(b: Backend, coupon_id: Any, param: str = "coupon") -> Coupon:
    """The coupon (with `valid` recomputed), or 404 for a missing or deleted one."""
    c = b.get(coupon_id, "coupon", param=param)
    if c.get("_deleted"):
        raise resource_missing("coupon", str(coupon_id), param)
    return _refresh(b, c)


def coupon_valid(b: Backend, coupon_id: Any, *, param: str = "coupon") -> Coupon:
    """The coupon if it can be applied now; otherwise 400 like Stripe ("Coupon expired: X" / 404 if missing)."""
    c = get_coupon(b, coupon_id, param)
    if not c["valid"]:
        raise invalid_request(f"Coupon expired: {coupon_id}", param=param)
    return c


def redeem_coupon(b: Backend, coupon_id: str) -> Coupon:
    """Count one redemption (call when a discount using the coupon is created)."""
    with b.lock:
        c = coupon_valid(b, coupon_id)
        c["times_redeemed"] += 1
        return _refresh(b, c)


def create_coupon(b: Backend, params: dict[str, Any], request_id: str | None = None) -> Coupon:
    pct, amt = params.get("percent_off"), params.get("amount_off")
    if (pct is None) == (amt is None):
        raise invalid_request("You must pass exactly one of percent_off or amount_off.", param="percent_off")
    if pct is not None and not 0 < float(pct) <= 100:
        raise invalid_request("Invalid percent_off: must be greater than 0 and at most 100.", param="percent_off")
    currency = str(params.get("currency") or "").lower() or None
    if amt is not None:
        if int(amt) <= 0:
            raise invalid_request("Invalid amount_off: must be a positive integer.", param="amount_off")
        if not currency:
            raise invalid_request("You must pass currency when passing amount_off.", param="currency")
    duration = params.get("duration") or "once"
    months = params.get("duration_in_months")
    if duration == "repeating":
        if not months or int(months) < 1:
            raise invalid_request(
                "You must pass duration_in_months when duration is repeating.", param="duration_in_months"
            )
    elif months is not None:
        raise invalid_request(
            "duration_in_months can only be set when duration is repeating.", param="duration_in_months"
        )
    redeem_by = params.get("redeem_by")
    with b.lock:
        if redeem_by is not None and int(redeem_by) <= b.now():
            raise invalid_request("Invalid redeem_by: must be in the future.", param="redeem_by")
        cid = params.get("id") or "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(8))
        if cid in b.objects:
            raise invalid_request("Coupon already exists.", param="id", code="resource_already_exists")
        if params.get("max_redemptions") is not None and int(params["max_redemptions"]) < 1:
            raise invalid_request("Invalid max_redemptions: must be positive.", param="max_redemptions")
        products = (params.get("applies_to") or {}).get("products")
        for p in products or []:
            b.get(p, "product", param="applies_to[products]")
        coupon: Coupon = {
            "id": cid,
            "object": "coupon",
            "amount_off": int(amt) if amt is not None else None,
            "created": b.now(),
            "currency": currency,
            "duration": duration,
            "duration_in_months": int(months) if months else None,
            "livemode": False,
            "max_redemptions": params.get("max_redemptions"),
            "metadata": merge_metadata({}, params.get("metadata") or {}),
            "name": params.get("name") or None,
            "percent_off": float(pct) if pct is not None else None,
            "redeem_by": int(redeem_by) if redeem_by is not None else None,
            "times_redeemed": 0,
            "valid": True,
            "_applies_to": {"products": list(products)} if products else None,
        }
        b.store(coupon)
        b.emit("coupon.created", coupon, request_id=request_id)
        return coupon


def update_coupon(b: Backend, coupon_id: str, params: dict[str, Any], request_id: str | None = None) -> Coupon:
    with b.lock:
        c = get_coupon(b, coupon_id, "id")
        prev: dict[str, Any] = {}
        if "name" in params and (params["name"] or None) != c["name"]:
            prev["name"] = c["name"]
            c["name"] = params["name"] or None
        if "metadata" in params:
            old = c.get("metadata") or {}
            new = merge_metadata(old, params["metadata"])
            if new != old:
                prev["metadata"] = {k: old.get(k) for k in set(new) | set(old)}
                c["metadata"] = new
        if prev:
            b.emit("coupon.updated", c, previous_attributes=prev, request_id=request_id)
        return c


def delete_coupon(b: Backend, coupon_id: str, request_id: str | None = None) -> Rendered:
    with b.lock:
        c = get_coupon(b, coupon_id, "id")
        c["_deleted"] = True
        b.emit("coupon.deleted", _refresh(b, c), request_id=request_id)
        return {"id": coupon_id, "object": "coupon", "deleted": True}


def render_coupon(b: Backend, c: Coupon, expand: list[str]) -> Rendered:
    return render_with(b, c, expand, {"applies_to": lambda: c.get("_applies_to") or {"products": []}})
