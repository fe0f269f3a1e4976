"""A webhook harness on moto (the billing table) with a fake Stripe state and a recording publisher."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from billing_core.directory import CustomerDirectory
from billing_core.entitlement_sync import EntitlementSync
from billing_core.entitlements import EntitlementStore
from billing_core.store.event_ledger import EventLedger
from billing_core.stripe_secrets import read_secret
from webhook import app as webhook_app
from webhook.processor import WebhookProcessor
from webhook.secrets import WebhookSecrets

from tests.helpers import aws as h
from tests.unit.webhook.webhook_harness import FakeStripe, FaultyDynamoDB, Harness, RecordingPublisher


@pytest.fixture
def wh(aws_env: Any) -> Iterator[Harness]:
    fake = FakeStripe()
    publisher = RecordingPublisher()
    ddb = FaultyDynamoDB(boto3.client("dynamodb", region_name=h.REGION))
    reads: list[bool] = []

    def reader(name: str, force: bool = False) -> str:
        reads.append(force)
        return read_secret(name, force=force)

    processor = WebhookProcessor(
        secrets=WebhookSecrets(reader=reader),
        ledger=EventLedger(dynamodb=ddb),
        sync=EntitlementSync(reader=fake, store=EntitlementStore(dynamodb=ddb)),
        directory=CustomerDirectory(dynamodb=ddb),
        publisher=publisher,
    )
    webhook_app.app.dependency_overrides[webhook_app.get_processor] = lambda: processor
    try:
        yield Harness(fake, publisher, ddb, processor, reads)
    finally:
        webhook_app.app.dependency_overrides.clear()
