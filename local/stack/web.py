"""The static server for `web/` at http://127.0.0.1:8080/billing (the page's own origin, as in production).

`/billing` and `/billing/` serve `web/index.html`, `/billing/<file>` serves `web/<file>`, `/billing/config.json`
is what the page needs to talk to the offline stack (API URL, user pool and client, publishable key; no
secrets), `/` redirects to `/billing`. Anything outside `web/` is refused.

Every response carries the page's security headers (`web/security_headers.json`, rendered by `admin.web_headers`
for the offline origins of the served config: the local API, moto's Cognito endpoint, the Stripe emulator and
the example host app's origin in `host_origins`), the same set CloudFront sends for a hosted page.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from admin import web_headers
from local.stack.http_files import BackgroundServer, QuietHandler

PREFIX = "/billing"


class WebServer(BackgroundServer):
    def __init__(self, root: Path, host: str, port: int, config: Callable[[], dict[str, Any]]) -> None:
        attrs = {"root": root.resolve(), "config": staticmethod(config), "spec": web_headers.load_spec()}
        super().__init__(host, port, type("BoundWebHandler", (_Handler,), attrs), name="local-web")
        self.url = f"http://{host}:{self.port}{PREFIX}"


class _Handler(QuietHandler):
    root: Path
    config: Callable[[], dict[str, Any]]
    spec: dict[str, Any]

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        if path == "/":
            self._send(302, b"", "text/plain", {"Location": PREFIX})
            return
        if path == f"{PREFIX}/config.json":
            self._send(200, json.dumps(self.config()).encode(), "application/json", {"Cache-Control": "no-store"})
            return
        if path != PREFIX and not path.startswith(PREFIX + "/"):
            self._send(404, b"not found", "text/plain")
            return
        rel = path[len(PREFIX) :].lstrip("/") or "index.html"
        target = (self.root / rel).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(self.root) or not target.is_file():
            msg = b"not found" if rel != "index.html" else b"web/index.html does not exist yet"
            self._send(404, msg, "text/plain")
            return
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        self._send(200, target.read_bytes(), ctype, {"Cache-Control": "no-cache"})

    def default_headers(self) -> dict[str, str]:
        return web_headers.http_headers(self.spec, web_headers.offline_origins(self.config()))
