"""Domain errors and their one mapping to HTTP.

Logic and adapters raise these; ``app_factory`` turns them into the single error body
``{"error": {"code", "message", "request_id"}}``. Messages are fixed per error code and never carry
Stripe or AWS internals; details for operators go to the logs (``log_context``), not to the client.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class BillingError(Exception):
    """Base of every domain error. Subclasses set ``status``, ``code`` and ``message``."""

    status: int = 500
    code: str = "internal_error"
    message: str = "Something went wrong on our side. Please try again later."

    #: The offending parameter, safe to return to the client (e.g. ``price``), or None.
    param: str | None = None
    #: Structured facts the client needs to act on the error (e.g. the price of one more seat), or None.
    details: dict[str, Any] | None = None

    def __init__(self, code: str | None = None, message: str | None = None, **log_context: Any) -> None:
        if code is not None:
            self.code = code
        if message is not None:
            self.message = message
        #: Safe, structured details for logs only (never sent to the client).
        self.log_context: dict[str, Any] = log_context
        super().__init__(self.code)

    def headers(self) -> dict[str, str]:
        """Extra response headers (e.g. Retry-After)."""
        return {}


class BadInput(BillingError):
    """400: the request is syntactically fine but not acceptable (unknown price, bad return path...)."""

    status = 400
    code = "bad_request"
    message = "The request is not valid."

    def __init__(
        self, code: str | None = None, message: str | None = None, param: str | None = None, **ctx: Any
    ) -> None:
        super().__init__(code, message, **ctx)
        #: The offending parameter name (safe to return; e.g. Stripe's ``param`` on a tax id).
        self.param = param


class InvalidInput(BillingError):
    """422: the body or query does not match the schema."""

    status = 422
    code = "validation_error"
    message = "The request body or query does not match the expected schema."

    def __init__(self, param: str | None = None, **ctx: Any) -> None:
        super().__init__(**ctx)
        self.param = param


class MethodNotAllowed(BillingError):
    status = 405
    code = "method_not_allowed"
    message = "This method is not allowed here."


class PayloadTooLarge(BillingError):
    status = 413
    code = "payload_too_large"
    message = "The request body is too large."


class UnsupportedMediaType(BillingError):
    status = 415
    code = "unsupported_media_type"
    message = "The request body must be application/json."


class Unauthenticated(BillingError):
    """401: no identity on the request (no authorizer claims)."""

    status = 401
    code = "unauthenticated"
    message = "Sign in to manage billing."


class Forbidden(BillingError):
    """403: an identity, but not an acceptable one (e.g. an ID token instead of an access token)."""

    status = 403
    code = "forbidden"
    message = "This token cannot be used for billing. Use an access token."


class NotFound(BillingError):
    """404: not found, or not yours (never tell the two apart)."""

    status = 404
    code = "not_found"
    message = "The requested resource was not found."


class Conflict(BillingError):
    """409: the current state does not allow this; ``code`` says which conflict."""

    status = 409
    code = "conflict"
    message = "The request conflicts with the current state of your billing."


class CustomerGone(Conflict):
    """409 ``customer_gone``: the mapped Stripe customer was deleted; the mapping is kept for support."""

    code = "customer_gone"
    message = "Your billing account is no longer available. Please contact support."


class RequestInProgress(Conflict):
    """409 with Retry-After: the same Idempotency-Key is being processed right now (D3)."""

    code = "request_in_progress"
    message = "A request with this Idempotency-Key is still in progress. Retry shortly."

    def __init__(self, retry_after: int = 2, **ctx: Any) -> None:
        super().__init__(**ctx)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class IdempotencyKeyReused(BillingError):
    """422: the Idempotency-Key was already used with a different payload (D4)."""

    status = 422
    code = "idempotency_key_reused"
    message = "This Idempotency-Key was already used with a different request."


class PaymentFailed(BillingError):
    """402: the card was declined or the payment failed. ``decline_code`` is kept for logs only."""

    status = 402
    code = "payment_failed"
    message = "The payment could not be completed. Try another payment method."

    def __init__(self, code: str | None = None, decline_code: str | None = None, **ctx: Any) -> None:
        super().__init__(code, None, decline_code=decline_code, **ctx)
        self.decline_code = decline_code


class DependencyUnavailable(BillingError):
    """503 with Retry-After: Stripe, DynamoDB or Secrets Manager is down or too slow."""

    status = 503
    code = "dependency_unavailable"
    message = "Billing is temporarily unavailable. Please retry shortly."

    def __init__(self, retry_after: int = 5, **ctx: Any) -> None:
        super().__init__(**ctx)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class DependencyThrottled(DependencyUnavailable):
    """503 with Retry-After: a dependency rate-limited us and did not ask us to retry."""

    code = "dependency_throttled"
    message = "Billing is busy right now. Please retry shortly."


class ConfigurationError(BillingError):
    """500: the deployment is misconfigured (bad key, key/stage mismatch, revoked Stripe key)."""

    status = 500
    code = "configuration_error"
    message = "Billing is misconfigured. The operators have been alerted."


class InternalError(BillingError):
    """500: anything unexpected."""


@dataclass(frozen=True)
class ErrorBody:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


def error_response(err: BillingError, request_id: str) -> ErrorBody:
    """The one mapping from a domain error to status, JSON body and headers."""
    payload: dict[str, Any] = {"code": err.code, "message": err.message, "request_id": request_id}
    if err.param:
        payload["param"] = err.param
    if err.details:
        payload["details"] = err.details
    return ErrorBody(status=err.status, body={"error": payload}, headers=err.headers())
