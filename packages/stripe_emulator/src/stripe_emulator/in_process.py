"""The emulator without sockets: the same request pipeline as over HTTP, called in the caller's thread.

`InProcessHTTPClient(server)` is a stripe-python `HTTPClient`: every request runs through the server's own
pipeline (auth, faults, rate limits, params validation, Idempotency-Key, dispatch, errors) exactly as `_Handler`
serves it over HTTP, minus the loopback round trip. For load tests (thousands of objects and webhook deliveries)
where the HTTP layer would dominate the run time; everything else should keep using `api_base` over HTTP.

    client = stripe.StripeClient(server.secret_key, http_client=InProcessHTTPClient(server),
                                 base_addresses={"api": server.api_base})

The `reset` and `timeout` faults become a connection error at once (there is no connection to drop or hold).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from email.message import Message
from typing import Any
from urllib.parse import urlsplit

import stripe

from .server import EmulatorServer, _Handler


class _InProcessRequest(_Handler):
    """One request through `_Handler`'s pipeline; the response is captured instead of written to a socket."""

    def __init__(self, server: EmulatorServer, path: str, headers: Mapping[str, str], body: bytes) -> None:
        # BaseHTTPRequestHandler.__init__ would read a socket: set only what the pipeline reads.
        self.emulator = server
        self.path = path
        message = Message()
        for name, value in headers.items():
            message[name] = value
        if body:
            message["Content-Length"] = str(len(body))
        self.headers = message
        self.rfile = io.BytesIO(body)
        self.response: tuple[int, bytes, dict[str, str]] | None = None

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
        self.response = (status, body, {"Content-Type": content_type, "Stripe-Version": "2026-10-28.endive"} | headers)

    def _inject(self, fault: str, request_id: str) -> bool:
        if fault in ("reset", "timeout"):
            raise stripe.APIConnectionError(  # type: ignore[no-untyped-call]  # stripe-python declares no types here
                f"emulated {fault}: the connection was dropped", should_retry=True
            )
        return super()._inject(fault, request_id)


class InProcessHTTPClient(stripe.HTTPClient):
    name = "stripe-emulator-in-process"

    def __init__(self, server: EmulatorServer) -> None:
        super().__init__()
        self.server = server

    def request(
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None, **_: Any
    ) -> tuple[str, int, Mapping[str, str]]:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        body = post_data.encode() if isinstance(post_data, str) else (post_data or b"")
        request = _InProcessRequest(self.server, path, dict(headers or {}), body)
        request._serve(method.upper())
        if request.response is None:
            raise stripe.APIConnectionError(  # type: ignore[no-untyped-call]  # stripe-python declares no types here
                "the emulator sent no response", should_retry=True
            )
        status, content, response_headers = request.response
        return content.decode("utf-8"), status, response_headers

    def request_stream(
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None, **_: Any
    ) -> tuple[Any, int, Mapping[str, str]]:
        return self.request(method, url, headers, post_data)

    def close(self) -> None:
        return None
