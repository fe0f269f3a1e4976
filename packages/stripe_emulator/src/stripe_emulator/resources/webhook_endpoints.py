"""Webhook endpoints: create (the answer alone carries `secret`), retrieve, update, list, delete.

An endpoint created with `api_version` receives its events rendered at that version (`api_versions`)."""

from __future__ import annotations

import functools
import secrets
import typing
from typing import Any
from urllib.parse import urlsplit

from ..api_versions import check_endpoint_version
from ..backend import Backend
from ..errors import invalid_request
from ..models.events import WebhookEndpoint
from ..webhooks import deliverer
from .common import merge_metadata

MAX_ENDPOINTS = 16


def _check_url(url: Any) -> str:
    parts = urlsplit(str(url or ""))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid_request("Invalid URL: must be an absolute http(s) URL.", param="url", code="url_invalid")
    return str(url)


def _check_events(events: Any) -> list[str]:
    allowed = _event_types()
    names: list[str] = [str(e) for e in events or []]
    if not names:
        raise invalid_request("Missing required param: enabled_events.", param="enabled_events")
    for e in names:
        if e != "*" and e not in allowed:
            raise invalid_request(f"Invalid event type: {e}", param="enabled_events")
    return names


@functools.cache
def _event_types() -> frozenset[str]:
    """The `type` literal of stripe-python's Event class."""
    import stripe  # on first use: only endpoint writes need it, and stripe-python is slow to import

    return frozenset(str(a) for a in typing.get_args(typing.get_type_hints(stripe.Event)["type"]))


def create_webhook_endpoint(b: Backend, params: dict[str, Any]) -> WebhookEndpoint:
    with b.lock:
        deliverer(b)
        if len(b.all("webhook_endpoint")) >= MAX_ENDPOINTS:
            raise invalid_request(f"You can have at most {MAX_ENDPOINTS} test webhook endpoints.")
        secret = "whsec_" + secrets.token_hex(16)
        ep: WebhookEndpoint = {
            "id": b.new_id("we"),
            "object": "webhook_endpoint",
            "api_version": check_endpoint_version(params.get("api_version")),
            "application": None,
            "created": b.now(),
            "description": params.get("description") or None,
            "enabled_events": _check_events(params.get("enabled_events")),
            "livemode": False,
            "metadata": merge_metadata({}, params.get("metadata") or {}),
            "status": "enabled",
            "url": _check_url(params.get("url")),
            "_secret": secret,
        }
        b.store(ep)
        return ep


def update_webhook_endpoint(b: Backend, we_id: str, params: dict[str, Any]) -> WebhookEndpoint:
    with b.lock:
        ep = b.get(we_id, "webhook_endpoint")
        if "url" in params:
            ep["url"] = _check_url(params["url"])
        if "enabled_events" in params:
            ep["enabled_events"] = _check_events(params["enabled_events"])
        if "description" in params:
            ep["description"] = params["description"] or None
        if "metadata" in params:
            ep["metadata"] = merge_metadata(ep["metadata"], params["metadata"])
        if "disabled" in params:
            ep["status"] = "disabled" if params["disabled"] else "enabled"
        return ep


def endpoint_secret(b: Backend, we_id: str) -> str:
    """The signing secret of an endpoint (tests use it to verify deliveries)."""
    return str(b.get(we_id, "webhook_endpoint")["_secret"])
