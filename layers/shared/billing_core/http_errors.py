"""The one error shape of the HTTP API: the envelope, the exception handlers and the JSON error response.

``BillingError`` -> its status and fixed body; the routing layer's validation errors -> 400 ``malformed_json`` or 422
(B7); Starlette's own 404/405/413/400 -> the same shape. Installed by ``billing_core.app_factory.create_app``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from billing_core.errors import (
    BadInput,
    BillingError,
    ConfigurationError,
    InternalError,
    InvalidInput,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    error_response,
)
from billing_core.observability import count, logger
from billing_core.routing_params import RequestValidationError


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


def request_id_of(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id") or "unknown")


def json_error(err: BillingError, request_id: str) -> JSONResponse:
    mapped = error_response(err, request_id)
    headers = {"Cache-Control": "no-store", "X-Request-Id": request_id, **mapped.headers}
    return JSONResponse(mapped.body, status_code=mapped.status, headers=headers)


def log_error(err: BillingError) -> None:
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


async def billing_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BillingError)
    log_error(exc)
    return json_error(exc, request_id_of(request))


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        err: BillingError = BadInput(code="malformed_json", message="The request body is not valid JSON.")
    else:
        first = errors[0] if errors else {}
        loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path", "header")]
        err = InvalidInput(param=".".join(loc) or None)
    logger.info("request refused", extra={"error_code": err.code, "error_types": [e.get("type") for e in errors]})
    return json_error(err, request_id_of(request))


async def http_error_handler(request: Request, exc: Exception) -> JSONResponse:
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
    return json_error(err, request_id_of(request))
