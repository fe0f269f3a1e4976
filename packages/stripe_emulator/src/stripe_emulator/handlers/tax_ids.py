"""The `tax_ids` endpoints (listed in `routes.py`): request in, model call, rendered object out."""

from __future__ import annotations

from ..backend import Backend
from ..errors import invalid_request
from ..models.base import Rendered
from ..resources import tax_ids as model
from ..resources.common import live_customer
from ..router import Request


def _create(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return b.render(model.create_tax_id(b, req.path_params["customer"], req.params, req.request_id), req.expand)


def _list_for_customer(b: Backend, req: Request) -> Rendered:
    cus = req.path_params["customer"]
    live_customer(b, cus, "customer")
    return model._list(b, req.params, cus, f"/v1/customers/{cus}/tax_ids")


def _retrieve_for_customer(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return b.render(model.get_tax_id(b, req.path_params["id"], req.path_params["customer"]), req.expand)


def _delete_for_customer(b: Backend, req: Request) -> Rendered:
    return model.delete_tax_id(b, req.path_params["id"], req.path_params["customer"], req.request_id)


def _create_top(b: Backend, req: Request) -> Rendered:
    owner = req.params.get("owner") or {"type": "self"}
    if owner.get("type") == "customer":
        if not owner.get("customer"):
            raise invalid_request("Missing required param: owner[customer].", param="owner[customer]")
        cus: str | None = owner["customer"]
    elif owner.get("type") == "self":
        cus = None
    else:
        raise invalid_request("Only owner[type]=customer or self is supported by the emulator.", param="owner[type]")
    params = {k: v for k, v in req.params.items() if k != "owner"}
    with b.lock:
        return b.render(model.create_tax_id(b, cus, params, req.request_id), req.expand)


def _list_top(b: Backend, req: Request) -> Rendered:
    owner = req.params.get("owner") or {"type": "self"}
    cus = owner.get("customer") if owner.get("type") == "customer" else None
    return model._list(b, req.params, cus, "/v1/tax_ids")


def _retrieve_top(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return b.render(model.get_tax_id(b, req.path_params["id"]), req.expand)


def _delete_top(b: Backend, req: Request) -> Rendered:
    return model.delete_tax_id(b, req.path_params["id"], None, req.request_id)
