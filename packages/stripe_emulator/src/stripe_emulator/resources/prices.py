"""Prices: create (product or product_data, recurring, lookup_key with transfer), retrieve, update, list, search-free.

`lookup_key` is unique across the account's prices (archived ones included, as on Stripe); creating or updating a
price with a key already in use is a 400 unless `transfer_lookup_key=true` moves it from the old price.
"""

from __future__ import annotations

import copy
from decimal import Decimal, InvalidOperation
from typing import Any

from ..backend import Backend
from ..errors import invalid_request
from ..models.base import Rendered
from ..models.catalog import Price
from . import products
from .common import diff_previous, match_created, merge_metadata, render_with

_MAX_INTERVAL_COUNT = {"day": 1095, "week": 156, "month": 36, "year": 3}


def _recurring(value: Any) -> dict[str, Any] | None:
    if not value:
        return None
    interval = value.get("interval")
    if interval not in _MAX_INTERVAL_COUNT:
        raise invalid_request("Missing required param: recurring[interval].", param="recurring[interval]")
    count = int(value.get("interval_count") or 1)
    if not 1 <= count <= _MAX_INTERVAL_COUNT[interval]:
        raise invalid_request(
            "Invalid recurring[interval_count]: the maximum interval is three years.", param="recurring[interval_count]"
        )
    usage = value.get("usage_type") or "licensed"
    if usage == "metered" and not value.get("meter"):
        raise invalid_request("Metered prices must be backed by a meter.", param="recurring[meter]")
    return {
        "interval": interval,
        "interval_count": count,
        "meter": value.get("meter"),
        "trial_period_days": value.get("trial_period_days"),
        "usage_type": usage,
    }


def _take_lookup_key(b: Backend, key: str, transfer: bool, price_id: str, request_id: str | None) -> None:
    holder = next((p for p in b.all("price") if p.get("lookup_key") == key and p["id"] != price_id), None)
    if holder is None:
        return
    if not transfer:
        raise invalid_request(
            f"A price (`{holder['id']}`) already uses that lookup key. Pass `transfer_lookup_key=true` to move the "
            "lookup key to this price.",
            param="lookup_key",
        )
    holder["lookup_key"] = None
    b.emit("price.updated", holder, previous_attributes={"lookup_key": key}, request_id=request_id)


def create_price(b: Backend, params: dict[str, Any], request_id: str | None = None) -> Price:
    currency = str(params.get("currency") or "").lower()
    if not currency:
        raise invalid_request("Missing required param: currency.", param="currency")
    scheme = params.get("billing_scheme") or "per_unit"
    amount = params.get("unit_amount")
    amount_decimal = params.get("unit_amount_decimal")
    custom = params.get("custom_unit_amount")
    if amount is not None and amount_decimal is not None:
        raise invalid_request(
            "You may only specify one of these parameters: unit_amount, unit_amount_decimal.", param="unit_amount"
        )
    if amount_decimal is not None:
        try:
            dec = Decimal(str(amount_decimal))
        except InvalidOperation:
            raise invalid_request("Invalid decimal: unit_amount_decimal", param="unit_amount_decimal") from None
        amount = int(dec) if dec == dec.to_integral_value() else None
        amount_decimal = str(dec)
    elif amount is not None:
        if int(amount) < 0:
            raise invalid_request("Invalid non-negative integer", param="unit_amount")
        amount_decimal = str(int(amount))
    if scheme == "per_unit" and amount is None and amount_decimal is None and not (custom and custom.get("enabled")):
        raise invalid_request(
            "Missing required param: unit_amount (or unit_amount_decimal / custom_unit_amount).", param="unit_amount"
        )
    if scheme == "tiered" and not params.get("tiers"):
        raise invalid_request("Missing required param: tiers.", param="tiers")
    recurring = _recurring(params.get("recurring"))
    with b.lock:
        if params.get("product") and params.get("product_data"):
            raise invalid_request("You may only specify one of these parameters: product, product_data.")
        if params.get("product"):
            product_id = b.get(params["product"], "product", param="product")["id"]
        elif params.get("product_data"):
            product_id = products.create_product(b, params["product_data"], request_id=request_id)["id"]
        else:
            raise invalid_request("Missing required param: product.", param="product")
        price_id = b.new_id("price")
        if params.get("lookup_key"):
            _take_lookup_key(b, params["lookup_key"], bool(params.get("transfer_lookup_key")), price_id, request_id)
        tq = params.get("transform_quantity")
        price: Price = {
            "id": price_id,
            "object": "price",
            "active": params.get("active", True),
            "billing_scheme": scheme,
            "created": b.now(),
            "currency": currency,
            "custom_unit_amount": (
                {"maximum": custom.get("maximum"), "minimum": custom.get("minimum"), "preset": custom.get("preset")}
                if custom and custom.get("enabled")
                else None
            ),
            "livemode": False,
            "lookup_key": params.get("lookup_key") or None,
            "metadata": merge_metadata({}, params.get("metadata") or {}),
            "nickname": params.get("nickname") or None,
            "product": product_id,
            "recurring": recurring,
            "tax_behavior": params.get("tax_behavior") or "unspecified",
            "tiers_mode": params.get("tiers_mode"),
            "transform_quantity": ({"divide_by": int(tq["divide_by"]), "round": tq["round"]} if tq else None),
            "type": "recurring" if recurring else "one_time",
            "unit_amount": int(amount) if amount is not None else None,
            "unit_amount_decimal": amount_decimal,
            "_tiers": [
                {
                    "flat_amount": t.get("flat_amount"),
                    "flat_amount_decimal": str(t["flat_amount"]) if t.get("flat_amount") is not None else None,
                    "unit_amount": t.get("unit_amount"),
                    "unit_amount_decimal": str(t["unit_amount"]) if t.get("unit_amount") is not None else None,
                    "up_to": None if t.get("up_to") == "inf" else t.get("up_to"),
                }
                for t in params.get("tiers") or []
            ],
        }
        b.store(price)
        b.emit("price.created", price, request_id=request_id)
        return price


