"""Customers: create, retrieve, update, delete, list, search."""

from __future__ import annotations

from typing import Any

from ..backend import Backend
from ..router import Request, route


def _customer(b: Backend, p: dict[str, Any]) -> dict[str, Any]:
    now = b.now(p.get("test_clock"))
    return {
        "id": b.new_id("cus"),
        "object": "customer",
        "address": p.get("address") or None,
        "balance": p.get("balance", 0),
        "created": now,
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": p.get("description"),
        "discount": None,
        "email": p.get("email"),
        "invoice_prefix": b.new_id("x")[2:10].upper(),
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": (p.get("invoice_settings") or {}).get("default_payment_method"),
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": p.get("metadata") or {},
        "name": p.get("name"),
        "phone": p.get("phone"),
        "preferred_locales": p.get("preferred_locales") or [],
        "shipping": None,
        "tax_exempt": p.get("tax_exempt", "none"),
        "test_clock": p.get("test_clock"),
    }


@route("POST", "/v1/customers", params="CustomerCreateParams")
def create_customer(b: Backend, req: Request) -> dict[str, Any]:
    with b.lock:
        cus = b.store(_customer(b, req.params))
        b.emit("customer.created", cus, request_id=req.request_id)
        return b.render(cus, req.expand)


@route("GET", "/v1/customers/{customer}", params="CustomerRetrieveParams")
def retrieve_customer(b: Backend, req: Request) -> dict[str, Any]:
    return b.render(b.get(req.path_params["customer"], "customer"), req.expand)
