"""Events: list (type with `*` wildcard, types[], created, delivery_success) and retrieve."""

from __future__ import annotations

import fnmatch
from typing import Any

from ..backend import Backend
from ..errors import invalid_request
from ..models.base import Rendered
from ..models.events import Event
from ..webhooks import delivery_succeeded
from .common import match_created


def list_events(b: Backend, params: dict[str, Any]) -> Rendered:
    type_pattern = params.get("type")
    types = params.get("types") or []
    if type_pattern and types:
        raise invalid_request("You may only specify one of these parameters: type, types.", param="types")
    if len(types) > 20:
        raise invalid_request("You may pass up to 20 types.", param="types")
    success = params.get("delivery_success")

    def keep(e: Event) -> bool:
        if type_pattern and not fnmatch.fnmatchcase(e["type"], type_pattern):
            return False
        if types and e["type"] not in types:
            return False
        if success is not None and delivery_succeeded(e) != success:
            return False
        return match_created(e["created"], params.get("created"))

    return b.list_response(b.all("event", where=keep), params, "/v1/events", params.get("expand") or [])
