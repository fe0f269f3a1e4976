"""The HTTP layer: auth, Request-Id, faults, rate limits (optional), idempotency, params validation, dispatch, errors.

`EmulatorServer` runs on 127.0.0.1 in a background thread (tests) or in the foreground (`python -m
stripe_emulator --port 12111`). HTTP/1.1 keep-alive, so stripe-python reuses its connections.
"""

from __future__ import annotations

import base64
import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from .backend import Backend, new_id
from .errors import StripeAPIError, authentication_error, invalid_request
from .faults import Faults, fault_error
from .handlers import test_clocks as test_clock_requests
from .idempotency import IdempotencyStore
from .rate_limits import RateLimits
from .resources import test_clocks
from .router import RawResponse, Request, match
from .routes import ROUTES
from .wire import decode_form, schema_for, validate

DEFAULT_SECRET_KEY = "sk_test_emulator_000000000000000000000000"
DEFAULT_PUBLISHABLE_KEY = "pk_test_emulator_000000000000000000000000"


class EmulatorServer:
    """An emulated Stripe account served over HTTP on loopback."""

    def __init__(
        self,
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        secret_key: str = DEFAULT_SECRET_KEY,
        publishable_key: str = DEFAULT_PUBLISHABLE_KEY,
    ) -> None:
        self.backend = Backend(secret_key, publishable_key)
        self.backend.emulator = self
        self.faults = Faults()
        self.rate_limits = RateLimits.from_env()  # off unless STRIPE_EMULATOR_RATE_LIMITS=live|sandbox
        self.idempotency = IdempotencyStore()
        self.secret_key = secret_key
        self.publishable_key = publishable_key
        handler = type("BoundHandler", (_Handler,), {"emulator": self})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.host, self.port = str(self.httpd.server_address[0]), int(self.httpd.server_address[1])
        self.api_base = f"http://{self.host}:{self.port}"
        self.backend.extra["api_base"] = self.api_base
        self._thread: threading.Thread | None = None

    def start(self) -> EmulatorServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="stripe-emulator", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        test_clocks.join_workers(self.backend)
        for hook in self.backend.extra.get("_stop_hooks", []):
            hook()

    def reset(self) -> None:
        """Empty account, no faults, rate limits back to the process default, no stored idempotency keys."""
        self.faults.reset()
        self.rate_limits.reset()
        self.idempotency.reset()
        self.backend.reset()
        self.backend.extra["api_base"] = self.api_base

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    emulator: EmulatorServer
    protocol_version = "HTTP/1.1"
    server_version = "stripe-emulator"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet by default
        return

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def do_OPTIONS(self) -> None:
        self._send(
            204,
            b"",
            "text/plain",
            {
                "Access-Control-Allow-Origin": "*",
                "Access-Control-Allow-Headers": "Authorization, Content-Type, Stripe-Version",
                "Access-Control-Allow-Methods": "GET, POST, DELETE",
            },
        )

    # --- pipeline --------------------------------------------------------------------------------------------

    def _serve(self, method: str) -> None:
        em = self.emulator
        request_id = new_id("req", 14)
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        found = match(ROUTES, method, url.path)
        self._cors = False
        is_api = url.path.startswith("/v1/")
        try:
            if found is None:
                raise invalid_request(f"Unrecognized request URL ({method}: {url.path}).", status=404)
            route, path_params = found
            self._cors = route.auth != "secret"  # Stripe.js and the hosted pages are called from other origins
            api_key = self._check_auth(route.auth)
            if is_api:
                fault = em.faults.pick(method, url.path)
                em.faults.delay()
                if fault and self._inject(fault, request_id):
                    return
                # Refused before anything runs: no side effects, nothing stored under an Idempotency-Key.
                em.rate_limits.check(self.headers.get("Stripe-Account") or "self", f"{method} {route.pattern}")
            params: dict[str, Any] = decode_form(url.query) if url.query else {}
            if raw and self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                params.update(decode_form(raw.decode("utf-8")))
            elif raw and self.headers.get("Content-Type", "").startswith("application/json"):
                params.update(json.loads(raw))
            if route.params:
                params = validate(params, schema_for(route.params))
            req = Request(
                method,
                url.path,
                path_params,
                params,
                {k.lower(): v for k, v in self.headers.items()},
                api_key=api_key,
                livemode=False,
                request_id=request_id,
                raw_body=raw,
            )
            idem_key = self.headers.get("Idempotency-Key") if method == "POST" else None
            if idem_key and api_key:
                self._idempotent(req, route, (api_key, idem_key), raw)
                return
            status, body, ctype, headers = self._dispatch(route, req)
            self._send(status, body, ctype, headers | {"Request-Id": request_id})
        except StripeAPIError as exc:
            self._send_error(exc, request_id)

    def _check_auth(self, auth: str) -> str | None:
        if auth == "none":
            return None
        header = self.headers.get("Authorization", "")
        key = ""
        if header.startswith("Bearer "):
            key = header[7:].strip()
        elif header.startswith("Basic "):
            key = base64.b64decode(header[6:]).decode("utf-8", "replace").split(":", 1)[0]
        em = self.emulator
        if not key:
            raise authentication_error(
                "You did not provide an API key. You need to provide your API key in the Authorization header, "
                "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
            )
        allowed = {em.secret_key} | ({em.publishable_key} if auth == "publishable" else set())
        if key not in allowed:
            masked = key[:8] + "*" * 8 + key[-4:] if len(key) > 12 else "****"
            if key == em.publishable_key:
                raise authentication_error(
                    "This API call cannot be made with a publishable API key. Please use a secret API key."
                )
            raise authentication_error(f"Invalid API Key provided: {masked}")
        return key

    def _dispatch(self, route: Any, req: Request) -> tuple[int, bytes, str, dict[str, str]]:
        backend = self.emulator.backend
        try:
            # One request at a time inside the account, as Stripe's own object locks do: a preview runs the real
            # update on a sandboxed view of the account, and a concurrent read must never see that view.
            with backend.lock:
                test_clock_requests.refuse_writes_while_advancing(backend, req)
                result = route.handler(backend, req)
        finally:  # e.g. synchronous webhook delivery: after the handler, outside the lock, before the response
            for hook in list(backend.extra.get("_after_request_hooks", [])):
                hook()
        if isinstance(result, RawResponse):
            return result.status, result.body, result.content_type, result.headers
        status = 200
        if isinstance(result, tuple):
            status, result = result
        return status, json.dumps(result).encode(), "application/json", {}

    def _idempotent(self, req: Request, route: Any, key: tuple[str, str], raw: bytes) -> None:
        self._send(*self.emulator.idempotency.run(req, key, raw, lambda: self._dispatch(route, req)))

    def _inject(self, fault: str, request_id: str) -> bool:
        em = self.emulator
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return True
        if fault == "timeout":
            time.sleep(em.faults.timeout_s)
            self.close_connection = True
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
            except OSError:
                pass
            return True
        error = fault_error(fault)
        if error is not None:
            self._send_error(error, request_id)
            return True
        return False

    def _send_error(self, exc: StripeAPIError, request_id: str) -> None:
        self._send(
            exc.status,
            json.dumps(exc.body(request_id)).encode(),
            "application/json",
            exc.headers | {"Request-Id": request_id},
        )

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Stripe-Version", "2026-10-28.endive")
            if getattr(self, "_cors", False) and "Access-Control-Allow-Origin" not in headers:
                self.send_header("Access-Control-Allow-Origin", "*")
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
