"""The Lambda entry point of every function: ``handler = make_handler(app)``, a Mangum subclass.

It gives each calling thread an event loop, answers a Host header Mangum cannot read with a 400 in the one
error shape, and turns anything that fails outside the app into a fixed 500 body.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
import warnings
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from mangum import Mangum
from starlette.applications import Starlette

from billing_core.errors import BadInput, BillingError, InternalError, error_response
from billing_core.observability import count, logger


def _ensure_event_loop() -> None:
    """Give the current thread an event loop (Python 3.13 deprecates implicit creation; Mangum needs one)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        try:
            asyncio.get_event_loop()
            return
        except (RuntimeError, DeprecationWarning):
            pass
    asyncio.set_event_loop(asyncio.new_event_loop())


#: A Host header Mangum can read: a name or IPv4 address, optionally ``:port``.
_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.\-]{0,252})(?::[0-9]{1,5})?$")


def _event_request_id(event: Any, context: Any) -> str:
    rid = getattr(context, "aws_request_id", None)
    if not rid and isinstance(event, Mapping):
        rid = (event.get("requestContext") or {}).get("requestId")
    return str(rid or uuid.uuid4())


def _lambda_error(err: BillingError, event: Any, context: Any) -> dict[str, Any]:
    """A Lambda proxy response with the one error shape, for failures before the app runs."""
    request_id = _event_request_id(event, context)
    body = error_response(err, request_id)
    headers = {
        **body.headers,
        "content-type": "application/json",
        "cache-control": "no-store",
        "x-request-id": request_id,
    }
    return {"statusCode": body.status, "headers": headers, "body": json.dumps(body.body), "isBase64Encoded": False}


def _host_is_valid(event: Any) -> bool:
    """Whether the event's Host header (if any) is ``name[:port]`` with a port below 65536."""
    headers = event.get("headers") if isinstance(event, Mapping) else None
    if not isinstance(headers, Mapping):
        return True
    host = next((value for name, value in headers.items() if str(name).lower() == "host"), None)
    if host is None:
        return True
    if not isinstance(host, str) or not _HOST.match(host):
        return False
    _, colon, port = host.partition(":")
    return not colon or int(port) < 65536


class LambdaHandler(Mangum):
    """Mangum with an event loop per calling thread (the local gateway and tests call from threads).

    Mangum reads the ``Host`` header (server name and port) before the app and its error handling run, and
    raises on one it cannot split (``127.0.0.1:abc``, ``a:b:c``, ``[::1]``, two headers joined by a comma). Such
    a request is answered 400 in the one error shape here; anything else that fails outside the app is a
    fixed 500 body, the stack trace only in the logs.
    """

    def _setup_event_loop(self) -> None:
        _ensure_event_loop()

    def __call__(self, event: Any, context: Any) -> dict[str, Any]:
        if not _host_is_valid(event):
            count("MalformedHostHeader")
            logger.info("request refused", extra={"error_code": "malformed_host"})
            return _lambda_error(
                BadInput(code="malformed_host", message="The request's Host header is not valid."), event, context
            )
        try:
            return self._serve(event, context)
        except Exception:  # noqa: BLE001 - the last guard: no stack trace reaches the client
            logger.exception("request failed outside the app")
            count("UnhandledError")
            return _lambda_error(InternalError(), event, context)

    def _serve(self, event: Any, context: Any) -> dict[str, Any]:
        if asyncio._get_running_loop() is not None:
            # Called from inside a running event loop (a host that embeds the handler, or a test process that
            # also drives Playwright's sync API): Mangum cannot nest run_until_complete, so serve the request on
            # a thread of its own, which gets its own loop.
            with ThreadPoolExecutor(max_workers=1) as pool:
                return pool.submit(self._call_with_own_loop, event, context).result()
        _ensure_event_loop()
        return super().__call__(event, context)

    def _call_with_own_loop(self, event: Any, context: Any) -> dict[str, Any]:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            return super().__call__(event, context)
        finally:
            asyncio.set_event_loop(None)
            loop.close()


def make_handler(app: Starlette) -> LambdaHandler:
    """The Lambda handler for an app: ``handler = make_handler(app)`` (a ``Mangum`` subclass)."""
    return LambdaHandler(app, lifespan="off")
