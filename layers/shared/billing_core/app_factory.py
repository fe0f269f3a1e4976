"""``create_app``: the app every function builds, with one error model and the shared dependencies.

The error handlers are in ``billing_core.http_errors``, the middleware in ``billing_core.request_middleware``,
the Lambda handler in ``billing_core.lambda_handler``, the routing (Starlette routes declared like FastAPI's,
pydantic validation) in ``billing_core.routing``.

Example (``functions/<area>/<area>/app.py``)::

    from billing_core.routing import APIRouter
    from billing_core.app_factory import CallerDep, create_app
    from billing_core.lambda_handler import make_handler

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

import re
from collections.abc import Mapping
from typing import Annotated

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.requests import Request

from billing_core.accounts.context import NoRouteRule, account_of_request, resolve
from billing_core.accounts.roles import RouteRule, rule_for
from billing_core.errors import BadInput, BillingError
from billing_core.http_errors import (
    billing_error_handler,
    http_error_handler,
    request_id_of,
    validation_error_handler,
)
from billing_core.idempotency import IdempotencyKey
from billing_core.identity import Caller, caller_from_event
from billing_core.request_middleware import MAX_BODY_BYTES, RequestMiddleware
from billing_core.routing import APIRouter, App, Depends, RequestValidationError

IDEMPOTENCY_KEY_HEADER = "idempotency-key"
IDEMPOTENCY_KEY_MAX = 255
_KEY_CHARS = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII, no spaces or control characters


# ---------------------------------------------------------------------------------------------------
# Dependencies
# ---------------------------------------------------------------------------------------------------
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


def create_app(
    title: str,
    *routers: APIRouter,
    require_identity: bool = True,
    version: str = "1.0.0",
    max_body_bytes: int = MAX_BODY_BYTES,
    route_rules: Mapping[tuple[str, str], RouteRule] | None = None,
) -> App:
    """The app of one function: routers, error handlers, request middleware (``billing_core.routing.App``).

    ``require_identity=False`` only for routes without an authorizer (the Stripe webhook).
    ``max_body_bytes`` raises the body limit for one app (the webhook: Stripe events can exceed 32 kB).
    No docs routes are served: ``make openapi`` builds the document from the same routes
    (``admin.openapi_fastapi``; the error answers are ``billing_core.http_errors.ERROR_RESPONSES``).
    ``route_rules`` adds rules for routes outside the product's matrix (an app a test or a host builds); the
    functions' routes all have theirs in ``billing_core.accounts.roles.ROUTE_RULES``.
    """
    app = App(
        title,
        version,
        routers,
        middleware=[Middleware(RequestMiddleware, require_identity=require_identity, max_body_bytes=max_body_bytes)],
        exception_handlers={
            BillingError: billing_error_handler,
            RequestValidationError: validation_error_handler,
            StarletteHTTPException: http_error_handler,
        },
    )
    app.state.route_rules = dict(route_rules or {})
    return app
