"""The `setup_intents` endpoints (listed in `routes.py`): request in, model call, rendered object out."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import urlencode

from ..backend import Backend
from ..errors import invalid_request
from ..models.base import Rendered, present
from ..models.payments import SetupIntent
from ..resources import setup_intents as model
from ..resources.common import match_created
from ..router import RawResponse, Request
from ..wire import schema_for, validate


def _create(b: Backend, req: Request) -> Rendered:
    with b.lock:
        seti = model.create_setup_intent(b, req.params, req.request_id)
        return model._render(b, seti, req)


def _retrieve(b: Backend, req: Request) -> Rendered:
    with b.lock:
        seti = b.get(req.path_params["id"], "setup_intent")
        model._check_client_secret(b, req, seti, req.params.get("client_secret"))
        return model._render(b, seti, req)


def _update(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return model._render(b, model.update_setup_intent(b, req.path_params["id"], req.params, req.request_id), req)


def _confirm(b: Backend, req: Request) -> Rendered:
    # Stripe.js sends `client_secret`, which stripe-python's confirm params do not declare: check it, then validate.
    params = dict(req.params)
    secret = params.pop("client_secret", None)
    params = validate(params, schema_for("SetupIntentConfirmParams"))
    with b.lock:
        seti = b.get(req.path_params["id"], "setup_intent")
        model._check_client_secret(b, req, seti, secret)
        seti = model.confirm_setup_intent(b, seti["id"], params, req.request_id)
        return b.render(seti, [str(e) for e in params.get("expand") or []])


def _cancel(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return model._render(b, model.cancel_setup_intent(b, req.path_params["id"], req.params, req.request_id), req)


def _list(b: Backend, req: Request) -> Rendered:
    p = req.params

    def keep(s: SetupIntent) -> bool:
        if p.get("customer") and s.get("customer") != p["customer"]:
            return False
        if p.get("payment_method") and s.get("payment_method") != p["payment_method"]:
            return False
        return match_created(s["created"], p.get("created"))

    with b.lock:
        return b.list_response(b.all("setup_intent", where=keep), p, "/v1/setup_intents", req.expand)


def _three_ds(b: Backend, req: Request) -> Any:
    result = req.params.get("result")
    if result not in ("approve", "fail"):
        raise invalid_request("result must be approve or fail", param="result")
    seti = model.complete_3ds(b, req.path_params["id"], result == "approve", req.request_id)
    if req.params.get("redirect") and seti.get("_return_url"):
        query = urlencode(
            {
                "setup_intent": seti["id"],
                "setup_intent_client_secret": seti["client_secret"],
                "redirect_status": "succeeded" if seti["status"] == "succeeded" else "failed",
            }
        )
        sep = "&" if "?" in present(seti["_return_url"]) else "?"
        return RawResponse(303, b"", "text/plain", {"Location": f"{seti['_return_url']}{sep}{query}"})
    return b.render(seti)


def _three_ds_page(b: Backend, req: Request) -> RawResponse:
    seti = b.get(req.path_params["id"], "setup_intent")
    sid = html.escape(seti["id"])
    body = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>3D Secure test authentication</title>
</head><body><main><h1>3D Secure test authentication</h1><p>Setup intent {sid}</p>
<form method="post"><input type="hidden" name="redirect" value="1">
<button name="result" value="approve">Complete authentication</button>
<button name="result" value="fail">Fail authentication</button></form></main></body></html>"""
    return RawResponse(200, body.encode())
