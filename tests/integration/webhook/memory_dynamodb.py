"""An in-memory DynamoDB client for the property test and the benchmark (moto costs ~20 ms per conditional write).

It implements exactly the calls the webhook path makes - GetItem, PutItem (conditions, ReturnValues ALL_OLD,
ReturnValuesOnConditionCheckFailure) and TransactWriteItems of conditional Puts - with DynamoDB's semantics for
the condition grammar used (attribute_(not_)exists, comparisons, AND/OR/NOT, parentheses). Anything else
raises, so the double can never silently diverge from what moto checks in the other tests. Each call is atomic.
"""

from __future__ import annotations

import copy
import re
import threading
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from tests.helpers.dynamodb_double import DynamoDBDouble

_TOKEN = re.compile(r"\s*(<>|<=|>=|[()=<>,]|[#:]?[A-Za-z_][A-Za-z0-9_]*)")


def _tokens(expression: str) -> list[str]:
    out: list[str] = []
    pos = 0
    expression = expression.strip()
    while pos < len(expression):
        match = _TOKEN.match(expression, pos)
        if not match:
            raise NotImplementedError(f"unsupported expression: {expression!r}")
        out.append(match.group(1))
        pos = match.end()
    return out


class _Condition:
    def __init__(self, expression: str, names: dict[str, str], values: dict[str, Any]) -> None:
        self.tokens = _tokens(expression)
        self.pos = 0
        self.names = names
        self.values = values

    def evaluate(self, item: dict[str, Any] | None) -> bool:
        self.item = item or {}
        self.pos = 0
        result = self._or()
        if self.pos != len(self.tokens):
            raise NotImplementedError(f"trailing tokens {self.tokens[self.pos :]}")
        return result

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> str:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _or(self) -> bool:
        left = self._and()
        while self._peek() == "OR":
            self._take()
            right = self._and()
            left = left or right
        return left

    def _and(self) -> bool:
        left = self._not()
        while self._peek() == "AND":
            self._take()
            right = self._not()
            left = left and right
        return left

    def _not(self) -> bool:
        if self._peek() == "NOT":
            self._take()
            return not self._not()
        return self._primary()

    def _name(self, token: str) -> str:
        return self.names[token] if token.startswith("#") else token

    def _operand(self, token: str) -> Any:
        if token.startswith(":"):
            return _plain(self.values[token])
        attr = self.item.get(self._name(token))
        return None if attr is None else _plain(attr)

    def _primary(self) -> bool:
        token = self._take()
        if token == "(":
            result = self._or()
            assert self._take() == ")"
            return result
        if token in {"attribute_not_exists", "attribute_exists"}:
            assert self._take() == "("
            name = self._name(self._take())
            assert self._take() == ")"
            exists = name in self.item
            return exists if token == "attribute_exists" else not exists
        op = self._take()
        left, right = self._operand(token), self._operand(self._take())
        if left is None or right is None or type(left) is not type(right):
            return op == "<>" and not (left is None and right is None)
        return {
            "=": left == right,
            "<>": left != right,
            "<": left < right,
            "<=": left <= right,
            ">": left > right,
            ">=": left >= right,
        }[op]


def _plain(attr: dict[str, Any]) -> Any:
    if "S" in attr:
        return attr["S"]
    if "N" in attr:
        return Decimal(attr["N"])
    if "BOOL" in attr:
        return attr["BOOL"]
    raise NotImplementedError(f"unsupported attribute {attr}")


def _failed(operation: str, item: dict[str, Any] | None = None) -> ClientError:
    response: dict[str, Any] = {"Error": {"Code": "ConditionalCheckFailedException", "Message": "failed"}}
    if item is not None:
        response["Item"] = copy.deepcopy(item)
    return ClientError(response, operation)  # type: ignore[arg-type]


class MemoryDynamoDB(DynamoDBDouble):
    """Its calls take the subset of boto3's keywords the stores use (``override`` is not checked in tests)."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
        self.lock = threading.Lock()
        self.writes = 0
        self.reads = 0

    def _table(self, name: str) -> dict[tuple[str, str], dict[str, Any]]:
        return self.tables.setdefault(name, {})

    @staticmethod
    def _key(key: dict[str, Any]) -> tuple[str, str]:
        return key["pk"]["S"], key["sk"]["S"]

    def get_item(self, TableName: str, Key: dict[str, Any], ConsistentRead: bool = False) -> dict[str, Any]:  # noqa: N803
        with self.lock:
            self.reads += 1
            item = self._table(TableName).get(self._key(Key))
            return {"Item": copy.deepcopy(item)} if item is not None else {}

    def _check(self, table: str, item_key: tuple[str, str], spec: dict[str, Any]) -> bool:
        expression = spec.get("ConditionExpression")
        if not expression:
            return True
        condition = _Condition(
            expression, spec.get("ExpressionAttributeNames", {}), spec.get("ExpressionAttributeValues", {})
        )
        return condition.evaluate(self._table(table).get(item_key))

    def put_item(self, **kwargs: Any) -> dict[str, Any]:
        unknown = set(kwargs) - {
            "TableName",
            "Item",
            "ConditionExpression",
            "ExpressionAttributeNames",
            "ExpressionAttributeValues",
            "ReturnValues",
            "ReturnValuesOnConditionCheckFailure",
        }
        if unknown:
            raise NotImplementedError(f"put_item {unknown}")
        table, item = kwargs["TableName"], kwargs["Item"]
        key = self._key(item)
        with self.lock:
            old = self._table(table).get(key)
            if not self._check(table, key, kwargs):
                wants_old = kwargs.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
                raise _failed("PutItem", old if wants_old and old is not None else None)
            self.writes += 1
            self._table(table)[key] = copy.deepcopy(item)
            if kwargs.get("ReturnValues") == "ALL_OLD" and old is not None:
                return {"Attributes": copy.deepcopy(old)}
            return {}

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        with self.lock:
            reasons = []
            for entry in TransactItems:
                if set(entry) != {"Put"}:
                    raise NotImplementedError(f"transaction entry {set(entry)}")
                put = entry["Put"]
                ok = self._check(put["TableName"], self._key(put["Item"]), put)
                reasons.append({"Code": "None" if ok else "ConditionalCheckFailed"})
            if any(r["Code"] != "None" for r in reasons):
                response: Any = {
                    "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
                    "CancellationReasons": reasons,
                }
                raise ClientError(response, "TransactWriteItems")
            for entry in TransactItems:
                put = entry["Put"]
                self.writes += 1
                self._table(put["TableName"])[self._key(put["Item"])] = copy.deepcopy(put["Item"])
            return {}
