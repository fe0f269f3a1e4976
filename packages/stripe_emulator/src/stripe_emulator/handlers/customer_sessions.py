"""The `customer_sessions` endpoints (listed in `routes.py`): request in, model call, rendered object out."""

from __future__ import annotations

from typing import Any

from ..backend import Backend
from ..models.base import Rendered, present
from ..resources import customer_sessions as model
from ..router import Request


def _create(b: Backend, req: Request) -> Rendered:
    return model._render(b, model.create_customer_session(b, req.params), req)


def _payment_methods(b: Backend, req: Request) -> Rendered:
    with b.lock:
        session = model._live_session(b, req.params.get("customer_session_client_secret"))
        element = present(session["components"])["payment_element"]
        features = element["features"]
        shown: list[dict[str, Any]] = []
        if element["enabled"] and features["payment_method_redisplay"] == "enabled":
            filters = set(features["payment_method_allow_redisplay_filters"] or ["always"])
            limit = int(features["payment_method_redisplay_limit"] or model.DEFAULT_REDISPLAY_LIMIT)
            cards = b.all(
                "payment_method",
                lambda pm: (
                    pm.get("customer") == session["customer"]
                    and pm.get("type") == "card"
                    and pm.get("allow_redisplay", "unspecified") in filters
                ),
            )
            shown = [b.render(pm) for pm in cards[:limit]]
        return {
            "object": "list",
            "data": shown,
            "payment_method_remove": features["payment_method_remove"],
            "payment_method_save": features["payment_method_save"],
        }
