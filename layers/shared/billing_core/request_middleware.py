"""The request middleware every app runs (pure ASGI: cheap, and it sees every request including 404s).

Request id, identity precheck (401/403 before any route), body limits (413) and content type (415), the
Stripe deadline from the Lambda's remaining time, the fixed 500 for anything unexpected, one log line and one
metrics flush per request, ``Cache-Control: no-store`` and ``X-Request-Id`` on every response.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from billing_core.errors import BillingError, InternalError, PayloadTooLarge, UnsupportedMediaType
from billing_core.http_errors import json_error, log_error
from billing_core.idempotency import register_lambda_context
from billing_core.identity import caller_from_event
from billing_core.lambda_context import remaining_seconds
from billing_core.observability import count, flush_metrics, logger
from billing_core.stripe_client import FUNCTION_TIMEOUT_S
from billing_core.stripe_gateway import request_deadline

MAX_BODY_BYTES = 32 * 1024
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
#: Time kept back from the Lambda deadline to answer cleanly.
DEADLINE_MARGIN_S = 1.0


class RequestMiddleware:
    def __init__(self, app: ASGIApp, require_identity: bool, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.require_identity = require_identity
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        event = scope.get("aws.event") if isinstance(scope.get("aws.event"), Mapping) else None
        context = scope.get("aws.context")
        request_id = (
            getattr(context, "aws_request_id", None)
            or ((event or {}).get("requestContext") or {}).get("requestId")
            or str(uuid.uuid4())
        )
        scope.setdefault("state", {})["request_id"] = request_id
        register_lambda_context(context)
        logger.append_keys(request_id=request_id, route=f"{scope.get('method')} {scope.get('path')}")
        started = time.monotonic()
        status_holder = {"status": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = 1
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                if b"x-request-id" not in names:
                    headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            early = self._precheck(scope, event)
            if early is not None:
                log_error(early)
                await json_error(early, request_id)(scope, receive, send_wrapper)
                return
            receive = _limit_body(receive, self.max_body_bytes)
            with request_deadline(_seconds_left(context)):
                await self.app(scope, receive, send_wrapper)
        except Exception as exc:  # noqa: BLE001 - the one place that turns surprises into a fixed 500
            count("UnhandledError")
            logger.exception("unhandled error", extra={"error_type": type(exc).__name__})
            if status_holder.get("started"):
                raise
            await json_error(InternalError(), request_id)(scope, receive, send_wrapper)
        finally:
            logger.info(
                "request",
                extra={"status": status_holder["status"], "duration_ms": round((time.monotonic() - started) * 1000)},
            )
            flush_metrics()
            logger.remove_keys(["request_id", "route"])

    def _precheck(self, scope: Scope, event: Mapping[str, Any] | None) -> BillingError | None:
        if self.require_identity:
            try:
                caller_from_event(event)
            except BillingError as err:
                return err
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body_bytes:
            return PayloadTooLarge()
        if scope.get("method") in _BODY_METHODS and length.isdigit() and int(length) > 0:
            content_type = headers.get("content-type", "").split(";")[0].strip().lower()
            if not (content_type == "application/json" or content_type.endswith("+json")):
                return UnsupportedMediaType()
        return None


class _BodyTooLarge(HTTPException):
    """Raised from ``receive``; the routing layer re-raises HTTPExceptions from body reading (-> 413)."""

    def __init__(self) -> None:
        super().__init__(status_code=413)


def _limit_body(receive: Receive, limit: int = MAX_BODY_BYTES) -> Receive:
    """Count streamed body bytes (a missing or lying Content-Length still ends in 413)."""
    total = 0

    async def limited() -> Message:
        nonlocal total
        message = await receive()
        if message["type"] == "http.request":
            total += len(message.get("body", b""))
            if total > limit:
                raise _BodyTooLarge()
        return message

    return limited


def _seconds_left(context: Any) -> float:
    return max(0.0, remaining_seconds(context, FUNCTION_TIMEOUT_S) - DEADLINE_MARGIN_S)