def update_price(b: Backend, price_id: str, params: dict[str, Any], request_id: str | None = None) -> Price:
    with b.lock:
        price = b.get(price_id, "price")
        before = copy.deepcopy(price)
        if "lookup_key" in params:
            key = params["lookup_key"] or None
            if key:
                _take_lookup_key(b, key, bool(params.get("transfer_lookup_key")), price_id, request_id)
            price["lookup_key"] = key
        if "active" in params:
            if params["active"] is False:
                prod = b.objects.get(price["product"])
                if prod is not None and prod.get("default_price") == price_id:
                    raise invalid_request(
                        "This price cannot be archived because it is the default price of its product.",
                        param="active",
                    )
            price["active"] = params["active"]
        if "nickname" in params:
            price["nickname"] = params["nickname"] or None
        if "metadata" in params:
            price["metadata"] = merge_metadata(price["metadata"], params["metadata"])
        if "tax_behavior" in params:
            if before["tax_behavior"] != "unspecified" and params["tax_behavior"] != before["tax_behavior"]:
                raise invalid_request("tax_behavior cannot be changed once it has been set.", param="tax_behavior")
            price["tax_behavior"] = params["tax_behavior"]
        prev = diff_previous(before, price)
        if prev:
            b.emit("price.updated", price, previous_attributes=prev, request_id=request_id)
        return price


def render_price(b: Backend, price: Price, expand: list[str]) -> Rendered:
    return render_with(b, price, expand, {"tiers": lambda: copy.deepcopy(price.get("_tiers") or None)})


def list_prices(b: Backend, params: dict[str, Any]) -> Rendered:
    keys = params.get("lookup_keys") or []
    if len(keys) > 10:
        raise invalid_request("You may specify up to 10 lookup_keys.", param="lookup_keys")
    rec = params.get("recurring") or {}

    def keep(p: Price) -> bool:
        if "active" in params and p["active"] != params["active"]:
            return False
        if params.get("product") and p["product"] != params["product"]:
            return False
        if params.get("currency") and p["currency"] != str(params["currency"]).lower():
            return False
        if params.get("type") and p["type"] != params["type"]:
            return False
        if keys and p.get("lookup_key") not in keys:
            return False
        if rec:
            r = p.get("recurring")
            if r is None:
                return False
            if rec.get("interval") and r["interval"] != rec["interval"]:
                return False
            if rec.get("usage_type") and r["usage_type"] != rec["usage_type"]:
                return False
            if rec.get("meter") and r["meter"] != rec["meter"]:
                return False
        return match_created(p["created"], params.get("created"))

    return b.list_response(b.all("price", where=keep), params, "/v1/prices", params.get("expand") or [])
