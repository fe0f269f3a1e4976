"""The store base: DynamoDB failures are translated once, into the core's errors."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from billing_core.errors import DependencyUnavailable
from billing_core.store.base import ConditionFailed, TableStore
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber

from tests.helpers import aws as h


class Items(TableStore):
    """A store as the core's stores are written: primitives only."""

    def read(self) -> dict[str, Any] | None:
        return self._get("PK#1", "SK", "test.get")

    def write_once(self) -> None:
        self._put({"pk": {"S": "PK#1"}, "sk": {"S": "SK"}}, "test.put", condition="attribute_not_exists(pk)")

    def undo(self) -> str | None:
        mine = self._keyed("PK#1", "SK", "attribute_exists(pk)")
        return self._attempt(lambda c: c.delete_item(**mine))


def stubbed() -> tuple[Items, Stubber]:
    client = boto3.client("dynamodb", region_name=h.REGION)
    return Items(table_name="t", dynamodb=client), Stubber(client)


def test_a_failed_condition_is_condition_failed_with_the_stored_item(aws_env) -> None:
    store, stub = stubbed()
    stub.add_client_error(
        "put_item",
        "ConditionalCheckFailedException",
        http_status_code=400,
        response_meta={},
        modeled_fields={"Item": {"pk": {"S": "PK#1"}}},
    )
    with stub, pytest.raises(ConditionFailed) as failed:
        store.write_once()
    assert failed.value.item == {"pk": {"S": "PK#1"}}


@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException", "AccessDeniedException"])
def test_any_other_dynamodb_error_is_a_retryable_503_without_aws_details(aws_env, code: str) -> None:
    store, stub = stubbed()
    stub.add_client_error("get_item", code, "arn:aws:dynamodb:secret-detail", http_status_code=400)
    with stub, pytest.raises(DependencyUnavailable) as err:
        store.read()
    assert err.value.status == 503 and err.value.headers() == {"Retry-After": "2"}
    assert err.value.log_context == {"operation": "test.get", "aws_error": code}
    assert "arn:" not in err.value.message


def test_a_connection_failure_is_a_503_too(aws_env, monkeypatch: pytest.MonkeyPatch) -> None:
    store, _ = stubbed()

    def down(**_: Any) -> Any:
        raise EndpointConnectionError(endpoint_url="https://dynamodb.example")

    monkeypatch.setattr(store.dynamodb, "get_item", down)
    with pytest.raises(DependencyUnavailable) as err:
        store.read()
    assert err.value.log_context["aws_error"] == "EndpointConnectionError"


def test_a_best_effort_step_never_raises_and_names_the_failure(aws_env) -> None:
    store, stub = stubbed()
    stub.add_client_error("delete_item", "ConditionalCheckFailedException", http_status_code=400)
    stub.add_client_error("delete_item", "InternalServerError", http_status_code=500)
    stub.add_response("delete_item", {})
    with stub:
        assert store.undo() == "ConditionalCheckFailedException"
        assert store.undo() == "InternalServerError"
        assert store.undo() is None


def test_the_client_and_table_come_from_the_core_when_not_injected(aws_env) -> None:
    store = Items()
    assert store.table == h.TABLE_NAME
    assert store.read() is None  # the moto table of the test environment
