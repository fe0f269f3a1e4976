"""The only module that imports ``stripe``.

* :func:`build_stripe_client` — a ``StripeClient`` pinned to the SDK's API version
  (``2026-10-28.endive``), with explicit retries and connect/read timeouts (F8, E1-E3, E7).
* :class:`StripeGateway` — runs calls through :meth:`StripeGateway.call`, which translates
  ``stripe.StripeError`` into domain errors and logs Stripe's request id; :meth:`StripeGateway.read_concurrently`
  runs independent reads at once.
* :func:`assert_owned` — the IDOR check every function makes on a client-supplied Stripe object (A2/A3).
* :func:`derive_key` — Stripe idempotency keys derived from the caller's request key.

Usage::

    gateway = get_gateway()
    sub = gateway.call("subscriptions.retrieve", lambda c: c.v1.subscriptions.retrieve(sub_id))
    assert_owned(sub, customer_id)
    gateway.call(
        "subscriptions.update",
        lambda c: c.v1.subscriptions.update(sub_id, params, {"idempotency_key": key.stripe("change")}),
    )
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import stripe
from aws_lambda_powertools.utilities.parameters import SecretsProvider

from billing_core import aws
from billing_core.errors import (
    BadInput,
    BillingError,
    ConfigurationError,
    Conflict,
    CustomerGone,
    DependencyThrottled,
    DependencyUnavailable,
    InternalError,
    NotFound,
    PaymentFailed,
    RequestInProgress,
)
from billing_core.observability import count, logger
from billing_core.rate_budget import RateBudget
from billing_core.settings import Settings, check_key_matches_stage, get_settings
from billing_core.stripe_fields import field, object_id

T = TypeVar("T")

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
#: Secrets are re-read at most this often (key rotation without redeploy).
SECRET_MAX_AGE_S: int = 60
#: Threads used for concurrent reads.
READ_CONCURRENCY: int = 8


def worst_case_call_seconds(
    connect: float = STRIPE_CONNECT_TIMEOUT_S,
    read: float = STRIPE_READ_TIMEOUT_S,
    retries: int = STRIPE_MAX_RETRIES,
) -> float:
    """Upper bound of one Stripe call including the SDK's own retries and backoff."""
    backoff = sum(min(0.5 * 2**n, 5.0) for n in range(retries))
    return (connect + read) * (retries + 1) + backoff


# --------------------------------------------------------------------------------------------------
# Request deadline: set per request by the app factory; calls that cannot finish in time are not started.
# --------------------------------------------------------------------------------------------------
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("stripe_deadline", default=None)


@contextmanager
def request_deadline(seconds_left: float):
    """Within this block, refuse to start a Stripe call with less than one attempt's worth of time left."""
    token = _deadline.set(time.monotonic() + seconds_left)
    try:
        yield
    finally:
        _deadline.reset(token)


def _check_deadline(operation: str) -> None:
    deadline = _deadline.get()
    if deadline is None:
        return
    left = deadline - time.monotonic()
    if left < STRIPE_CONNECT_TIMEOUT_S + STRIPE_READ_TIMEOUT_S + 0.5:
        count("StripeDeadlineExceeded")
        raise DependencyUnavailable(retry_after=5, operation=operation, reason="deadline", seconds_left=left)


# --------------------------------------------------------------------------------------------------
# Client construction
# --------------------------------------------------------------------------------------------------
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


_secrets_lock = threading.Lock()
_secrets_provider: SecretsProvider | None = None


def secrets_provider() -> SecretsProvider:
    """The process's Powertools secrets provider (its own Secrets Manager client from the shared session)."""
    global _secrets_provider
    with _secrets_lock:
        if _secrets_provider is None:
            _secrets_provider = SecretsProvider(boto3_client=aws.new_client("secretsmanager"))
        return _secrets_provider


