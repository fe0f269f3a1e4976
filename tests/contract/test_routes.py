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

from local.stripe_emulator import API_VERSION
from local.stripe_emulator.router import ROUTES
from local.stripe_emulator.wire import schema_for

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
