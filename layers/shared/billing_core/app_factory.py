"""``create_app``: the FastAPI app every function builds, with one error model and the shared dependencies.

Example (``functions/<area>/<area>/app.py``)::

    from fastapi import APIRouter
    from mangum import Mangum
    from billing_core.app_factory import CallerDep, IdempotencyKeyDep, create_app

    router = APIRouter()

    @router.get("/billing/thing")
    def get_thing(caller: CallerDep) -> ThingResponse:
        return logic.thing(caller)

    app = create_app("billing_thing", router)
    handler = make_handler(app)

What the app does for every request, before and around the routes:

* request id: the Lambda ``aws_request_id`` (or API Gateway's ``requestId``, or a new uuid), in the logs,
  in every error body and in the ``X-Request-Id`` header;
* identity (``require_identity=True``, the default): claims checked before anything else, 401 / 403
  (A1, A5) — even on a route that forgets ``CallerDep``; ``CallerDep`` then resolves the billing account and
  checks the caller's role against the route's rule (``billing_core.accounts.roles.ROUTE_RULES``);
* bodies: over ``MAX_BODY_BYTES`` -> 413, a body with a non-JSON content type -> 415, malformed JSON -> 400,
  schema violations -> 422 (B7); base64 bodies are decoded by Mangum;
* errors: ``BillingError`` -> its status and fixed body; anything else -> 500 with a fixed body, the
  stack trace only in the (scrubbed) logs;
* a Stripe deadline derived from the Lambda's remaining time; metrics flushed once per request;
  ``Cache-Control: no-store`` on every response (billing data is private).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
import warnings
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from mangum import Mangum
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from billing_core.accounts.context import NoRouteRule, account_of_request, resolve
from billing_core.accounts.roles import RouteRule, rule_for
from billing_core.errors import (
    BadInput,
    BillingError,
    ConfigurationError,
    InternalError,
    InvalidInput,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    error_response,
)
from billing_core.idempotency import IdempotencyKey, register_lambda_context
from billing_core.identity import Caller, caller_from_event
from billing_core.lambda_context import remaining_seconds
from billing_core.observability import count, flush_metrics, logger
from billing_core.stripe_client import FUNCTION_TIMEOUT_S
from billing_core.stripe_gateway import request_deadline

MAX_BODY_BYTES = 32 * 1024
IDEMPOTENCY_KEY_HEADER = "idempotency-key"
IDEMPOTENCY_KEY_MAX = 255
_KEY_CHARS = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII, no spaces or control characters
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
#: Time kept back from the Lambda deadline to answer cleanly.
DEADLINE_MARGIN_S = 1.0


class ErrorDetail(BaseModel):
    code: str
    message: str
    request_id: str
    param: str | None = None
    details: dict[str, Any] | None = None


class ErrorEnvelope(BaseModel):
    """The one error shape (documented in every function's OpenAPI)."""

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope} for status in (400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503)
}


