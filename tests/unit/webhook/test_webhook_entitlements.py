"""Entitlement records, linking, domain events, reconcile, the read API and the pre-token trigger (with D7)."""

from __future__ import annotations

import threading
import time
from typing import Any

import boto3
import pytest
from billing_core.catalog.model import get_catalog
from billing_core.directory import CustomerDirectory
from billing_core.domain_events import (
    ENTITLEMENTS_CHANGED,
    PAYMENT_FAILED,
    SUBSCRIPTION_CANCELED,
    DomainEvent,
    EventBridgePublisher,
)
from billing_core.entitlement_sync import CUSTOMER_DELETED, BillingState, EntitlementSync, derive_record
from billing_core.entitlements import EntitlementRecord, EntitlementStore
from billing_core.entitlements_api import effective, get_entitlements, has_feature
from billing_core.errors import DependencyUnavailable
from billing_core.reconcile import Reconciler
from pre_token import app as pre_token

from admin.reconcile import main
from tests.helpers import aws as h
from tests.helpers.dynamodb_double import DynamoDBDouble
from tests.unit.webhook.webhook_harness import FakeStripe, Harness, RecordingPublisher, stripe_event, subscription

SUB = "user-bob"
ACCT = f"p_{SUB}"
CUS = "cus_bob"
DAY = 86400


def ddb() -> Any:
    return boto3.client("dynamodb", region_name=h.REGION)


# ------------------------------------------------------------------------------------------- derivation
def test_record_carries_plan_features_limits_period_and_cancellation() -> None:
    sub = subscription(customer=CUS, lookup_key="business_seat_monthly", quantity=7, cancel_at_period_end=True)
    record = derive_record(
        BillingState(CUS, subscriptions=(sub,)), get_catalog(), 1_800_000_000, grace_period_days=7, version=3
    )
    assert (record.plan, record.status, record.entitled) == ("business", "active", True)
    assert "sso" in record.features and record.limits["seats"] == 7
    assert record.period_end == 1_900_000_000 and record.cancel_at_period_end and record.version == 3


def test_past_due_is_entitled_within_grace_from_the_oldest_open_invoice() -> None:
    now = 1_800_000_000
    state = BillingState(
        CUS,
        subscriptions=(subscription(customer=CUS, status="past_due"),),
        open_invoices=({"id": "in_2", "created": now - 2 * DAY}, {"id": "in_1", "created": now - 3 * DAY}),
    )
    record = derive_record(state, get_catalog(), now, grace_period_days=7, version=1)
    assert record.entitled and record.past_due_since == now - 3 * DAY and record.grace_until == now + 4 * DAY
    late = derive_record(state, get_catalog(), now + 5 * DAY, grace_period_days=7, version=1)
    assert not late.entitled and late.features == []


@pytest.mark.parametrize("status", ["unpaid", "canceled", "incomplete", "incomplete_expired", "paused", "weird_new"])
def test_every_other_status_is_denied(status: str) -> None:
    state = BillingState(CUS, subscriptions=(subscription(customer=CUS, status=status),))
    assert not derive_record(state, get_catalog(), 1, grace_period_days=7, version=1).entitled


def test_live_subscription_wins_over_a_newer_canceled_one_and_deleted_customer_revokes() -> None:
    old_live = subscription("sub_a", CUS, "active", "starter_monthly", created=100)
    new_dead = subscription("sub_b", CUS, "canceled", "pro_monthly", created=200)
    record = derive_record(
        BillingState(CUS, subscriptions=(new_dead, old_live)), get_catalog(), 1, grace_period_days=7, version=1
    )
    assert record.plan == "starter" and record.entitled
    gone = derive_record(BillingState(CUS, deleted=True), get_catalog(), 1, grace_period_days=7, version=1)
    assert gone.status == CUSTOMER_DELETED and not gone.entitled


# ------------------------------------------------------------------------------------------- events handled
def test_customer_created_links_the_mapping_through_metadata_user_sub(wh: Harness) -> None:
    wh.stripe.set(CUS, subscription(customer=CUS))
    event = stripe_event("customer.created", {"id": CUS, "object": "customer", "metadata": {"user_sub": SUB}})
    assert wh.deliver(event)["json"]["outcome"] == "changed"
    assert CustomerDirectory(dynamodb=ddb()).lookup_account(CUS) == ACCT
    assert CustomerDirectory(dynamodb=ddb()).lookup(ACCT).customer_id == CUS


def test_customer_created_never_overwrites_an_existing_mapping(wh: Harness) -> None:
    h.put_mapping(SUB, "cus_original")
    event = stripe_event("customer.created", {"id": CUS, "object": "customer", "metadata": {"user_sub": SUB}})
    assert wh.deliver(event)["json"]["outcome"] == "unmapped"
    assert CustomerDirectory(dynamodb=ddb()).lookup(ACCT).customer_id == "cus_original"


