"""The offline stack's moto serves one request at a time, so a failed transaction never erases another's write.

moto rolls a failed ``TransactWriteItems`` back by restoring a copy of the table taken when it started; served
concurrently, that restore dropped writes other requests made meanwhile (local/stack/moto_server.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.stack.aws import MotoServer, client, free_port

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def ddb(tmp_path: Any) -> Iterator[Any]:
    server = MotoServer(free_port(), log_path=tmp_path / "moto.log").start()
    try:
        dynamodb = client("dynamodb", server.endpoint)
        dynamodb.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield dynamodb
    finally:
        server.stop()


def test_failed_transactions_never_erase_concurrent_writes(ddb: Any) -> None:
    ddb.put_item(TableName="t", Item={"pk": {"S": "taken"}})
    for n in range(200):  # padding: a bigger table makes moto's rollback copy slower, as in the stack
        ddb.put_item(TableName="t", Item={"pk": {"S": f"pad-{n}"}, "v": {"S": "x" * 200}})

    def failing_transaction(_: int) -> None:
        with pytest.raises(ClientError):
            ddb.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": "t",
                            "Item": {"pk": {"S": "taken"}},
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    }
                ]
            )

    def write(n: int) -> None:
        ddb.put_item(TableName="t", Item={"pk": {"S": f"w-{n}"}})

    with ThreadPoolExecutor(max_workers=8) as pool:
        jobs = [pool.submit(failing_transaction, n) for n in range(40)] + [pool.submit(write, n) for n in range(40)]
        for job in jobs:
            job.result()
    missing = [n for n in range(40) if "Item" not in ddb.get_item(TableName="t", Key={"pk": {"S": f"w-{n}"}})]
    assert missing == []