def read_secret(name: str, *, force: bool = False) -> str:
    """A secret's string value through Powertools Parameters (cached ``SECRET_MAX_AGE_S``).

    Unavailable -> ``DependencyUnavailable`` (E9); empty -> ``ConfigurationError``. Never returns ''.
    """
    try:
        value = secrets_provider().get(name, max_age=SECRET_MAX_AGE_S, force_fetch=force)
    except Exception as exc:  # noqa: BLE001 - any failure to read a secret is an outage for the caller
        count("SecretUnavailable")
        raise DependencyUnavailable(retry_after=10, secret=name, reason=type(exc).__name__) from None
    if isinstance(value, bytes):
        value = value.decode()
    if not isinstance(value, str) or not value.strip():
        count("ConfigurationError")
        raise ConfigurationError(message_for_logs=f"secret {name} is empty")
    return value.strip()


def stripe_key_from_secret(raw: str) -> str:
    """Accept a plain key or a JSON object with ``secret_key`` / ``api_key``."""
    if raw.startswith("{"):
        try:
            data = json.loads(raw)
        except ValueError:
            raise ConfigurationError(message_for_logs="Stripe secret is not valid JSON") from None
        raw = str(data.get("secret_key") or data.get("api_key") or "")
    if not raw:
        raise ConfigurationError(message_for_logs="Stripe secret holds no key")
    return raw


# --------------------------------------------------------------------------------------------------
# Error translation
# --------------------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------------------
# Gateway
# --------------------------------------------------------------------------------------------------
class StripeGateway:
    """Stripe access for logic modules.

    ``client`` may be handed in (tests); otherwise it is built lazily from settings and the secret,
    and rebuilt when the secret's value changes (rotation).
    """

    def __init__(
        self,
        client: stripe.StripeClient | None = None,
        settings: Settings | None = None,
        budget: RateBudget | None = None,
    ) -> None:
        self._fixed_client = client
        self._settings = settings
        #: The process's share of Stripe's rate limit (reconcile workers, the webhook); None = unpaced.
        self.budget = budget
        self._client: stripe.StripeClient | None = None
        self._client_key: str | None = None
        self._lock = threading.Lock()

    @property
    def settings(self) -> Settings:
        return self._settings or get_settings()

    def client(self) -> stripe.StripeClient:
        """The ``StripeClient`` (secret read with a short cache; F2 checked on every new key).

        The secret is read under the lock: the concurrent reads of a cold first request wait for one Secrets
        Manager call instead of each making its own (the cache answers them once it is filled)."""
        if self._fixed_client is not None:
            return self._fixed_client
        settings = self.settings
        with self._lock:
            key = stripe_key_from_secret(read_secret(settings.stripe_secret_name))
            if self._client is None or key != self._client_key:
                try:
                    check_key_matches_stage(key, settings)
                except ConfigurationError:
                    count("ConfigurationError")
                    raise
                self._client = build_stripe_client(key, settings.stripe_api_base)
                self._client_key = key
            return self._client

    def forget_client(self) -> None:
        """Build the Stripe client again on the next call (a handed-in client is kept)."""
        with self._lock:
            self._client = None
            self._client_key = None

    def call(self, operation: str, fn: Callable[[stripe.StripeClient], T]) -> T:
        """Run one Stripe call; translate errors; log the Stripe request id (never the object)."""
        _check_deadline(operation)
        client = self.client()
        if self.budget is not None:
            self.budget.take(operation)
        started = time.monotonic()
        try:
            result = fn(client)
        except stripe.StripeError as exc:
            err = translate_stripe_error(exc, operation)
            if self.budget is not None and isinstance(err, DependencyThrottled):
                self.budget.penalize(1.0)  # Stripe's limits are per second: the whole process backs off
            logger.warning(
                "stripe call failed",
                extra={
                    "operation": operation,
                    "stripe_request_id": exc.request_id,
                    "http_status": exc.http_status,
                    "stripe_code": exc.code,
                    "error_code": err.code,
                    "duration_ms": round((time.monotonic() - started) * 1000),
                },
            )
            raise err from None
        last = getattr(result, "last_response", None)
        logger.debug(
            "stripe call",
            extra={
                "operation": operation,
                "stripe_request_id": getattr(last, "request_id", None),
                "duration_ms": round((time.monotonic() - started) * 1000),
            },
        )
        return result

    def live_customer(self, customer_id: str) -> Any:
        """The customer, or 409 ``customer_gone`` when Stripe no longer has it (missing or deleted: A7)."""
        try:
            customer = self.call("customers.retrieve", lambda c: c.v1.customers.retrieve(customer_id))
        except NotFound:
            count("CustomerGone")
            raise CustomerGone(customer_id=customer_id) from None
        if field(customer, "deleted"):
            count("CustomerGone")
            raise CustomerGone(customer_id=customer_id)
        return customer

    def read_concurrently(self, calls: Mapping[str, Callable[[], T]]) -> dict[str, T]:
        """Run independent reads at once (each should use :meth:`call`); return results by name.

        All reads finish before an error is raised; the first failing read's error (in ``calls``
        order) is raised. The request deadline and log context propagate to the worker threads.
        """
        if len(calls) <= 1:
            return {name: fn() for name, fn in calls.items()}
        futures = {name: _executor().submit(contextvars.copy_context().run, fn) for name, fn in calls.items()}
        results: dict[str, T] = {}
        first_error: BaseException | None = None
        for name, future in futures.items():
            try:
                results[name] = future.result()
            except BaseException as exc:  # noqa: BLE001 - re-raised below after every read finished
                first_error = first_error or exc
        if first_error is not None:
            raise first_error
        return results

    def read_sequentially(self, calls: Mapping[str, Callable[[], T]]) -> dict[str, T]:
        """The same contract as :meth:`read_concurrently`, one call after another (benchmark baseline)."""
        return {name: fn() for name, fn in calls.items()}


