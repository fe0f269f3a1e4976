"""The `payment_methods` endpoints (listed in `routes.py`): request in, model call, rendered object out."""

from __future__ import annotations

from ..backend import Backend
from ..errors import invalid_request
from ..models.base import Rendered
from ..resources import payment_methods as model
from ..resources.common import live_customer
from ..router import Request


def _create(b: Backend, req: Request) -> Rendered:
    if req.api_key == b.publishable_key and req.params.get("customer"):
        raise invalid_request("You cannot attach a PaymentMethod with a publishable key.", param="customer")
    with b.lock:
        return b.render(model.create_payment_method(b, req.params, req.request_id), req.expand)


def _retrieve(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return b.render(b.get(req.path_params["id"], "payment_method"), req.expand)


def _update(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return b.render(model.update_payment_method(b, req.path_params["id"], req.params, req.request_id), req.expand)


def _attach(b: Backend, req: Request) -> Rendered:
    if not req.params.get("customer"):
        raise invalid_request("Missing required param: customer.", param="customer")
    with b.lock:
        pm = model.attach_payment_method(b, req.path_params["id"], req.params["customer"], req.request_id, param="id")
        return b.render(pm, req.expand)


def _detach(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return b.render(model.detach_payment_method(b, req.path_params["id"], req.request_id), req.expand)


def _list(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return model.list_payment_methods(b, req.params, req.params.get("customer"), "/v1/payment_methods")


def _list_for_customer(b: Backend, req: Request) -> Rendered:
    cus = req.path_params["customer"]
    with b.lock:
        live_customer(b, cus, "customer")
        return model.list_payment_methods(b, req.params, cus, f"/v1/customers/{cus}/payment_methods")


def _retrieve_for_customer(b: Backend, req: Request) -> Rendered:
    with b.lock:
        pm = b.get(req.path_params["id"], "payment_method")
        if pm.get("customer") != req.path_params["customer"]:
            raise invalid_request(
                f"No such PaymentMethod: '{pm['id']}'", param="payment_method", code="resource_missing", status=404
            )
        return b.render(pm, req.expand)