def test_checkout_session_completed_links_through_client_reference_id(wh: Harness) -> None:
    wh.stripe.set(CUS, subscription(customer=CUS))
    session = {"id": "cs_1", "object": "checkout.session", "customer": CUS, "client_reference_id": SUB}
    assert wh.deliver(stripe_event("checkout.session.completed", session))["json"]["outcome"] == "changed"
    assert wh.record(SUB).plan == "pro"


def test_customer_deleted_revokes_entitlements_and_keeps_the_mapping(wh: Harness) -> None:
    h.put_mapping(SUB, CUS)
    wh.stripe.set(CUS, subscription(customer=CUS))
    wh.deliver(stripe_event("customer.subscription.created", subscription(customer=CUS)))
    wh.stripe.deleted.add(CUS)
    wh.deliver(stripe_event("customer.deleted", {"id": CUS, "object": "customer", "deleted": True}))
    record = wh.record(SUB)
    assert record is not None and record.status == CUSTOMER_DELETED and not record.entitled
    assert CustomerDirectory(dynamodb=ddb()).lookup_account(CUS) == ACCT


def test_payment_failed_and_canceled_publish_domain_events(wh: Harness) -> None:
    h.put_mapping(SUB, CUS)
    wh.stripe.set(CUS, subscription(customer=CUS, status="past_due"))
    invoice = {
        "id": "in_1",
        "object": "invoice",
        "customer": CUS,
        "amount_due": 2900,
        "currency": "usd",
        "attempt_count": 1,
        "parent": {"subscription_details": {"subscription": "sub_1"}},
    }
    wh.deliver(stripe_event("invoice.payment_failed", invoice))
    wh.stripe.set(CUS, subscription(customer=CUS, status="canceled"))
    wh.deliver(stripe_event("customer.subscription.deleted", subscription(customer=CUS, status="canceled")))
    failed = wh.publisher.of_type(PAYMENT_FAILED)
    assert len(failed) == 1 and failed[0].detail["subscription_id"] == "sub_1" and failed[0].sub == SUB
    assert len(wh.publisher.of_type(SUBSCRIPTION_CANCELED)) == 1
    changes = wh.publisher.of_type(ENTITLEMENTS_CHANGED)
    assert [c.detail["after"]["status"] for c in changes] == ["past_due", "canceled"]


def test_a_failed_publish_is_retried_with_the_event_even_though_state_no_longer_changes(wh: Harness) -> None:
    h.put_mapping(SUB, CUS)
    wh.stripe.set(CUS, subscription(customer=CUS))
    wh.publisher.fail_next = 1
    event = stripe_event("customer.subscription.created", subscription(customer=CUS))
    assert wh.deliver(event)["statusCode"] == 503
    assert wh.deliver(event)["json"]["outcome"] == "unchanged"
    assert len(wh.publisher.of_type(ENTITLEMENTS_CHANGED)) == 1


def test_payment_method_events_are_acknowledged_without_stripe_calls(wh: Harness) -> None:
    h.put_mapping(SUB, CUS)
    pm = {"id": "pm_1", "object": "payment_method", "customer": CUS}
    assert wh.deliver(stripe_event("payment_method.attached", pm))["json"]["outcome"] == "acknowledged"
    assert wh.stripe.calls == 0


def test_eventbridge_adapter_puts_normalized_events(aws_env: Any) -> None:
    events = boto3.client("events", region_name=h.REGION)
    events.create_event_bus(Name="billing-test-bus")
    publisher = EventBridgePublisher("billing-test-bus", client=events)
    publisher.publish([DomainEvent(PAYMENT_FAILED, SUB, CUS, {"invoice_id": "in_1"}) for _ in range(12)])

    class Failing:
        def put_events(self, Entries: Any) -> dict[str, Any]:  # noqa: N803 - boto3 signature
            return {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "InternalFailure"}]}

    with pytest.raises(DependencyUnavailable):
        EventBridgePublisher("bus", client=Failing()).publish([DomainEvent(PAYMENT_FAILED, SUB, CUS)])


# ------------------------------------------------------------------------------------------- D7
def test_d7_request_and_webhook_writing_at_once_end_at_stripes_latest(aws_env: Any) -> None:
    """A request-path sync reads the old state slowly; a webhook sync reads the new state and writes first."""
    fake = FakeStripe()
    fake.set(CUS, subscription(customer=CUS, status="active", lookup_key="starter_monthly"))
    store = EntitlementStore(dynamodb=ddb())
    request_read = threading.Event()
    webhook_done = threading.Event()

    def on_read(_: str) -> None:
        if threading.current_thread().name == "request":
            request_read.set()
            webhook_done.wait(5)  # the request's write happens after the webhook's

    fake.on_read = on_read
    sync = EntitlementSync(reader=fake, store=store)

    def request_path() -> None:
        sync.sync(SUB, CUS, reason="plan_change")

    request = threading.Thread(target=request_path, name="request")
    request.start()
    request_read.wait(5)
    fake.set(CUS, subscription(customer=CUS, status="active", lookup_key="pro_monthly"))  # Stripe moves on
    time.sleep(0.002)
    sync.sync(SUB, CUS, reason="customer.subscription.updated")
    webhook_done.set()
    request.join(5)
    record = store.get(SUB)
    assert record is not None and record.plan == "pro"


