"""The `subscriptions` endpoints (listed in `routes.py`): request in, model call, rendered object out."""

from __future__ import annotations

import re

from ..backend import Backend
from ..billing import billing_mode
from ..billing.cancel import cancel_subscription
from ..billing.pause import pause_subscription
from ..billing.resume import resume_subscription
from ..billing.subscription_core import emit_updated
from ..billing.subscription_create import create_subscription
from ..billing.subscription_update import update_subscription
from ..errors import invalid_request
from ..models.base import Rendered
from ..models.subscriptions import Subscription
from ..router import Request


def _create(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return b.render(create_subscription(b, req.params, req.request_id), req.expand)


def _search(b: Backend, req: Request) -> Rendered:
    """Supports `status:'x'`, `metadata['k']:'v'` and `customer:'cus_..'` clauses joined by AND."""
    clauses = re.findall(r"(\w+)(?:\['([^']+)'\])?\s*:\s*'([^']*)'", req.params.get("query", ""))
    if not clauses:
        raise invalid_request("Invalid search query.", param="query")

    def where(sub: Subscription) -> bool:
        for field, key, value in clauses:
            actual = (sub.get("metadata") or {}).get(key) if field == "metadata" else sub.get(field)
            if str(actual) != value:
                return False
        return True

    objs = b.all("subscription", where=where)
    limit = int(req.params.get("limit") or 10)
    return {
        "object": "search_result",
        "data": [b.render(o, [e[5:] for e in req.expand if e.startswith("data.")]) for o in objs[:limit]],
        "has_more": len(objs) > limit,
        "next_page": None,
        "url": "/v1/subscriptions/search",
    }


def _retrieve(b: Backend, req: Request) -> Rendered:
    return b.render(b.get(req.path_params["subscription"], "subscription"), req.expand)


def _update(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return b.render(update_subscription(b, req.path_params["subscription"], req.params, req.request_id), req.expand)


def _cancel(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return b.render(cancel_subscription(b, req.path_params["subscription"], req.params, req.request_id), req.expand)


def _pause(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return b.render(pause_subscription(b, req.path_params["subscription"], req.params, req.request_id), req.expand)


def _resume(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return b.render(resume_subscription(b, req.path_params["subscription"], req.params, req.request_id), req.expand)


def _migrate(b: Backend, req: Request) -> Rendered:
    """classic -> flexible billing mode (never back); the subscription's items and periods stay as they are."""
    with b.lock:
        sub = b.get(req.path_params["subscription"], "subscription")
        if sub["status"] in ("canceled", "incomplete_expired"):
            raise invalid_request("A canceled subscription cannot be migrated.", param="subscription")
        before = b.render(sub)
        billing_mode.migrate(b, sub, req.params)
        emit_updated(b, sub, before, req.request_id)
        return b.render(sub, req.expand)


def _list(b: Backend, req: Request) -> Rendered:
    p = req.params
    status = p.get("status")

    def where(sub: Subscription) -> bool:
        if p.get("customer") and sub["customer"] != p["customer"]:
            return False
        if p.get("price") and not any(i["price"]["id"] == p["price"] for i in sub["items"]["data"]):
            return False
        if status == "all":
            return True
        if status == "ended":
            return sub["status"] in ("canceled", "incomplete_expired")
        if status:
            return bool(sub["status"] == status)
        return sub["status"] not in ("canceled", "incomplete_expired")

    return b.list_response(
        b.all("subscription", where=where, customer=p.get("customer") or None), p, "/v1/subscriptions", req.expand
    )
