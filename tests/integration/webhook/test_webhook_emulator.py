"""The webhook against the Stripe emulator: the real Stripe adapter, signed events from the emulator's log, moto."""

from __future__ import annotations

import json
import random
from typing import Any, cast

import pytest
import stripe
from billing_core.directory import CustomerDirectory
from billing_core.entitlements import EntitlementStore
from billing_core.stripe_client import STRIPE_API_VERSION
from webhook import app as webhook_app

from tests.helpers.apigw import http_event, invoke
from tests.integration.webhook.conftest import Stack
from tests.integration.webhook.lifecycles import DAY, T0, Lifecycle, emulator_events
from tests.unit.webhook.webhook_harness import signature


@pytest.fixture
def through_handler(stack: Stack) -> Any:
    webhook_app.app.dependency_overrides[webhook_app.get_processor] = lambda: stack.processor
    yield stack
    webhook_app.app.dependency_overrides.clear()


def deliver_new(stack: Stack, seen: set[str]) -> list[dict[str, Any]]:
    """POST every event not delivered yet through the Lambda handler, as Stripe would (signed raw bytes)."""
    responses = []
    for event in emulator_events(stack.emulator.backend):
        if event["id"] in seen:
            continue
        seen.add(event["id"])
        body = json.dumps(event).encode()
        request = http_event(
            "POST", "/webhooks/stripe", claims=None, raw_body=body, headers={"stripe-signature": signature(body)}
        )
        response = invoke(webhook_app.handler, request)
        assert response["statusCode"] == 200, (event["type"], response["json"])
        responses.append(response["json"])
    return responses


def test_f4_event_api_version_equals_the_sdk_pin(stripe_client: stripe.StripeClient, stripe_emulator: Any) -> None:
    """Fails loudly when stripe-python's pin, the gateway and the events' version drift apart."""
    assert STRIPE_API_VERSION == stripe.api_version
    endpoint = stripe_client.v1.webhook_endpoints.create(
        {
            "url": "https://example.test/webhooks/stripe",
            "enabled_events": ["*"],
            "api_version": cast(Any, stripe.api_version),
        }
    )
    assert endpoint.api_version == stripe.api_version
    stripe_client.v1.customers.create({"metadata": {"user_sub": "user-f4"}})
    events = stripe_client.v1.events.list({"limit": 10}).data
    assert events, "the emulator recorded no event"
    assert {e.api_version for e in events} == {stripe.api_version}


def test_subscription_lifecycle_reaches_the_entitlement_record(through_handler: Stack) -> None:
    stack = through_handler
    seen: set[str] = set()
    life = Lifecycle(stack.client, stack.prices, "user-life", random.Random(1))
    stack.client.v1.subscriptions.create(
        {"customer": life.customer.id, "items": [{"price": stack.prices["pro_monthly"]}]}
    )
    deliver_new(stack, seen)
    store = EntitlementStore(dynamodb=stack.ddb)
    record = store.get("p_user-life")
    assert CustomerDirectory(dynamodb=stack.ddb).lookup_account(life.customer.id) == "p_user-life"
    assert record is not None and (record.plan, record.status, record.entitled) == ("pro", "active", True)
    assert "api_access" in record.features and record.period_end == T0 + 31 * DAY

    life.subscription = stack.client.v1.subscriptions.list({"customer": life.customer.id}).data[0]
    life.step("cancel")
    deliver_new(stack, seen)
    assert store.get("p_user-life").cancel_at_period_end

    life.step("resume")
    life.step("payment_failure")
    deliver_new(stack, seen)
    record = store.get("p_user-life")
    assert record is not None and record.status == "past_due" and record.past_due_since is not None
    assert record.grace_until == record.past_due_since + 7 * DAY

    life.step("recovery")
    outcomes = deliver_new(stack, seen)
    assert store.get("p_user-life").status == "active"
    assert any(o["outcome"] == "changed" for o in outcomes)

    life.step("cancel_now")
    deliver_new(stack, seen)
    record = store.get("p_user-life")
    assert record is not None and record.status == "canceled" and not record.entitled
    kinds = [e.detail_type for e in stack.publisher.events]
    assert "billing.payment.failed" in kinds and "billing.subscription.canceled" in kinds


def test_customer_deleted_in_stripe_revokes(through_handler: Stack) -> None:
    stack = through_handler
    seen: set[str] = set()
    life = Lifecycle(stack.client, stack.prices, "user-gone", random.Random(2))
    life.subscribe()
    deliver_new(stack, seen)
    stack.client.v1.customers.delete(life.customer.id)
    deliver_new(stack, seen)
    record = EntitlementStore(dynamodb=stack.ddb).get("p_user-gone")
    assert record is not None and not record.entitled and record.status == "customer_deleted"
