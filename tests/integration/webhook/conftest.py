"""Webhook integration fixtures: the real Stripe adapter on the emulator, moto DynamoDB with injectable faults."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
import stripe
from billing_core.directory import CustomerDirectory
from billing_core.entitlement_sync import EntitlementSync, StripeBillingStateReader
from billing_core.entitlements import EntitlementStore
from billing_core.store.event_ledger import EventLedger
from billing_core.stripe_client import build_stripe_client
from billing_core.stripe_gateway import StripeGateway
from webhook.processor import WebhookProcessor
from webhook.secrets import WebhookSecrets

from tests.helpers import aws as h
from tests.integration.webhook.lifecycles import create_catalog_prices
from tests.integration.webhook.memory_dynamodb import MemoryDynamoDB
from tests.unit.webhook.webhook_harness import SECRET, FaultyDynamoDB, RecordingPublisher


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Stack:
    client: stripe.StripeClient
    emulator: Any
    prices: dict[str, str]
    ddb: FaultyDynamoDB
    publisher: RecordingPublisher
    processor: WebhookProcessor
    sync: EntitlementSync
    ledger_clock: FakeClock


def build_stack(stripe_emulator: Any, dynamodb: Any, *, offline: bool = False) -> Stack:
    """``offline``: no AWS at all (secret and Stripe client handed in), so moto's HTTP interception is not in
    the path of the 25,000 emulator calls of the property test."""
    import time

    client = stripe.StripeClient(stripe_emulator.secret_key, base_addresses={"api": stripe_emulator.api_base})
    prices = create_catalog_prices(client)
    ddb = FaultyDynamoDB(dynamodb)
    publisher = RecordingPublisher()
    gateway = (
        StripeGateway(client=build_stripe_client(stripe_emulator.secret_key, stripe_emulator.api_base))
        if offline
        else StripeGateway()
    )
    table = h.TABLE_NAME
    sync = EntitlementSync(
        reader=StripeBillingStateReader(gateway),
        store=EntitlementStore(table_name=table, dynamodb=ddb),
        grace_period_days=7,
    )
    ledger_clock = FakeClock(time.time())
    processor = WebhookProcessor(
        secrets=WebhookSecrets(h.STRIPE_WEBHOOK_SECRET_NAME, reader=lambda name, force=False: SECRET)
        if offline
        else WebhookSecrets(),
        ledger=EventLedger(table_name=table, dynamodb=ddb, clock=ledger_clock),
        sync=sync,
        directory=CustomerDirectory(table_name=table, dynamodb=ddb),
        publisher=publisher,
        livemode=False,
    )
    return Stack(client, stripe_emulator, prices, ddb, publisher, processor, sync, ledger_clock)


@pytest.fixture
def stack(stripe_env: Any, stripe_emulator: Any) -> Iterator[Stack]:
    """moto DynamoDB (the billing table) behind the fault injector."""
    yield build_stack(stripe_emulator, boto3.client("dynamodb", region_name=h.REGION))


@pytest.fixture
def memory_stack(stripe_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """The in-memory DynamoDB double behind the fault injector, no moto (fast enough for 25,000 deliveries)."""
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET_NAME", h.STRIPE_WEBHOOK_SECRET_NAME)
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    yield build_stack(stripe_emulator, MemoryDynamoDB(), offline=True)