# ---------------------------------------------------------------------------------------------------
# Dependencies
# ---------------------------------------------------------------------------------------------------
def request_id_of(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id") or "unknown")


def current_caller(request: Request) -> Caller:
    """The signed-in caller from the authorizer claims (401 without claims, 403 for ID tokens), acting on the
    billing account the route's rule names, with their role checked against the route's permission
    (``billing_core.accounts``: 404 for an account the caller is not a member of, 403 for a role that may not)."""
    caller = caller_from_event(request.scope.get("aws.event"))
    route = request.scope.get("route")
    path = getattr(route, "path", "")
    own_rules: Mapping[tuple[str, str], RouteRule] = getattr(request.app.state, "route_rules", {})
    rule = own_rules.get((request.method, path)) or rule_for(request.method, path) if route is not None else None
    if rule is None:
        raise NoRouteRule(method=request.method)
    named = account_of_request(rule, request.headers, request.path_params)
    return resolve(caller, rule, named)


CallerDep = Annotated[Caller, Depends(current_caller)]


def idempotency_key(request: Request, caller: CallerDep) -> IdempotencyKey:
    """Required on mutations (B8): present, at most 255 printable ASCII characters."""
    value = request.headers.get(IDEMPOTENCY_KEY_HEADER)
    if value is None or not value.strip():
        raise BadInput(code="idempotency_key_missing", message="The Idempotency-Key header is required.")
    if len(value) > IDEMPOTENCY_KEY_MAX or not _KEY_CHARS.match(value):
        raise BadInput(
            code="idempotency_key_invalid",
            message="The Idempotency-Key header must be 1-255 printable ASCII characters.",
        )
    return IdempotencyKey(sub=caller.sub, value=value, account_id=caller.account_id)


def optional_idempotency_key(request: Request, caller: CallerDep) -> IdempotencyKey | None:
    """Where a key is accepted but not required: checked like on every mutation (B8) when present, else None."""
    if request.headers.get(IDEMPOTENCY_KEY_HEADER) is None:
        return None
    return idempotency_key(request, caller)


IdempotencyKeyDep = Annotated[IdempotencyKey, Depends(idempotency_key)]
OptionalIdempotencyKeyDep = Annotated[IdempotencyKey | None, Depends(optional_idempotency_key)]
RequestIdDep = Annotated[str, Depends(request_id_of)]


# ---------------------------------------------------------------------------------------------------
# Middleware (pure ASGI: cheap, and it sees every request including 404s)
# ---------------------------------------------------------------------------------------------------
def _json_error(err: BillingError, request_id: str) -> JSONResponse:
    mapped = error_response(err, request_id)
    headers = {"Cache-Control": "no-store", "X-Request-Id": request_id, **mapped.headers}
    return JSONResponse(mapped.body, status_code=mapped.status, headers=headers)


def _log_error(err: BillingError) -> None:
    fields = {"error_code": err.code, "status": err.status, **_safe(err.log_context)}
    if isinstance(err, ConfigurationError):
        count("ConfigurationError")
        logger.error("configuration error", extra=fields)
    elif err.status >= 500:
        logger.warning("dependency error", extra=fields)
    else:
        logger.info("request refused", extra=fields)


def _safe(ctx: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in ctx.items() if isinstance(v, (str, int, float, bool)) or v is None}


class _RequestMiddleware:
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
                _log_error(early)
                await _json_error(early, request_id)(scope, receive, send_wrapper)
                return
            receive = _limit_body(receive, self.max_body_bytes)
            with request_deadline(_seconds_left(context)):
                await self.app(scope, receive, send_wrapper)
        except Exception as exc:  # noqa: BLE001 - the one place that turns surprises into a fixed 500
            count("UnhandledError")
            logger.exception("unhandled error", extra={"error_type": type(exc).__name__})
            if status_holder.get("started"):
                raise
            await _json_error(InternalError(), request_id)(scope, receive, send_wrapper)
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
    """Raised from ``receive``; FastAPI re-raises HTTPExceptions from body reading (-> 413)."""

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


# ---------------------------------------------------------------------------------------------------
# Exception handlers: the one mapping
# ---------------------------------------------------------------------------------------------------
async def _billing_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BillingError)
    _log_error(exc)
    return _json_error(exc, request_id_of(request))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        err: BillingError = BadInput(code="malformed_json", message="The request body is not valid JSON.")
    else:
        first = errors[0] if errors else {}
        loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path", "header")]
        err = InvalidInput(param=".".join(loc) or None)
    logger.info("request refused", extra={"error_code": err.code, "error_types": [e.get("type") for e in errors]})
    return _json_error(err, request_id_of(request))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    err: BillingError
    if exc.status_code == 404:
        err = NotFound()
    elif exc.status_code == 405:
        err = MethodNotAllowed()
    elif exc.status_code == 413:
        err = PayloadTooLarge()
    elif exc.status_code == 400:
        err = BadInput()
    else:
        err = InternalError()
    return _json_error(err, request_id_of(request))


def create_app(
    title: str,
    *routers: APIRouter,
    require_identity: bool = True,
    version: str = "1.0.0",
    max_body_bytes: int = MAX_BODY_BYTES,
    route_rules: Mapping[tuple[str, str], RouteRule] | None = None,
) -> FastAPI:
    """The FastAPI app of one function: routers, error handlers, request middleware.

    ``require_identity=False`` only for routes without an authorizer (the Stripe webhook).
    ``max_body_bytes`` raises the body limit for one app (the webhook: Stripe events can exceed 32 kB).
    No docs routes are served (``app.openapi()`` still builds the document for tooling).
    ``route_rules`` adds rules for routes outside the product's matrix (an app a test or a host builds); the
    functions' routes all have theirs in ``billing_core.accounts.roles.ROUTE_RULES``.
    """
    app = FastAPI(
        title=title,
        version=version,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        responses=ERROR_RESPONSES,
        # No 307 to a slash-less (and https://) URL for ``/billing/invoices/`` or ``/x%2F``: an unknown path is 404.
        redirect_slashes=False,
    )
    for router in routers:
        app.include_router(router)
    app.state.route_rules = dict(route_rules or {})
    app.add_exception_handler(BillingError, _billing_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_middleware(_RequestMiddleware, require_identity=require_identity, max_body_bytes=max_body_bytes)
    return app


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


def make_handler(app: FastAPI) -> LambdaHandler:
    """The Lambda handler for an app: ``handler = make_handler(app)`` (a ``Mangum`` subclass)."""
    return LambdaHandler(app, lifespan="off")
