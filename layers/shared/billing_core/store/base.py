"""The one base of every DynamoDB store in the core (modelled on Powertools' idempotency persistence layer).

A store holds an injected low-level DynamoDB client (``dynamodb=``, for tests; otherwise the process's cached
client from :mod:`billing_core.aws`, fetched on each use and never at import), the table name (``table_name=``;
otherwise ``TABLE_NAME`` from the settings) and a clock. Its primitives translate failures once:

* ``ConditionalCheckFailedException`` (and a transaction cancelled by a failed condition) ->
  :class:`ConditionFailed`, which each store turns into its own answer (False, a 409, a re-read ...);
* any other ``ClientError`` or botocore error (connection, timeout) -> :class:`DependencyUnavailable`
  (503 + Retry-After 2, the ``DynamoDBUnavailable`` metric and a warning naming the operation);
* ``_attempt`` is the best-effort form: it never raises, and returns the failure's name.

Long because it is one class: every DynamoDB primitive the stores use, each beside the one error translation;
splitting the primitives from it would give that translation two homes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from billing_core import aws
from billing_core.errors import DependencyUnavailable
from billing_core.observability import count, logger
from billing_core.settings import get_settings
from billing_core.store.keys import key as _key

if TYPE_CHECKING:  # boto3-stubs is a dev dependency; the layer ships without it
    from mypy_boto3_dynamodb.client import DynamoDBClient as DynamoDBClient
else:
    DynamoDBClient = Any

T = TypeVar("T")
S = TypeVar("S", bound="TableStore")

#: Extra attempts on top of botocore's own retries when a transaction keeps conflicting (E8).
TRANSACTION_ATTEMPTS = 3
_RETRYABLE = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "TransactionConflictException",
    "TransactionInProgressException",
    "InternalServerError",
    "ServiceUnavailable",
}
_RETRYABLE_REASONS = {"None", None, "TransactionConflict", "ThrottlingError"}


class ConditionFailed(Exception):
    """A write's condition did not hold. ``item`` is the stored item when DynamoDB returned it."""

    def __init__(self, item: Mapping[str, Any] | None = None) -> None:
        super().__init__("condition failed")
        self.item: dict[str, Any] | None = dict(item) if item else None


