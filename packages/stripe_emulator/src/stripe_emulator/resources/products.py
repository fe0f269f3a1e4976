"""Products: create (with `default_price_data`), retrieve, update (`default_price`, active, metadata), list, delete."""

from __future__ import annotations

import copy
from typing import Any, cast

from ..backend import Backend
from ..errors import invalid_request
from ..models.base import Rendered
from ..models.catalog import Product
from . import prices
from .common import diff_previous, match_created, merge_metadata


def _features(value: Any) -> list[dict[str, Any]]:
    return [{"name": f.get("name")} for f in (value or [])] if value != "" else []


def _dims(value: Any) -> dict[str, Any] | None:
    if value in (None, ""):
        return None
    return {k: float(value[k]) for k in ("height", "length", "weight", "width")}


def _tax_details(value: Any) -> dict[str, Any] | None:
    if value in (None, ""):
        return None
    return {"performance_location": value.get("performance_location"), "tax_code": value.get("tax_code")}


def create_product(b: Backend, params: dict[str, Any], request_id: str | None = None) -> Product:
    if not params.get("name"):
        raise invalid_request("Missing required param: name.", param="name")
    with b.lock:
        pid = params.get("id") or b.new_id("prod")
        if pid in b.objects:
            raise invalid_request(f"Product already exists with ID {pid}.", param="id", code="resource_already_exists")
        now = b.now()
        prod: Product = {
            "id": pid,
            "object": "product",
            "active": params.get("active", True),
            "created": now,
            "default_price": None,
            "description": params.get("description") or None,
            "images": params.get("images") or [],
            "livemode": False,
            "marketing_features": _features(params.get("marketing_features")),
            "metadata": merge_metadata({}, params.get("metadata") or {}),
            "name": params["name"],
            "package_dimensions": _dims(params.get("package_dimensions")),
            "shippable": params.get("shippable"),
            "statement_descriptor": params.get("statement_descriptor"),
            "tax_code": params.get("tax_code"),
            "tax_details": _tax_details(params.get("tax_details")),
            "type": params.get("type") or "service",
            "unit_label": params.get("unit_label"),
            "updated": now,
            "url": params.get("url"),
        }
        b.store(prod)
        b.emit("product.created", prod, request_id=request_id)
        dpd = params.get("default_price_data")
        if dpd:
            price = prices.create_price(b, dpd | {"product": pid}, request_id=request_id)
            prod["default_price"] = price["id"]
        return prod


_SIMPLE = ("active", "description", "name", "shippable", "statement_descriptor", "tax_code", "unit_label", "url")


def update_product(b: Backend, prod_id: str, params: dict[str, Any], request_id: str | None = None) -> Product:
    with b.lock:
        prod = b.get(prod_id, "product")
        before = copy.deepcopy(prod)
        for key in _SIMPLE:
            if key in params:
                if key == "name" and not params[key]:
                    raise invalid_request("You cannot unset the product name.", param="name")
                cast(dict[str, Any], prod)[key] = None if params[key] == "" else params[key]  # a field of `_SIMPLE`
        if "images" in params:
            prod["images"] = params["images"] or []
        if "marketing_features" in params:
            prod["marketing_features"] = _features(params["marketing_features"])
        if "package_dimensions" in params:
            prod["package_dimensions"] = _dims(params["package_dimensions"])
        if "tax_details" in params:
            prod["tax_details"] = _tax_details(params["tax_details"])
        if "metadata" in params:
            prod["metadata"] = merge_metadata(prod["metadata"], params["metadata"])
        if "default_price" in params:
            dp = params["default_price"]
            if dp:
                price = b.get(dp, "price", param="default_price")
                if price["product"] != prod_id:
                    raise invalid_request(
                        f"The price {dp} does not belong to product {prod_id}.", param="default_price"
                    )
                if not price["active"]:
                    raise invalid_request("The default price must be active.", param="default_price")
            prod["default_price"] = dp or None
        prev = diff_previous(before, prod)
        if prev:
            prod["updated"] = b.now()
            prev["updated"] = before["updated"]
            b.emit("product.updated", prod, previous_attributes=prev, request_id=request_id)
        return prod


def delete_product(b: Backend, prod_id: str, request_id: str | None = None) -> Rendered:
    with b.lock:
        prod = b.get(prod_id, "product")
        if b.all("price", where=lambda p: p["product"] == prod_id):
            raise invalid_request(
                "This product cannot be deleted because it has one or more user-created prices.", param="id"
            )
        b.delete(prod_id)
        b.emit("product.deleted", prod, request_id=request_id)
        return {"id": prod_id, "object": "product", "deleted": True}


def list_products(b: Backend, params: dict[str, Any]) -> Rendered:
    ids = set(params.get("ids") or [])

    def keep(p: Product) -> bool:
        if "active" in params and p["active"] != params["active"]:
            return False
        if "shippable" in params and p["shippable"] != params["shippable"]:
            return False
        if params.get("url") and p["url"] != params["url"]:
            return False
        if ids and p["id"] not in ids:
            return False
        return match_created(p["created"], params.get("created"))

    return b.list_response(b.all("product", where=keep), params, "/v1/products", params.get("expand") or [])