_executor_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _executor_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=READ_CONCURRENCY, thread_name_prefix="stripe-read")
        return _pool


_gateway: StripeGateway | None = None
_gateway_lock = threading.Lock()


def get_gateway() -> StripeGateway:
    """The process-wide gateway (lazy)."""
    global _gateway
    with _gateway_lock:
        if _gateway is None:
            _gateway = StripeGateway()
        return _gateway


def forget_stripe_client() -> None:
    """Drop the gateway's Stripe client (HTTP session, key; built again on first use) and empty the secret cache.
    After a SnapStart restore: copies of one snapshot must not share connections or a time-keyed cache."""
    with _gateway_lock:
        if _gateway is not None:
            _gateway.forget_client()
    with _secrets_lock:
        if _secrets_provider is not None:
            _secrets_provider.clear_cache()


def reset_gateway() -> None:
    """Forget the cached gateway and secret values (tests, or to force a re-read)."""
    global _gateway, _secrets_provider
    with _gateway_lock:
        _gateway = None
    with _secrets_lock:
        _secrets_provider = None


# --------------------------------------------------------------------------------------------------
# Ownership and idempotency keys
# --------------------------------------------------------------------------------------------------
def owner_of(obj: Mapping[str, Any] | Any) -> str | None:
    """The customer id a Stripe object belongs to (``customer`` as id or expanded object)."""
    return object_id(field(obj, "customer"))


def assert_owned(obj: Mapping[str, Any] | Any, customer_id: str, *, operation: str = "ownership") -> None:
    """Raise ``NotFound`` unless ``obj`` belongs to ``customer_id`` (A2/A3: foreign == missing).

    Call it right after retrieving a client-named object and before any other Stripe call.
    """
    owner = owner_of(obj)
    if owner is None or owner != customer_id:
        count("OwnershipDenied")
        logger.warning(
            "ownership check failed",
            extra={"operation": operation, "object": object_id(obj), "has_owner": owner is not None},
        )
        raise NotFound(operation=operation)


def derive_key(base: str, purpose: str) -> str:
    """A Stripe idempotency key for one write of one request.

    ``base`` must identify the caller and the request (e.g. ``f"{sub}:{idempotency_key}"``; see
    ``billing_core.app_factory.IdempotencyKey.stripe``); ``purpose`` names the write
    (``"subscription.update"``). Deterministic, 255 chars max, no personal data.
    """
    digest = hashlib.sha256(f"{base}\x1f{purpose}".encode()).hexdigest()
    return f"bss-{purpose[:64]}-{digest}"
