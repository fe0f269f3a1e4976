"""Every emulator /v1 route rejects parameters stripe-python does not declare, and the emulator speaks the API
version of the installed stripe-python (F4)."""

from __future__ import annotations

import http.client
import json
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
import stripe
from stripe_emulator import API_VERSION
from stripe_emulator.routes import ROUTES
from stripe_emulator.wire import schema_for

V1 = [r for r in ROUTES if r.pattern.startswith("/v1/")]


def _request(api_base: str, key: str, method: str, path: str, body: str = "") -> tuple[int, dict[str, str], Any]:
    u = urlsplit(api_base)
    conn = http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port, timeout=10)
    headers = {"Authorization": f"Bearer {key}"}
    if method == "GET":
        path, body = (f"{path}?{body}" if body else path), ""
    else:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body or None, headers=headers)
    resp = conn.getresponse()
    data = json.loads(resp.read() or b"{}")
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data


def test_v1_routes_exist() -> None:
    assert len(V1) > 20


@pytest.mark.parametrize("route", V1, ids=[f"{r.method} {r.pattern}" for r in V1])
def test_every_v1_route_rejects_unknown_params(route: Any, stripe_emulator: Any) -> None:
    if route.params is not None:
        schema = schema_for(route.params)  # the named TypedDict exists in stripe.params
        assert schema.kind == "dict" and "zz_not_a_stripe_param" not in schema.fields
    # Routes that validate inside the handler (e.g. confirm with a client_secret) must reject it too.
    path = re.sub(r"\{\w+\}", "x_emulatorcontract", route.pattern)
    status, _, body = _request(
        stripe_emulator.api_base, stripe_emulator.secret_key, route.method, path, "zz_not_a_stripe_param=1"
    )
    assert status == 400, (route.pattern, status, body)
    assert body["error"]["code"] == "parameter_unknown" and body["error"]["param"] == "zz_not_a_stripe_param"


def test_api_version_matches_installed_stripe_python(stripe_client: stripe.StripeClient, stripe_emulator: Any) -> None:
    assert API_VERSION == stripe.api_version
    status, headers, cus = _request(stripe_emulator.api_base, stripe_emulator.secret_key, "POST", "/v1/customers")
    assert status == 200 and headers["stripe-version"] == stripe.api_version
    evt = stripe_client.v1.events.list({"limit": 1}).data[0]
    assert evt.data.object.id == cus["id"]
    assert evt.api_version == stripe.api_version


def _first_enum(schema: Any, path: str = "") -> tuple[str, Any] | None:
    """The first enum parameter (depth first, through objects and arrays) of a params schema: (form key, node)."""
    if schema.kind == "enum" and path and any(schema.values - {""}):
        return path, schema
    if schema.kind == "dict":
        for key, sub in schema.fields.items():
            if key == "expand":
                continue
            found = _first_enum(sub, f"{path}[{key}]" if path else key)
            if found:
                return found
    if schema.kind == "list" and schema.item is not None:
        return _first_enum(schema.item, f"{path}[0]")
    return None


ENUM_ROUTES = [(r, f) for r in V1 if r.params is not None for f in [_first_enum(schema_for(r.params))] if f]


def test_most_routes_have_an_enum_parameter_to_check() -> None:
    assert len(ENUM_ROUTES) > 20


@pytest.mark.parametrize(("route", "enum"), ENUM_ROUTES, ids=[f"{r.method} {r.pattern}" for r, _ in ENUM_ROUTES])
def test_every_v1_route_refuses_a_value_outside_an_enum(route: Any, enum: Any, stripe_emulator: Any) -> None:
    """stripe-python types enums open (`Literal[...]|str`); the emulator, like Stripe, refuses other values, at any
    depth, before the handler runs (so the path's object need not exist)."""
    key, node = enum
    path = re.sub(r"\{\w+\}", "x_emulatorcontract", route.pattern)
    status, _, body = _request(
        stripe_emulator.api_base, stripe_emulator.secret_key, route.method, path, f"{key}=zz_not_a_value"
    )
    assert status == 400, (route.pattern, key, status, body)
    err = body["error"]
    assert err["type"] == "invalid_request_error" and err["param"] == key
    first = next(v for v in node.order if v)
    assert err["message"].startswith(f"Invalid {key}: must be one of {first}")
