"""Stripe access for logic modules: every call goes through :meth:`StripeGateway.call`.

* :class:`StripeGateway` — runs calls through :meth:`StripeGateway.call`, which translates
  ``stripe.StripeError`` into domain errors (:mod:`billing_core.stripe_client`) and logs Stripe's request id;
  :meth:`StripeGateway.read_concurrently` runs independent reads at once on a small thread pool.
* :func:`request_deadline` — calls that cannot finish within the request's time left are not started.
* The client is built by :mod:`billing_core.stripe_client` from the key :mod:`billing_core.stripe_secrets`
  reads; the IDOR check and derived idempotency keys are in :mod:`billing_core.stripe_ownership`.

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
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import stripe

from billing_core import stripe_secrets
from billing_core.errors import ConfigurationError, CustomerGone, DependencyThrottled, DependencyUnavailable, NotFound
from billing_core.observability import count, logger
from billing_core.rate_budget import RateBudget
from billing_core.settings import Settings, check_key_matches_stage, get_settings
from billing_core.stripe_client import (
    STRIPE_CONNECT_TIMEOUT_S,
    STRIPE_READ_TIMEOUT_S,
    build_stripe_client,
    translate_stripe_error,
)
from billing_core.stripe_fields import field
from billing_core.stripe_secrets import read_secret, stripe_key_from_secret

T = TypeVar("T")

#: Threads used for concurrent reads.
READ_CONCURRENCY: int = 8


# --------------------------------------------------------------------------------------------------
# Request deadline: set per request by the app factory; calls that cannot finish in time are not started.
# --------------------------------------------------------------------------------------------------
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("stripe_deadline", default=None)


@contextmanager
def request_deadline(seconds_left: float) -> Iterator[None]:
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
        last = result if isinstance(result, stripe.StripeResponse) else getattr(result, "last_response", None)
        logger.debug(
            "stripe call",
            extra={
                "operation": operation,
                "stripe_request_id": getattr(last, "request_id", None),
                "duration_ms": round((time.monotonic() - started) * 1000),
            },
        )
        return result

    def list_plain(self, operation: str, path: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """A list read answered as Stripe's JSON (plain dicts), for callers that only walk fields of it.

        stripe-python turns every object of a response into a ``StripeObject``, which costs far more than the
        JSON parse: 12 invoices with their lines take ~20 ms of CPU, held under the GIL while the other reads of
        the page wait (``bench/billing_read.py``). ``raw_request`` goes through the same requestor (key, API
        version, retries) and raises the same ``StripeError``s, which :meth:`call` translates."""
        response = self.call(operation, lambda c: c.raw_request("get", path, **params))
        data = response.data
        if not isinstance(data, dict) or not isinstance(data.get("data"), list):
            raise DependencyUnavailable(operation=operation, detail="Stripe answered a list read without a list")
        return data

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
    stripe_secrets.clear_secret_cache()


def reset_gateway() -> None:
    """Forget the cached gateway and secret values (tests, or to force a re-read)."""
    global _gateway
    with _gateway_lock:
        _gateway = None
    stripe_secrets.forget_secrets_provider()
