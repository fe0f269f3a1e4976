"""End-to-end idempotency for mutating routes (ADR 0006), on Powertools Idempotency.

A mutation route takes the caller and the ``Idempotency-Key`` (dependencies from ``app_factory``) and
wraps its logic::

    @router.post("/billing/subscription/change")
    def change(body: ChangeRequest, caller: CallerDep, key: IdempotencyKeyDep) -> ChangeResponse:
        return idempotent_route(key, "subscription.change", body.model_dump(mode="json"),
                                lambda: logic.change_plan(caller, body, key), ChangeResponse, refresh=True)

* the record is keyed by the caller's namespace + key (users and billing accounts are isolated, D8) and lives
  24 h (like Stripe's keys); the namespace is ``sub`` on the personal account (as before billing accounts) and
  ``<account id>:<sub>`` on a team account;
* a retry gets the stored response (D2) — ``fn`` must return a JSON-serialisable dict;
* the same key with another route or payload -> 422 ``idempotency_key_reused`` (D4);
* the same key while the first request runs -> 409 ``request_in_progress`` + Retry-After (D3);
* an exception deletes the record, so a retry runs again (the Stripe keys derived from the same request
  key make that safe, D6).
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from billing_core import aws
from billing_core.errors import BadInput, DependencyUnavailable, IdempotencyKeyReused, RequestInProgress
from billing_core.identity import personal_account_id
from billing_core.observability import count
from billing_core.settings import get_settings
from billing_core.stripe_client import FUNCTION_TIMEOUT_S
from billing_core.stripe_ownership import derive_key

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig

# Powertools Idempotency (and its DynamoDB persistence layer) is imported on the first mutation, not with this
# module: every app imports it for ``register_lambda_context``, and read-only functions never need the rest.

#: Stored responses live as long as Stripe keeps its idempotency keys.
RECORD_TTL_S = 24 * 3600
IN_PROGRESS_RETRY_AFTER_S = 2
KEY_PREFIX = "billing"


@dataclass(frozen=True)
class IdempotencyKey:
    """The caller's ``Idempotency-Key`` within one billing account (``app_factory`` reads it from the header)."""

    sub: str
    value: str
    account_id: str = ""
    """The billing account the request acts on; empty means the personal account of ``sub``."""

    def __post_init__(self) -> None:
        if not self.account_id:
            object.__setattr__(self, "account_id", personal_account_id(self.sub))

    @property
    def namespace(self) -> str:
        """``sub`` on the personal account (unchanged by billing accounts), else ``<account id>:<sub>``."""
        return self.sub if self.account_id == personal_account_id(self.sub) else f"{self.account_id}:{self.sub}"

    @property
    def base(self) -> str:
        return f"{self.namespace}:{self.value}"

    def stripe(self, purpose: str) -> str:
        """The Stripe idempotency key for one write of this request (``purpose`` names the write)."""
        return derive_key(self.base, purpose)


_lock = threading.Lock()
_layer: DynamoDBPersistenceLayer | None = None
_lambda_context: contextvars.ContextVar[Any | None] = contextvars.ContextVar("lambda_context", default=None)


def persistence_layer() -> DynamoDBPersistenceLayer:
    """The Powertools persistence layer on ``IDEMPOTENCY_TABLE_NAME`` (created lazily)."""
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    global _layer
    with _lock:
        if _layer is None:
            _layer = DynamoDBPersistenceLayer(
                table_name=get_settings().idempotency_table_name, boto3_client=aws.client("dynamodb")
            )
        return _layer


def reset_idempotency() -> None:
    global _layer
    with _lock:
        _layer = None


def register_lambda_context(context: Any | None) -> None:
    """Remember the Lambda context of the current request (in-progress records expire with it)."""
    _lambda_context.set(context)


def _config() -> IdempotencyConfig:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    config = IdempotencyConfig(
        event_key_jmespath="[sub, key]",
        payload_validation_jmespath="[route, payload]",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=RECORD_TTL_S,
    )
    context = _lambda_context.get()
    if context is None or not hasattr(context, "get_remaining_time_in_millis"):
        # Outside Lambda (tests, uvicorn): in-progress records expire with the function timeout budget.
        context = _BudgetContext(FUNCTION_TIMEOUT_S)
    config.register_lambda_context(context)  # type: ignore[arg-type]  # any object with Lambda's context methods
    return config


class _BudgetContext:
    """A stand-in Lambda context whose remaining time counts down from a fixed budget."""

    def __init__(self, seconds: float) -> None:
        self._deadline = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def run_idempotent(
    key: IdempotencyKey,
    route: str,
    payload: Mapping[str, Any],
    fn: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """Run ``fn`` once per (caller, key); replay its stored result on retries.

    ``route`` names the operation (e.g. ``"subscription.change"``); ``payload`` is the validated
    request (JSON-compatible) and is compared on retries.
    """
    from aws_lambda_powertools.utilities.idempotency import idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyKeyError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    data = {"sub": key.namespace, "key": key.value, "route": route, "payload": dict(payload)}

    def _run(data: dict[str, Any]) -> dict[str, Any]:
        return fn()

    wrapped = idempotent_function(
        _run,
        data_keyword_argument="data",
        persistence_store=persistence_layer(),
        config=_config(),
        key_prefix=KEY_PREFIX,
    )
    try:
        result: dict[str, Any] = wrapped(data=data)
        return result
    except IdempotencyAlreadyInProgressError:
        count("IdempotencyInProgress")
        raise RequestInProgress(retry_after=IN_PROGRESS_RETRY_AFTER_S) from None
    except IdempotencyValidationError:
        count("IdempotencyKeyReused")
        raise IdempotencyKeyReused(route=route) from None
    except IdempotencyKeyError:
        raise BadInput(code="idempotency_key_invalid", message="The Idempotency-Key header is invalid.") from None
    except IdempotencyPersistenceLayerError:
        count("IdempotencyStoreUnavailable")
        raise DependencyUnavailable(retry_after=2, operation="idempotency") from None


def idempotent_route[M: BaseModel](
    key: IdempotencyKey,
    route: str,
    payload: Mapping[str, Any],
    run: Callable[[], BaseModel | Mapping[str, Any]],
    response: type[M],
    *,
    refresh: bool = False,
    request_id: str | None = None,
) -> M:
    """A mutation route's whole body: run ``run`` once per key (``run_idempotent``), store its answer as JSON, and
    answer it (or the stored one, on a retry) as ``response``. ``refresh=True``: the caller's entitlements are
    refreshed right after the write (``read_your_writes.after_write``, H4), inside the idempotent run."""

    def answer() -> dict[str, Any]:
        result = run()
        data = result.model_dump(mode="json") if isinstance(result, BaseModel) else dict(result)
        if refresh:
            from billing_core.read_your_writes import after_write  # the entitlement adapters, for mutations only

            return after_write(key.account_id, route, data, request_id)
        return data

    return response.model_validate(run_idempotent(key, route, payload, answer))
