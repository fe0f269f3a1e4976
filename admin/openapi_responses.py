"""The error answers of the API contract (``admin.openapi``): per operation and status, the one envelope with
the codes the route may answer (each an example in ``components/examples``), and API Gateway's own bodies (its
JWT authorizer's 401, its throttling 429)."""

from __future__ import annotations

from typing import Any

from admin.openapi_errors import ErrorCode, SourceIndex

GATEWAY_MESSAGE = "GatewayMessage"
ERROR_ENVELOPE = "ErrorEnvelope"
SAMPLE_REQUEST_ID = "d1f0c2a4-7b7e-4c1e-9a55-0c5b4f6e8a21"
STATUS_TEXT = {
    400: "Bad request: the request cannot be accepted as sent",
    401: "Unauthorized: no valid access token (answered by API Gateway's JWT authorizer)",
    402: "Payment failed: the card was declined",
    403: "Forbidden: an ID token instead of an access token, or a role that may not do this",
    404: "Not found, or not yours (never told apart)",
    409: "Conflict with the current billing state",
    413: "Request body too large",
    415: "Request body is not application/json",
    422: "Request does not match the schema, or an Idempotency-Key reused with another request",
    429: "Throttled by API Gateway",
    500: "Unexpected error or misconfiguration (no state was half-applied)",
    503: "A dependency is down or throttling; retry after Retry-After seconds",
}


def generic_codes(
    index: SourceIndex, *, identity: bool, rule: Any, idempotency: str | None, has_body: bool, has_input: bool
) -> set[ErrorCode]:
    """The codes of the steps every request of this route passes before and around its logic."""
    core: list[tuple[str, str | None]] = [("DependencyUnavailable", None), ("DependencyThrottled", None)]
    core.append(("InternalError", None))
    core.append(("ConfigurationError", None))
    if identity:
        core.append(("Forbidden", None))
        if rule is not None and rule.permission is not None:
            core.append(("RoleForbidden", None))
        if rule is not None and rule.account in ("header", "path"):
            core.append(("AccountNotFound", None))
    if has_body:
        # a body that is not UTF-8 is the generic bad_request (FastAPI cannot decode it)
        core += [("PayloadTooLarge", None), ("UnsupportedMediaType", None), ("BadInput", "malformed_json")]
        core.append(("BadInput", None))
    if has_input:
        core.append(("InvalidInput", None))
    if idempotency is not None:
        # a blank key is "missing" where a key is optional too
        core += [("BadInput", "idempotency_key_invalid"), ("RequestInProgress", None)]
        core += [("IdempotencyKeyReused", None), ("BadInput", "idempotency_key_missing")]
    out = set()
    for cls, code in core:
        message = _GENERIC_MESSAGES.get(code or "")
        out.add(index.resolve(cls, code, message))
    return out


_GENERIC_MESSAGES = {
    "malformed_json": "The request body is not valid JSON.",
    "idempotency_key_missing": "The Idempotency-Key header is required.",
    "idempotency_key_invalid": "The Idempotency-Key header must be 1-255 printable ASCII characters.",
}


def error_examples(codes: set[ErrorCode]) -> dict[str, Any]:
    """One example per error code, referenced from every response that may carry it."""
    first: dict[str, ErrorCode] = {}
    for err in sorted(codes, key=lambda e: (e.code, e.status, e.message)):
        first.setdefault(err.code, err)
    return {
        code: {
            "summary": f"{err.status} {code}: {err.message}",
            "value": {"error": {"code": code, "message": err.message, "request_id": SAMPLE_REQUEST_ID}},
        }
        for code, err in sorted(first.items())
    }


def error_responses(codes: set[ErrorCode], identity: bool) -> dict[str, Any]:
    by_status: dict[int, dict[str, ErrorCode]] = {}
    for err in sorted(codes, key=lambda e: (e.status, e.code, e.message)):
        by_status.setdefault(err.status, {}).setdefault(err.code, err)
    responses: dict[str, Any] = {}
    for status, errors in sorted(by_status.items()):
        examples = {code: {"$ref": f"#/components/examples/{code}"} for code in sorted(errors)}
        entry: dict[str, Any] = {
            "description": f"{STATUS_TEXT.get(status, 'Error')}. Codes: " + ", ".join(f"`{c}`" for c in errors),
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_ENVELOPE}"}, "examples": examples}
            },
        }
        if status in (409, 503):
            entry["headers"] = {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}
            if status == 409:
                entry["description"] += " (`request_in_progress` carries Retry-After)"
        responses[str(status)] = entry
    if identity:
        responses["401"] = gateway_response(401, "Unauthorized")
    responses["429"] = gateway_response(429, "Too Many Requests")
    return responses


def gateway_response(status: int, message: str) -> dict[str, Any]:
    return {
        "description": f"{STATUS_TEXT[status]}: API Gateway's own body, not the error envelope.",
        "content": {
            "application/json": {
                "schema": {"$ref": f"#/components/schemas/{GATEWAY_MESSAGE}"},
                "examples": {"gateway": {"summary": message, "value": {"message": message}}},
            }
        },
    }
