"""The offline static server sends the page's security headers (web/security_headers.json) on every response,
with the offline origins of the config it serves (local API, moto's Cognito, the Stripe emulator, host apps): F9."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from admin import web_headers
from local.stack.web import WebServer

REPO = Path(__file__).resolve().parents[3]
OFFLINE_CONFIG = {
    "api_url": "http://127.0.0.1:3999",
    "region": "us-east-1",
    "user_pool_id": "us-east-1_Local",
    "user_pool_client_id": "client",
    "stripe_publishable_key": "pk_test_local",
    "cognito_endpoint": "http://127.0.0.1:5999",
    "stripe_js_base": "http://127.0.0.1:12999",
    "host_origins": ["http://127.0.0.1:8999"],
}


@pytest.fixture
def server() -> Iterator[WebServer]:
    srv = WebServer(REPO / "web", "127.0.0.1", 0, lambda: dict(OFFLINE_CONFIG)).start()
    try:
        yield srv
    finally:
        srv.stop()


def get(srv: WebServer, path: str, method: str = "GET") -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    conn.request(method, path)
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp


def csp(resp: http.client.HTTPResponse) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in (resp.getheader("Content-Security-Policy") or "").split(";"):
        name, *sources = part.split()
        out[name] = sources
    return out


@pytest.mark.parametrize("path", ["/billing", "/billing/", "/billing/app.js", "/billing/config.json", "/nope", "/"])
def test_every_response_carries_the_security_headers(server: WebServer, path: str) -> None:
    resp = get(server, path)
    assert resp.getheader("Strict-Transport-Security") == "max-age=63072000; includeSubDomains"
    assert resp.getheader("Referrer-Policy") == "strict-origin-when-cross-origin"
    assert resp.getheader("X-Content-Type-Options") == "nosniff"
    policy = csp(resp)
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]


def test_offline_csp_names_the_local_api_cognito_emulator_and_host_app(server: WebServer) -> None:
    policy = csp(get(server, "/billing"))
    assert policy["connect-src"] == [
        "'self'",
        "http://127.0.0.1:3999",
        "http://127.0.0.1:5999",
        "http://127.0.0.1:12999",
    ]
    assert policy["script-src"] == ["'self'", "http://127.0.0.1:12999"]
    assert policy["frame-src"] == ["http://127.0.0.1:12999"]
    assert policy["frame-ancestors"] == ["'self'", "http://127.0.0.1:8999"]
    assert not any("unsafe" in s for sources in policy.values() for s in sources)


def test_offline_stack_with_a_real_stripe_test_key_allows_stripe_itself() -> None:
    config: dict[str, Any] = {**OFFLINE_CONFIG, "stripe_js_base": "https://api.stripe.com", "host_origins": []}
    policy = web_headers.content_security_policy(web_headers.load_spec(), web_headers.offline_origins(config))
    assert "script-src 'self' https://js.stripe.com https://*.js.stripe.com;" in policy
    assert "frame-ancestors 'self';" in policy


def test_a_source_that_would_inject_a_directive_is_refused() -> None:
    spec = web_headers.load_spec()
    with pytest.raises(ValueError, match="not a CSP source"):
        web_headers.content_security_policy(
            spec, {"api": ["https://a.example; script-src *"], "cognito": [], "host_origins": []}
        )
    with pytest.raises(ValueError, match="not an http"):
        web_headers.offline_origins({**OFFLINE_CONFIG, "host_origins": ["javascript:alert(1)"]})
