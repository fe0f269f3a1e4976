"""An example host app on its own origin (http://127.0.0.1:8081/host/, HOST_PORT): it signs the user in, embeds
the /billing page in an iframe and hands the token over by postMessage, sizes the iframe from `billing:resize`
and shows the last `billing:changed` (the protocol: web/README.md#embedding).

Its origin is in the billing page's `host_origins` (local/stack/stack.py), so the page talks to it; the same
server reached as http://localhost:<port>/host/ is another origin, not allowed, which the browser tests use.
The page (local/stack/host_page/) has no inline script or style; its own CSP says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from local.stack.http_files import BackgroundServer, QuietHandler

PREFIX = "/host"
ROOT = Path(__file__).resolve().parent / "host_page"
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css"}


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(config: dict[str, Any]) -> str:
    """Only its own files, Cognito for the sign-in, and the billing page in the frame."""
    cognito = origin_of(str(config.get("cognito_endpoint") or "https://cognito-idp.amazonaws.com"))
    billing = origin_of(str(config.get("billing_url") or ""))
    return (
        f"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' {cognito}; "
        f"frame-src {billing}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


class HostServer(BackgroundServer):
    def __init__(self, host: str, port: int, config: Callable[[], dict[str, Any]]) -> None:
        handler = type("BoundHostHandler", (_Handler,), {"config": staticmethod(config)})
        super().__init__(host, port, handler, name="local-host-app")
        self.origin = f"http://{host}:{self.port}"
        self.url = f"{self.origin}{PREFIX}/"


class _Handler(QuietHandler):
    config: Callable[[], dict[str, Any]]

    def default_headers(self) -> dict[str, str]:
        return {"X-Content-Type-Options": "nosniff"}

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        if path in ("/", PREFIX):
            self._send(302, b"", "text/plain", {"Location": f"{PREFIX}/"})
            return
        if path == f"{PREFIX}/config.json":
            self._send(200, json.dumps(self.config()).encode(), "application/json", {"Cache-Control": "no-store"})
            return
        name = path.removeprefix(f"{PREFIX}/") if path.startswith(f"{PREFIX}/") else None
        target = ROOT / (name or "index.html") if name is not None else None
        if target is None or "/" in (name or "") or target.suffix not in TYPES or not target.is_file():
            self._send(404, b"not found", "text/plain")
            return
        headers = {"Cache-Control": "no-cache", "Content-Security-Policy": content_security_policy(self.config())}
        self._send(200, target.read_bytes(), TYPES[target.suffix], headers)
