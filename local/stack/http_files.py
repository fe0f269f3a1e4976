"""What the offline stack's two small HTTP servers share (`web.py`: the /billing page; `host.py`: the example host
app): a threaded server started and stopped in the background, and a quiet handler whose `_send` writes one
response with the headers every answer of that server carries (`default_headers`)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class BackgroundServer:
    """A `ThreadingHTTPServer` for `handler` on `host:port` (0 = any free port), served by a daemon thread."""

    def __init__(self, host: str, port: int, handler: type[BaseHTTPRequestHandler], name: str) -> None:
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self._thread = threading.Thread(target=self.httpd.serve_forever, name=name, daemon=True)

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class QuietHandler(BaseHTTPRequestHandler):
    """No access log, HEAD answered like GET without a body, a client that hangs up mid-answer is not an error."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        """Subclasses serve GET; this base answers 501, as BaseHTTPRequestHandler does for a method it lacks."""
        self._send(501, b"not implemented", "text/plain; charset=utf-8")

    def default_headers(self) -> dict[str, str]:
        """Headers on every answer (the answer's own `headers` win)."""
        return {}

    def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in {**self.default_headers(), **(headers or {})}.items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
