"""The Stripe client and its errors: the only module besides the gateway that imports ``stripe``.

* :func:`build_stripe_client` — a ``StripeClient`` pinned to the SDK's API version
  (``2026-10-28.endive``), with explicit retries and connect/read timeouts (F8, E1-E3, E7).
* :func:`translate_stripe_error` — ``stripe.StripeError`` to the domain error the client sees.

Logic modules do not use this directly: they call through :class:`billing_core.stripe_gateway.StripeGateway`.
"""

from __future__ import annotations

from typing import Any

import stripe

from billing_core.errors import (
    BadInput,
    BillingError,
    ConfigurationError,
    Conflict,
    DependencyThrottled,
    DependencyUnavailable,
    InternalError,
    NotFound,
    PaymentFailed,
    RequestInProgress,
)
from billing_core.observability import count

#: The API version stripe-python 16.1.0 pins; the gateway sends exactly this.
STRIPE_API_VERSION: str = stripe.api_version
#: Timeouts and retries (F8): worst case of one call is
#: (connect + read) * (retries + 1) + backoff = (1.5 + 4) * 3 + 1.5 = 18 s, below the 20 s function timeout.
STRIPE_CONNECT_TIMEOUT_S: float = 1.5
STRIPE_READ_TIMEOUT_S: float = 4.0
STRIPE_MAX_RETRIES: int = 2
#: stripe-python's backoff: 0.5 s doubling (capped at 5 s), jitter only shortens it.
STRIPE_MAX_BACKOFF_TOTAL_S: float = sum(min(0.5 * 2**n, 5.0) for n in range(STRIPE_MAX_RETRIES))
#: The Lambda function timeout the template sets (Globals.Function.Timeout).
FUNCTION_TIMEOUT_S: float = 20.0


def worst_case_call_seconds(
    connect: float = STRIPE_CONNECT_TIMEOUT_S,
    read: float = STRIPE_READ_TIMEOUT_S,
    retries: int = STRIPE_MAX_RETRIES,
) -> float:
    """Upper bound of one Stripe call including the SDK's own retries and backoff."""
    backoff = sum(min(0.5 * 2**n, 5.0) for n in range(retries))
    return float((connect + read) * (retries + 1) + backoff)


def build_stripe_client(
    api_key: str,
    api_base: str | None = None,
    *,
    connect_timeout: float = STRIPE_CONNECT_TIMEOUT_S,
    read_timeout: float = STRIPE_READ_TIMEOUT_S,
    max_retries: int = STRIPE_MAX_RETRIES,
) -> stripe.StripeClient:
    """A ``StripeClient`` with the pinned API version, explicit retries and timeouts."""
    if not api_key or not api_key.strip():
        raise ConfigurationError(message_for_logs="empty Stripe secret key")
    return stripe.StripeClient(
        api_key.strip(),
        stripe_version=STRIPE_API_VERSION,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=max_retries,
        http_client=stripe.RequestsClient(timeout=(connect_timeout, read_timeout)),
    )


def translate_stripe_error(exc: stripe.StripeError, operation: str) -> BillingError:
    """Map a stripe-python error to the domain error the client sees (fixed messages)."""
    ctx: dict[str, Any] = {
        "operation": operation,
        "stripe_request_id": exc.request_id,
        "http_status": exc.http_status,
        "stripe_code": exc.code,
    }
    if isinstance(exc, stripe.CardError):
        decline = exc.error.decline_code if exc.error is not None else None
        return PaymentFailed(decline_code=decline or exc.code, **ctx)
    if isinstance(exc, stripe.RateLimitError):
        count("StripeThrottled")
        return DependencyThrottled(retry_after=_retry_after(exc, 2), **ctx)
    if isinstance(exc, stripe.APIConnectionError):
        count("StripeUnavailable")
        return DependencyUnavailable(retry_after=5, **ctx)
    if isinstance(exc, (stripe.AuthenticationError, stripe.PermissionError)):
        count("StripeAuthFailure")
        return ConfigurationError(message_for_logs="Stripe rejected the API key", **ctx)
    if isinstance(exc, stripe.IdempotencyError):
        return Conflict(code="idempotency_conflict", message="This request conflicts with an earlier one.", **ctx)
    if isinstance(exc, stripe.InvalidRequestError):
        if exc.code == "resource_missing" or exc.http_status == 404:
            return NotFound(**ctx)
        return BadInput(code="invalid_request", param=exc.param, **ctx)
    if isinstance(exc, stripe.APIError):
        if exc.http_status == 409:
            return RequestInProgress(retry_after=1, **ctx)
        count("StripeUnavailable")
        return DependencyUnavailable(retry_after=5, **ctx)
    return InternalError(**ctx)


def _retry_after(exc: stripe.StripeError, default: int) -> int:
    raw = (exc.headers or {}).get("retry-after") if exc.headers else None
    try:
        return max(1, min(60, int(float(raw)))) if raw else default
    except ValueError:
        return default
