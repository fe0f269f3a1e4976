"""The `promotion_codes` endpoints (listed in `routes.py`): request in, model call, rendered object out."""

from __future__ import annotations

from ..backend import Backend
from ..models.base import Rendered
from ..models.catalog import PromotionCode
from ..resources import promotion_codes as model
from ..resources.common import match_created
from ..router import Request


def _create(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return b.render(model.create_promotion_code(b, req.params, req.request_id), req.expand)


def _retrieve(b: Backend, req: Request) -> Rendered:
    return b.render(b.get(req.path_params["id"], "promotion_code"), req.expand)


def _update(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return b.render(model.update_promotion_code(b, req.path_params["id"], req.params, req.request_id), req.expand)


def _list(b: Backend, req: Request) -> Rendered:
    p = req.params

    def keep(o: PromotionCode) -> bool:
        if "active" in p and o["active"] != p["active"]:
            return False
        if p.get("code") and o["code"].lower() != str(p["code"]).lower():
            return False
        if p.get("coupon") and o["promotion"]["coupon"] != p["coupon"]:
            return False
        if p.get("customer") and o["customer"] != p["customer"]:
            return False
        return match_created(o["created"], p.get("created"))

    with b.lock:
        return b.list_response(b.all("promotion_code", where=keep), p, "/v1/promotion_codes", req.expand)
