"""The `payment_intents` endpoints (listed in `routes.py`): request in, model call, rendered object out."""

from __future__ import annotations

from ..backend import Backend
from ..errors import invalid_request
from ..models.base import Rendered
from ..models.payments import PaymentIntent
from ..resources import payment_intents as model
from ..router import Request
from ..wire import schema_for, validate


def _check_client_secret(b: Backend, req: Request, pi: PaymentIntent) -> None:
    if req.api_key == b.publishable_key and req.params.get("client_secret") != pi["client_secret"]:
        raise invalid_request(
            "The client_secret provided does not match any associated PaymentIntent on this account.",
            param="client_secret",
        )


def api_create(b: Backend, req: Request) -> Rendered:
    p = req.params
    with b.lock:
        if p.get("customer"):
            b.get(p["customer"], "customer", param="customer")
        pi = model.create_intent(
            b,
            customer=p.get("customer"),
            amount=int(p["amount"]),
            currency=p["currency"],
            payment_method=p.get("payment_method"),
            description=p.get("description"),
            metadata=p.get("metadata"),
            request_id=req.request_id,
        )
        if p.get("confirm"):
            model.confirm_intent(
                b, pi, payment_method=None, off_session=bool(p.get("off_session")), request_id=req.request_id
            )
            if pi["status"] == "requires_payment_method" and pi["last_payment_error"]:
                raise model.card_error_for(pi)
        return b.render(pi, req.expand)


def api_retrieve(b: Backend, req: Request) -> Rendered:
    pi = b.get(req.path_params["intent"], "payment_intent")
    _check_client_secret(b, req, pi)
    return b.render(pi, req.expand)


def api_confirm(b: Backend, req: Request) -> Rendered:
    params = {k: v for k, v in req.params.items() if k != "client_secret"}
    params = validate(params, schema_for("PaymentIntentConfirmParams"))
    with b.lock:
        pi = b.get(req.path_params["intent"], "payment_intent")
        _check_client_secret(b, req, pi)
        model.confirm_intent(
            b,
            pi,
            payment_method=params.get("payment_method"),
            off_session=bool(params.get("off_session")),
            request_id=req.request_id,
        )
        if pi["status"] == "requires_payment_method" and pi["last_payment_error"]:
            raise model.card_error_for(pi)
        return b.render(pi, params.get("expand") or [])


def api_cancel(b: Backend, req: Request) -> Rendered:
    with b.lock:
        pi = b.get(req.path_params["intent"], "payment_intent")
        if pi["status"] in ("succeeded", "canceled"):
            raise invalid_request(
                f"You cannot cancel this PaymentIntent because it has a status of {pi['status']}.",
                code="payment_intent_unexpected_state",
            )
        pi.update(
            {
                "status": "canceled",
                "canceled_at": b.now_for_customer(pi.get("customer")),
                "next_action": None,
                "cancellation_reason": req.params.get("cancellation_reason"),
            }
        )
        b.emit("payment_intent.canceled", pi, request_id=req.request_id)
        return b.render(pi, req.expand)


def api_list(b: Backend, req: Request) -> Rendered:
    cus = req.params.get("customer")
    objs = b.all("payment_intent", where=lambda o: not cus or o.get("customer") == cus)
    return b.list_response(objs, req.params, "/v1/payment_intents", req.expand)


def api_3ds(b: Backend, req: Request) -> Rendered:
    result = str(req.params.get("result") or "approve")
    if result not in ("approve", "fail"):
        raise invalid_request("result must be approve or fail", param="result")
    with b.lock:
        pi = b.get(req.path_params["intent"], "payment_intent")
        return b.render(model.resolve_3ds(b, pi, result, request_id=req.request_id))
