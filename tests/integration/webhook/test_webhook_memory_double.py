"""The in-memory DynamoDB double used by the property test behaves like moto for every call the webhook makes."""

from __future__ import annotations

from typing import Any

import boto3
from billing_core.entitlement_sync import link_customer
from billing_core.entitlements import EntitlementRecord, EntitlementStore
from billing_core.store.event_ledger import EventLedger

from tests.helpers import aws as h
from tests.integration.webhook.memory_dynamodb import MemoryDynamoDB


class Clock:
    now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def scenario(ddb: Any) -> list[Any]:
    clock = Clock()
    ledger = EventLedger(table_name=h.TABLE_NAME, dynamodb=ddb, clock=clock)
    store = EntitlementStore(table_name=h.TABLE_NAME, dynamodb=ddb)
    out: list[Any] = []
    first = ledger.claim("evt_1", "invoice.paid")
    out.append(first.status)
    out.append(ledger.claim("evt_1", "invoice.paid").status)  # live lease
    ledger.release("evt_1", first, [])
    second = ledger.claim("evt_1", "invoice.paid")  # failed -> reclaimable
    out += [second.status, second.attempts]
    ledger.complete("evt_1", first, "stale owner")  # lost lease: ignored
    ledger.complete("evt_1", second, "changed")
    out.append(ledger.claim("evt_1", "invoice.paid").status)
    stuck = ledger.claim("evt_2", "invoice.paid")
    clock.now += 31
    out.append(ledger.claim("evt_2", "invoice.paid").status)  # expired lease
    out.append(stuck.status)
    for version in (5, 3, 5, 9):
        out.append(store.put_if_newer("u", EntitlementRecord(status="active", version=version)))
    out.append(store.get("u").version)
    out += [link_customer("u", "cus_1", table=h.TABLE_NAME, dynamodb=ddb) for _ in range(2)]
    out.append(link_customer("u", "cus_2", table=h.TABLE_NAME, dynamodb=ddb))
    out.append(link_customer("v", "cus_1", table=h.TABLE_NAME, dynamodb=ddb))
    return out


def test_memory_double_matches_moto(aws_env: Any) -> None:
    expected = scenario(boto3.client("dynamodb", region_name=h.REGION))
    assert expected == [
        "claimed", "in_progress", "claimed", 2, "duplicate", "claimed", "claimed",
        True, False, False, True, 9, "linked", "exists", "conflict", "conflict",
    ]  # fmt: skip
    assert scenario(MemoryDynamoDB()) == expected
