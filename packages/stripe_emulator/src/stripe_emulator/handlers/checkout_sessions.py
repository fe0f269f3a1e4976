"""The `checkout_sessions` endpoints (listed in `routes.py`): request in, model call, rendered object out."""

from __future__ import annotations

from ..backend import Backend
from ..models.base import Rendered
from ..models.checkout import CheckoutSession
from ..resources import checkout_completion
from ..resources import checkout_sessions as model
from ..router import Request


def _create(b: Backend, req: Request) -> Rendered:
    return b.render(model.create_checkout_session(b, req.params, req.request_id), req.expand)


def _retrieve(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return b.render(model.get_session(b, req.path_params["session"]), req.expand)


def _expire(b: Backend, req: Request) -> Rendered:
    return b.render(model.expire_session(b, req.path_params["session"], req.request_id), req.expand)


def _list(b: Backend, req: Request) -> Rendered:
    p = req.params
    with b.lock:
        for s in b.all("checkout.session"):
            model._expire_if_due(b, s)

        def keep(s: CheckoutSession) -> bool:
            return all(
                [
                    not p.get("customer") or s.get("customer") == p["customer"],
                    not p.get("subscription") or s.get("subscription") == p["subscription"],
                    not p.get("status") or s.get("status") == p["status"],
                    not p.get("payment_intent") or s.get("payment_intent") == p["payment_intent"],
                ]
            )

        return b.list_response(b.all("checkout.session", keep), p, "/v1/checkout/sessions", req.expand)


def _line_items_route(b: Backend, req: Request) -> Rendered:
    with b.lock:
        s = b.get(req.path_params["session"], "checkout.session", param="session")
        items = list(s["_line_items"])
        page = b.list_response(
            [dict(li, created=0, _seq=-i) for i, li in enumerate(items)],
            req.params,
            f"/v1/checkout/sessions/{s['id']}/line_items",
            req.expand,
        )
        for li in page["data"]:
            li.pop("created", None)
            price = b.objects.get(li["price"])
            if price is not None:
                li["price"] = b.render(price)
        return page


def _complete(b: Backend, req: Request) -> Rendered:
    p = req.params
    s = checkout_completion.complete_session(
        b,
        req.path_params["session"],
        str(p.get("payment_method") or "pm_card_visa"),
        email=p.get("email"),
        name=p.get("name"),
        promotion_code=p.get("promotion_code"),
        request_id=req.request_id,
    )
    return b.render(s)
