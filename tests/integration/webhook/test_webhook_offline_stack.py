"""A change made in Stripe reaches the entitlement record through the offline stack.

The offline stack (local API gateway reading template.yaml, moto server, Stripe emulator delivering signed
webhooks to POST /webhooks/stripe) runs in its own processes; the test changes a seeded subscription the way the
hosted portal does (an API update on the emulator) and polls DynamoDB for the record.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import stripe

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("offline_stack")]


@pytest.fixture(scope="module")
def offline_stack() -> Iterator[dict[str, Any]]:
    from local.stack.run import running_stack

    with running_stack(timeout=240) as stack:
        yield stack.info


def _record(ddb: Any, table: str, account: str) -> dict[str, Any] | None:
    item = ddb.get_item(TableName=table, Key={"pk": {"S": account}, "sk": {"S": "ENTITLEMENTS"}}).get("Item")
    return json.loads(item["record"]["S"]) if item else None


@pytest.mark.timeout(300)
def test_a_stripe_side_change_reaches_the_entitlement_record_within_seconds(offline_stack: dict[str, Any]) -> None:
    info = offline_stack
    ddb = boto3.client(
        "dynamodb",
        endpoint_url=info["aws_endpoint_url"],
        region_name=info["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    table = info.get("table_name") or next(t for t in ddb.list_tables()["TableNames"] if "idempot" not in t)
    mappings = ddb.scan(
        TableName=table, FilterExpression="sk = :s", ExpressionAttributeValues={":s": {"S": "CUSTOMER"}}
    )
    client = stripe.StripeClient(info["stripe_secret_key"], base_addresses={"api": info["stripe_api_base"]})
    for item in mappings["Items"]:
        account, customer = item["pk"]["S"], item["customer_id"]["S"]
        subs = client.v1.subscriptions.list({"customer": customer, "status": "active"}).data
        if subs and not subs[0].cancel_at_period_end:
            break
    else:
        pytest.fail("no seeded user with an active subscription")
    # When: the customer cancels at period end in the hosted portal (the portal performs this update).
    client.v1.subscriptions.update(subs[0].id, {"cancel_at_period_end": True})
    # Then: the webhook stores it within seconds.
    deadline = time.monotonic() + 30  # generous: the stack shares the machine with the rest of the suite
    record = _record(ddb, table, account)
    while not (record and record["cancel_at_period_end"]) and time.monotonic() < deadline:
        time.sleep(0.2)
        record = _record(ddb, table, account)
    assert record is not None and record["cancel_at_period_end"] is True and record["entitled"] is True
