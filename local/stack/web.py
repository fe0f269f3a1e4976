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
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from admin import web_headers

PREFIX = "/billing"


class WebServer:
    def __init__(self, root: Path, host: str, port: int, config: Callable[[], dict[str, Any]]) -> None:
        attrs = {"root": root.resolve(), "config": staticmethod(config), "spec": web_headers.load_spec()}
        handler = type("BoundWebHandler", (_Handler,), attrs)
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self.url = f"http://{host}:{self.port}{PREFIX}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="local-web", daemon=True)

    def start(self) -> WebServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Handler(BaseHTTPRequestHandler):
    root: Path
    config: Callable[[], dict[str, Any]]
    spec: dict[str, Any]
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return

    def do_HEAD(self) -> None:
        self.do_GET()

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

    def security_headers(self) -> dict[str, str]:
        return web_headers.http_headers(self.spec, web_headers.offline_origins(self.config()))

    def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in {**self.security_headers(), **(headers or {})}.items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
