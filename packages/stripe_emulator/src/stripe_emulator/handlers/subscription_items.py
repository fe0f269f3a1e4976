"""The `subscription_items` endpoints (listed in `routes.py`): request in, model call, rendered object out."""

from __future__ import annotations

from typing import Any

from ..backend import Backend
from ..billing.subscription_update import update_subscription
from ..models.base import Rendered
from ..resources import subscription_items as model
from ..router import Request


def _list(b: Backend, req: Request) -> Rendered:
    sub = b.get(req.params.get("subscription"), "subscription", param="subscription")
    return b.list_response(sub["items"]["data"], req.params, "/v1/subscription_items", req.expand)


def _retrieve(b: Backend, req: Request) -> Rendered:
    return b.render(b.get(req.path_params["item"], "subscription_item"), req.expand)


def _create(b: Backend, req: Request) -> Rendered:
    p = req.params
    with b.lock:
        sub = b.get(p.get("subscription"), "subscription", param="subscription")
        before = {i["id"] for i in sub["items"]["data"]}
        spec = {k: p[k] for k in ("price", "quantity", "metadata") if k in p}
        update_subscription(b, sub["id"], {"items": [spec], **{k: p[k] for k in model._PASS if k in p}}, req.request_id)
        new = next(i for i in sub["items"]["data"] if i["id"] not in before)
        return b.render(new, req.expand)


def _update(b: Backend, req: Request) -> Rendered:
    p = req.params
    with b.lock:
        item = b.get(req.path_params["item"], "subscription_item")
        spec: dict[str, Any] = {"id": item["id"], **{k: p[k] for k in ("price", "quantity", "metadata") if k in p}}
        update_subscription(
            b, item["subscription"], {"items": [spec], **{k: p[k] for k in model._PASS if k in p}}, req.request_id
        )
        return b.render(b.get(item["id"], "subscription_item"), req.expand)


def _delete(b: Backend, req: Request) -> Rendered:
    p = req.params
    with b.lock:
        item = b.get(req.path_params["item"], "subscription_item")
        update_subscription(
            b,
            item["subscription"],
            {"items": [{"id": item["id"], "deleted": True}], **{k: p[k] for k in model._PASS if k in p}},
            req.request_id,
        )
        return {"id": item["id"], "object": "subscription_item", "deleted": True}