# ------------------------------------------------------------------------------------------- reconcile
def test_reconcile_repairs_drift_and_reports_it(aws_env: Any, capsys: Any) -> None:
    fake = FakeStripe()
    publisher = RecordingPublisher()
    for n in range(3):
        h.put_mapping(f"user-{n}", f"cus_{n}")
        fake.set(f"cus_{n}", subscription(customer=f"cus_{n}"))
    sync = EntitlementSync(reader=fake, store=EntitlementStore(dynamodb=ddb()))
    reconciler = Reconciler(
        sync=sync,
        directory=CustomerDirectory(dynamodb=ddb()),
        publisher=publisher,
        dynamodb=ddb(),
        table_name=h.TABLE_NAME,
    )
    first = reconciler.reconcile_all()
    assert (first.checked, first.changed, first.errors) == (3, 3, 0)
    fake.set("cus_1", subscription(customer="cus_1", status="unpaid"))  # a missed webhook
    second = reconciler.reconcile_all()
    assert (second.checked, second.changed) == (3, 1)
    assert [e.account_id for e in second.entries if e.changed] == ["p_user-1"]
    assert EntitlementStore(dynamodb=ddb()).get("p_user-1").status == "unpaid"
    assert len(publisher.of_type(ENTITLEMENTS_CHANGED)) == 4
    # The command: one user, dry run, JSON report; unmapped users exit non-zero.
    fake.set("cus_2", subscription(customer="cus_2", status="canceled"))
    assert main(["--user", "user-2", "--dry-run"], reconciler) == 0
    assert '"changed": 1' in capsys.readouterr().out
    assert EntitlementStore(dynamodb=ddb()).get("p_user-2").status == "active"
    assert main(["--user", "nobody"], reconciler) == 1


# ------------------------------------------------------------------------------------------- reading
def test_get_entitlements_re_evaluates_grace_at_read_time(aws_env: Any) -> None:
    store = EntitlementStore(dynamodb=ddb())
    record = EntitlementRecord(
        plan="pro",
        status="past_due",
        entitled=True,
        features=["api_access"],
        grace_until=int(time.time()) + 60,
        version=1,
    )
    store.put_if_newer(ACCT, record)
    assert get_entitlements(SUB, store=store).entitled and has_feature(SUB, "api_access", store=store)
    expired = get_entitlements(SUB, store=store, now=time.time() + 120)
    assert not expired.entitled and expired.features == []
    assert not get_entitlements("nobody", store=store).entitled
    assert not effective(EntitlementRecord(status="mystery", entitled=True)).entitled


def test_pre_token_trigger_adds_plan_flags_and_customer_id(aws_env: Any) -> None:
    h.put_mapping(SUB, CUS)
    store = EntitlementStore(dynamodb=ddb())
    store.put_if_newer(
        ACCT,
        EntitlementRecord(
            plan="pro", status="active", entitled=True, features=["api_access", "custom_domain"], version=1
        ),
    )
    event = {
        "version": "2",
        "triggerSource": "TokenGeneration_Authentication",
        "request": {"userAttributes": {"sub": SUB}},
        "response": {"claimsAndScopeOverrideDetails": None},
    }
    out = pre_token.handler(event, None, CustomerDirectory(dynamodb=ddb()), store)
    claims = out["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]["claimsToAddOrOverride"]
    assert claims == {
        "billing_account": ACCT,
        "billing_plan": "pro",
        "billing_entitled": "true",
        "billing_features": "api_access,custom_domain",
        "stripe_customer_id": CUS,
    }


def test_pre_token_trigger_never_blocks_sign_in_when_dynamodb_is_down(aws_env: Any) -> None:
    class Down(DynamoDBDouble):
        def __init__(self) -> None:
            pass

        def get_item(self, **_: Any) -> Any:
            from botocore.exceptions import EndpointConnectionError

            raise EndpointConnectionError(endpoint_url="http://dynamodb")

    event = {"version": "2", "request": {"userAttributes": {"sub": SUB}}, "response": {}}
    out = pre_token.handler(event, None, CustomerDirectory(dynamodb=Down()), EntitlementStore(dynamodb=Down()))
    assert "claimsAndScopeOverrideDetails" not in out["response"]