def error_code(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code"))
    return type(exc).__name__


def dynamo_error(exc: Exception, operation: str) -> DependencyUnavailable:
    """Translate a DynamoDB failure into 503 + Retry-After (and a metric). Never carries AWS's message."""
    return unavailable(operation, error_code(exc))


def unavailable(operation: str, code: str) -> DependencyUnavailable:
    """503 + Retry-After for a DynamoDB call that failed with ``code``; counts ``DynamoDBUnavailable``."""
    count("DynamoDBUnavailable")
    logger.warning("dynamodb call failed", extra={"operation": operation, "aws_error": code})
    return DependencyUnavailable(retry_after=2, operation=operation, aws_error=code)


def _cancellation_reasons(exc: ClientError) -> list[Any]:
    return [r.get("Code") for r in exc.response.get("CancellationReasons", [])]


class TableStore:
    """Items of the billing table. Subclasses add the operations; all DynamoDB calls go through here."""

    def __init__(
        self,
        table_name: str | None = None,
        dynamodb: DynamoDBClient | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._table = table_name
        self._dynamodb = dynamodb
        self.clock = clock

    @property
    def table(self) -> str:
        return self._table or get_settings().table_name

    @property
    def dynamodb(self) -> DynamoDBClient:
        return self._dynamodb or aws.client("dynamodb")

    def sibling(self, store: type[S]) -> S:
        """Another store on the same table, client and clock (e.g. the webhook's stores share its directory's)."""
        return store(self._table, self._dynamodb, self.clock)

    # -- the one error translation ---------------------------------------------------------------------
    def _call(self, operation: str, request: Callable[[DynamoDBClient], T]) -> T:
        try:
            return request(self.dynamodb)
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise ConditionFailed(exc.response.get("Item")) from None  # type: ignore[arg-type]  # botocore types the response as a plain error response
            raise dynamo_error(exc, operation) from None
        except BotoCoreError as exc:
            raise dynamo_error(exc, operation) from None

    def _attempt(self, request: Callable[[DynamoDBClient], Any]) -> str | None:
        """Best effort (releases, undo steps): None when it worked, else the failure's name. No metric."""
        try:
            request(self.dynamodb)
        except ClientError as exc:
            return error_code(exc)
        except BotoCoreError as exc:
            return type(exc).__name__
        return None

    # -- primitives ------------------------------------------------------------------------------------
    def _get(self, pk: str, sk: str, operation: str) -> dict[str, Any] | None:
        """One item, strongly consistent; None when absent."""
        response = self._call(
            operation, lambda c: c.get_item(TableName=self.table, Key=_key(pk, sk), ConsistentRead=True)
        )
        item = response.get("Item")
        return item if isinstance(item, dict) else None

    def _put(
        self,
        item: Mapping[str, Any],
        operation: str,
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """PutItem; ``ConditionFailed`` when ``condition`` does not hold. ``extra``: ReturnValues and the like."""
        params: dict[str, Any] = {
            "TableName": self.table,
            "Item": dict(item),
            **condition_params(condition, names, values),
        }
        params.update(extra)
        return dict(self._call(operation, lambda c: c.put_item(**params)))

    def _update(
        self,
        pk: str,
        sk: str,
        expression: str,
        operation: str,
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> None:
        params = {**self._keyed(pk, sk, condition, names, values), "UpdateExpression": expression}
        self._call(operation, lambda c: c.update_item(**params))

    def _delete(
        self,
        pk: str,
        sk: str,
        operation: str,
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> None:
        params = self._keyed(pk, sk, condition, names, values)
        self._call(operation, lambda c: c.delete_item(**params))

    def _keyed(
        self,
        pk: str,
        sk: str,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The table, one item's key and an optional condition, as request parameters (also for ``_attempt``)."""
        return {"TableName": self.table, "Key": _key(pk, sk), **condition_params(condition, names, values)}

    def _query(
        self, pk: str, sk_prefix: str, operation: str, *, newest_first: bool, limit: int
    ) -> list[dict[str, Any]]:
        """Items of one partition whose sort key starts with ``sk_prefix``."""
        response = self._call(
            operation,
            lambda c: c.query(
                TableName=self.table,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
                ExpressionAttributeValues={":pk": {"S": pk}, ":prefix": {"S": sk_prefix}},
                ScanIndexForward=not newest_first,
                Limit=limit,
            ),
        )
        return [dict(item) for item in response.get("Items", [])]

    def _query_partition(self, pk: str, operation: str) -> Iterator[dict[str, Any]]:
        """Every item of one partition, page after page (migrations and admin commands)."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": pk}},
            "ConsistentRead": True,
        }
        while True:
            page = self._call(operation, lambda c: c.query(**request))
            yield from (dict(item) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _scan(self, operation: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item a (filtered) Scan returns, page after page (admin and batch jobs only)."""
        request: dict[str, Any] = {"TableName": self.table, **params}
        while True:
            page = self._call(operation, lambda c: c.scan(**request))
            yield from (dict(item) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _scan_page(
        self, operation: str, start: Mapping[str, Any] | None, limit: int, **params: Any
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """One page of a (filtered) Scan from ``start``: the items and the key to continue from (None at the end).

        ``limit`` bounds the items DynamoDB reads for the page (before the filter), so a page may hold fewer."""
        request: dict[str, Any] = {"TableName": self.table, "Limit": limit, **params}
        if start:
            request["ExclusiveStartKey"] = dict(start)
        page = self._call(operation, lambda c: c.scan(**request))
        following = page.get("LastEvaluatedKey")
        return [dict(item) for item in page.get("Items", [])], (dict(following) if following else None)

    def _query_all(self, pk: str, sk_prefix: str, operation: str) -> Iterator[dict[str, Any]]:
        """Every item of one partition whose sort key starts with ``sk_prefix``, page after page."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": sk_prefix}},
            "ConsistentRead": True,
        }
        while True:
            page = self._call(operation, lambda c: c.query(**request))
            yield from (dict(item) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _transact(self, puts: Sequence[Mapping[str, Any]], operation: str, *, attempts: int = 1) -> None:
        """Conditional puts in one transaction (each ``{"Item", "ConditionExpression"}``), with extra attempts
        while it only conflicts or is throttled (E8). ``ConditionFailed`` when a condition did not hold."""
        self._transact_write([("Put", put) for put in puts], operation, attempts=attempts)

    def _transact_write(
        self, actions: Sequence[tuple[str, Mapping[str, Any]]], operation: str, *, attempts: int = 1
    ) -> None:
        """Any mix of ``("Put" | "Update" | "Delete" | "ConditionCheck", params)`` in one transaction (the table
        name is added to each), retried like ``_transact``. ``ConditionFailed`` when a condition did not hold."""
        items: list[Any] = [{kind: {"TableName": self.table, **params}} for kind, params in actions]
        for attempt in range(attempts):
            try:
                self.dynamodb.transact_write_items(TransactItems=items)
                return
            except ClientError as exc:
                code = error_code(exc)
                reasons = _cancellation_reasons(exc)
                if code == "TransactionCanceledException" and "ConditionalCheckFailed" in reasons:
                    raise ConditionFailed() from None
                retryable = code in _RETRYABLE or (
                    code == "TransactionCanceledException" and all(r in _RETRYABLE_REASONS for r in reasons)
                )
                if not retryable or attempt == attempts - 1:
                    raise dynamo_error(exc, operation) from None
                time.sleep(0.05 * 2**attempt)
            except BotoCoreError as exc:
                raise dynamo_error(exc, operation) from None


def condition_params(
    condition: str | None, names: Mapping[str, str] | None = None, values: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A condition as request parameters (for ``_attempt`` calls that build their own request)."""
    params: dict[str, Any] = {}
    if condition is not None:
        params["ConditionExpression"] = condition
    if names:
        params["ExpressionAttributeNames"] = dict(names)
    if values:
        params["ExpressionAttributeValues"] = dict(values)
    return params
