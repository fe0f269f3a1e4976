"""The local gateway on a loopback socket, served from a background thread (``Gateway.serve``)."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .gateway import Gateway

log = logging.getLogger("local.gateway")


class GatewayServer:
    """The gateway on a loopback socket, served from a background thread."""

    def __init__(self, gateway: Gateway, host: str, port: int) -> None:
        handler = type("BoundGatewayHandler", (_Handler,), {"gateway": gateway})
        self.gateway = gateway
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self.url = f"http://{host}:{self.port}"
        gateway.domain = f"{host}:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="local-gateway", daemon=True)

    def start(self) -> GatewayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.gateway.close()


class _Handler(BaseHTTPRequestHandler):
    gateway: Gateway
    protocol_version = "HTTP/1.1"
    server_version = "local-apigateway"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug(format, *args)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > 10 * 1024 * 1024:
            self._send(413, [("content-type", "application/json")], b'{"message":"Request Entity Too Large"}')
            return
        body = self.rfile.read(length) if length else b""
        started = time.monotonic()
        status, headers, out = self.gateway.handle(
            self.command, self.path, list(self.headers.items()), body, self.client_address[0]
        )
        log.info(
            "%s %s -> %s (%.0f ms)", self.command, self.path.split("?")[0], status, (time.monotonic() - started) * 1000
        )
        self._send(status, headers, out)

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        try:
            self.send_response(status)
            for k, v in headers:
                if k not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(k, v)
            self.send_header("content-length", str(len(body)))
            self.send_header("apigw-requestid", uuid.uuid4().hex[:16])
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve
