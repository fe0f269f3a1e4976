"""The offline stack's example host app server (local/stack/host.py): its files under /host/, its config, a CSP
that allows only its own files, Cognito and the billing page in the frame, and nothing outside its folder."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from local.stack.host import HostServer

CONFIG = {
    "billing_url": "http://127.0.0.1:18080/billing",
    "cognito_endpoint": "http://127.0.0.1:15005",
    "user_pool_client_id": "client",
    "demo_user": {"username": "active-pro@demo.example", "password": "pw"},
}


@pytest.fixture
def host() -> Iterator[HostServer]:
    server = HostServer("127.0.0.1", 0, lambda: CONFIG).start()
    try:
        yield server
    finally:
        server.stop()


def test_host_page_is_served_with_a_csp_that_frames_only_the_billing_page(host: HostServer) -> None:
    page = httpx.get(host.url)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/host/host.js">' in page.text
    csp = page.headers["content-security-policy"]
    assert "frame-src http://127.0.0.1:18080;" in csp
    assert "connect-src 'self' http://127.0.0.1:15005;" in csp
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp
    assert httpx.get(host.url + "host.js").headers["content-type"] == "text/javascript"
    assert httpx.get(host.url + "config.json").json() == CONFIG


@pytest.mark.parametrize(
    "path", ["/host/../stack.py", "/host/%2e%2e/stack.py", "/host/host.py", "/billing", "/host/x/y.js"]
)
def test_nothing_outside_the_host_page_folder_is_served(host: HostServer, path: str) -> None:
    assert httpx.get(host.origin + path).status_code == 404


def test_root_redirects_to_the_host_page(host: HostServer) -> None:
    res = httpx.get(host.origin + "/")
    assert res.status_code == 302 and res.headers["location"] == "/host/"
