"""Reliability rows C1-C16, F1, F3, E10 through the real Lambda handler (Mangum), with moto and a fake Stripe."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import boto3
import pytest
from billing_core.domain_events import ENTITLEMENTS_CHANGED
from billing_core.errors import DependencyUnavailable
from webhook.processor import EventInProgress

from tests.helpers import aws as h
from tests.helpers.apigw import LambdaContext
from tests.unit.webhook.webhook_harness import Harness, body_of, signature, stripe_event, subscription

SUB = "user-ada"
CUS = "cus_ada"


@pytest.fixture
def mapped(wh: Harness) -> Harness:
    h.put_mapping(SUB, CUS)
    return wh


def sub_event(status: str = "active", event_type: str = "customer.subscription.updated", **kw: Any) -> dict[str, Any]:
    return stripe_event(event_type, subscription(customer=CUS, status=status), **kw)


def ledger_status(harness: Harness, event_id: str) -> str | None:
    item = harness.ledger(event_id)
    return item["status"]["S"] if item else None


# ----------------------------------------------------------------------------------------------- signature
def test_c1_missing_signature_is_400_and_nothing_written(mapped: Harness) -> None:
    mapped.stripe.set(CUS, subscription(customer=CUS))
    response = mapped.deliver(sub_event(), sig=None)
    assert response["statusCode"] == 400
    assert response["json"]["error"]["code"] == "invalid_signature"
    assert mapped.ledger_items() == [] and mapped.record(SUB) is None and mapped.stripe.calls == 0


def test_c2_wrong_secret_is_400_after_one_forced_reread(mapped: Harness) -> None:
    body = body_of(sub_event())
    response = mapped.deliver(body=body, sig=signature(body, "whsec_someone_else"))
    assert response["statusCode"] == 400
    assert mapped.secret_reads == [False, True]  # one cached read, then exactly one forced re-read
    assert mapped.ledger_items() == []


def test_c3_body_altered_by_one_byte_or_reserialised_is_400(mapped: Harness) -> None:
    event = sub_event()
    body = body_of(event)
    header = signature(body)
    altered = body.replace(b'"active"', b'"activf"')
    assert mapped.deliver(body=altered, sig=header)["statusCode"] == 400
    reserialised = json.dumps(json.loads(body), indent=1).encode()
    assert mapped.deliver(body=reserialised, sig=header)["statusCode"] == 400
    assert mapped.deliver(body=body, sig=header)["statusCode"] == 200


def test_c4_base64_body_with_non_ascii_payload_is_processed_once(mapped: Harness) -> None:
    mapped.stripe.set(CUS, subscription(customer=CUS))
    obj = {"id": CUS, "object": "customer", "name": "Zoë Åkesson 東京", "metadata": {"user_sub": SUB}}
    event = stripe_event("customer.updated", obj)
    first = mapped.deliver(event, base64_body=True)
    second = mapped.deliver(event, base64_body=True)
    assert first["statusCode"] == 200 and first["json"]["outcome"] == "changed"
    assert second["statusCode"] == 200 and second["json"]["outcome"] == "duplicate"
    assert len(mapped.publisher.of_type(ENTITLEMENTS_CHANGED)) == 1


def test_c5_timestamp_older_than_tolerance_or_far_future_is_400(mapped: Harness) -> None:
    body = body_of(sub_event())
    old = mapped.deliver(
        body=body, sig=signature(body, timestamp=int(time.time()) - 301)
    )  # one second past the tolerance
    future = mapped.deliver(
        body=body, sig=signature(body, timestamp=int(time.time()) + 330)
    )  # margin for a slow test machine
    assert old["statusCode"] == 400 and future["statusCode"] == 400
    assert mapped.deliver(body=body, sig=signature(body, timestamp=int(time.time()) - 270))["statusCode"] == 200


@pytest.mark.parametrize("configured", ["whsec_old_one", "whsec_new_one", "whsec_new_one,whsec_old_one"])
def test_c6_two_v1_signatures_while_a_secret_rolls(mapped: Harness, configured: str) -> None:
    boto3.client("secretsmanager", region_name=h.REGION).put_secret_value(
        SecretId=h.STRIPE_WEBHOOK_SECRET_NAME, SecretString=configured
    )
    h.reset_core_caches()
    mapped.stripe.set(CUS, subscription(customer=CUS))
    body = body_of(sub_event())
    response = mapped.deliver(body=body, sig=signature(body, "whsec_old_one", "whsec_new_one"))
    assert response["statusCode"] == 200


# ----------------------------------------------------------------------------------------------- delivery
def test_c7_same_event_twice_in_sequence_changes_state_once(mapped: Harness) -> None:
    mapped.stripe.set(CUS, subscription(customer=CUS))
    event = sub_event()
    outcomes = [mapped.deliver(event)["json"]["outcome"] for _ in range(2)]
    assert outcomes == ["changed", "duplicate"]
    assert mapped.stripe.calls == 1
    assert len(mapped.publisher.of_type(ENTITLEMENTS_CHANGED)) == 1
    assert ledger_status(mapped, event["id"]) == "done"


def test_c8_same_event_concurrently_one_processor_wins(mapped: Harness) -> None:
    mapped.stripe.set(CUS, subscription(customer=CUS))
    mapped.stripe.delay_s = 0.3
    event = sub_event()
    body = body_of(event)
    results: list[Any] = []

    def run() -> None:
        try:
            results.append(mapped.processor.handle(body, signature(body)).outcome)
        except EventInProgress:
            results.append("in_progress")

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["changed", "in_progress", "in_progress", "in_progress"]
    assert mapped.stripe.calls == 1
    assert len(mapped.publisher.of_type(ENTITLEMENTS_CHANGED)) == 1
    # The loser's HTTP answer is a retryable 409, never a 200 that would stop Stripe's retries.
    assert mapped.deliver(event)["json"]["outcome"] == "duplicate"


def test_c8_in_progress_delivery_answers_409_with_retry_after(mapped: Harness) -> None:
    mapped.stripe.set(CUS, subscription(customer=CUS))
    event = sub_event()
    mapped.processor.ledger.claim(event["id"], event["type"])  # another invocation holds the lease
    response = mapped.deliver(event)
    assert response["statusCode"] == 409 and response["headers"]["retry-after"] == "30"
    assert mapped.record(SUB) is None


def test_c9_updated_active_before_created_incomplete_ends_active(mapped: Harness) -> None:
    mapped.stripe.set(CUS, subscription(customer=CUS, status="active"))
    updated = sub_event("active", "customer.subscription.updated", created=1000)
    created = sub_event("incomplete", "customer.subscription.created", created=900)
    assert mapped.deliver(updated)["statusCode"] == 200
    assert mapped.deliver(created)["statusCode"] == 200
    record = mapped.record(SUB)
    assert record is not None and record.status == "active" and record.entitled


def test_c10_same_created_second_different_states_final_equals_stripe(mapped: Harness) -> None:
    first = sub_event("past_due", created=5000)
    second = sub_event("active", created=5000)
    mapped.stripe.set(CUS, subscription(customer=CUS, status="past_due"))
    mapped.deliver(first)
    mapped.stripe.set(CUS, subscription(customer=CUS, status="canceled"))  # Stripe moved on again
    mapped.deliver(second)
    record = mapped.record(SUB)
    assert record is not None and record.status == "canceled" and not record.entitled


def test_c11_unhandled_event_type_is_200_ignored_and_logged(mapped: Harness, caplog: Any) -> None:
    response = mapped.deliver(stripe_event("charge.dispute.funds_withdrawn", {"id": "du_1", "object": "dispute"}))
    assert response["statusCode"] == 200 and response["json"]["outcome"] == "ignored"
    assert mapped.ledger_items() == [] and mapped.stripe.calls == 0
    assert "event type not handled" in caplog.text


def test_c12_event_for_unknown_customer_is_200_unmapped_and_invents_nothing(wh: Harness, capsys: Any) -> None:
    wh.stripe.set("cus_stranger", subscription(customer="cus_stranger"))
    event = stripe_event("customer.subscription.updated", subscription(customer="cus_stranger"))
    response = wh.deliver(event)
    assert response["statusCode"] == 200 and response["json"]["outcome"] == "unmapped"
    items = boto3.client("dynamodb", region_name=h.REGION).scan(TableName=h.TABLE_NAME)["Items"]
    assert [i["pk"]["S"] for i in items] == [f"EVENT#{event['id']}"]
    assert "WebhookUnmappedCustomer" in capsys.readouterr().out


def test_c13_livemode_mismatch_is_ignored_and_never_mutates(mapped: Harness) -> None:
    mapped.stripe.set(CUS, subscription(customer=CUS))
    response = mapped.deliver(sub_event(livemode=True))
    assert response["statusCode"] == 200 and response["json"]["outcome"] == "ignored_livemode"
    assert mapped.ledger_items() == [] and mapped.record(SUB) is None and mapped.stripe.calls == 0


def test_c14_dynamodb_throttled_after_the_marker_is_5xx_and_the_retry_processes_it(mapped: Harness) -> None:
    mapped.stripe.set(CUS, subscription(customer=CUS))
    event = sub_event()
    # Given: DynamoDB throttles the entitlement write (after the ledger marker was written).
    mapped.ddb.fail_if = lambda op, kw: op == "put_item" and kw["Item"]["sk"]["S"] == "ENTITLEMENTS"
    failed = mapped.deliver(event)
    mapped.ddb.fail_if = None
    assert failed["statusCode"] == 503
    assert ledger_status(mapped, event["id"]) == "failed"
    assert mapped.record(SUB) is None
    retried = mapped.deliver(event)
    assert retried["statusCode"] == 200 and retried["json"]["outcome"] == "changed"
    assert mapped.record(SUB) is not None and ledger_status(mapped, event["id"]) == "done"


def test_c14_failure_marking_done_leaves_the_event_retryable(mapped: Harness) -> None:
    mapped.stripe.set(CUS, subscription(customer=CUS))
    event = sub_event()
    # The entitlement write commits, then marking the event done fails.
    original = mapped.processor.ledger.complete

    def failing_complete(*args: Any, **kwargs: Any) -> None:
        raise DependencyUnavailable(operation="ledger.complete")

    mapped.processor.ledger.complete = failing_complete  # type: ignore[method-assign]
    assert mapped.deliver(event)["statusCode"] == 503
    mapped.processor.ledger.complete = original  # type: ignore[method-assign]
    retried = mapped.deliver(event)
    assert retried["statusCode"] == 200 and retried["json"]["outcome"] == "unchanged"
    assert ledger_status(mapped, event["id"]) == "done"


def test_c15_slow_dependency_near_the_timeout_is_5xx_before_it_and_writes_nothing(mapped: Harness) -> None:
    mapped.stripe.set(CUS, subscription(customer=CUS))
    mapped.stripe.delay_s = 1.2
    started = time.monotonic()
    response = mapped.deliver(sub_event(), context=LambdaContext(timeout_s=4.5))
    elapsed = time.monotonic() - started
    assert response["statusCode"] == 503
    assert elapsed < 4.5
    assert mapped.record(SUB) is None


def test_c16_a_5mb_body_is_400_fast(mapped: Harness) -> None:
    body = b'{"id": "evt_big", "pad": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    started = time.monotonic()
    response = mapped.deliver(body=body, sig=signature(b"{}"))
    assert response["statusCode"] == 400
    assert time.monotonic() - started < 2.0
    assert mapped.secret_reads == []  # refused before any secret was read or any byte hashed


def test_c16_non_json_body_with_a_plausible_header_is_400(mapped: Harness) -> None:
    forged = mapped.deliver(body=b"<xml>not json</xml>", sig=f"t={int(time.time())},v1={'ab' * 32}")
    assert forged["statusCode"] == 400
    signed = mapped.deliver(body=b"<xml>not json</xml>")  # correctly signed, still not an event
    assert signed["statusCode"] == 400 and signed["json"]["error"]["code"] == "invalid_payload"
    assert mapped.ledger_items() == []


def test_c16_signed_json_nested_100k_deep_is_400_not_500(mapped: Harness) -> None:
    # A correctly signed body Stripe would never send: answering 500 would make a sender retry it for days.
    depth = 100_000
    body = b'{"id": "evt_deep", "data": ' + b"[" * depth + b"]" * depth + b"}"
    response = mapped.deliver(body=body)
    assert response["statusCode"] == 400, response["body"]
    assert response["json"]["error"]["code"] == "invalid_payload"
    assert mapped.ledger_items() == []


# ----------------------------------------------------------------------------------------------- F and E rows
def test_f1_rotated_secret_while_cached_one_forced_reread_then_verify(mapped: Harness) -> None:
    mapped.stripe.set(CUS, subscription(customer=CUS))
    assert mapped.deliver(sub_event())["statusCode"] == 200  # caches the old secret
    boto3.client("secretsmanager", region_name=h.REGION).put_secret_value(
        SecretId=h.STRIPE_WEBHOOK_SECRET_NAME, SecretString="whsec_rotated_new"
    )
    body = body_of(sub_event())
    response = mapped.deliver(body=body, sig=signature(body, "whsec_rotated_new"))
    assert response["statusCode"] == 200
    assert mapped.secret_reads.count(True) == 1


@pytest.mark.parametrize("blank", [" ", " , ,"])
def test_f3_blank_webhook_secret_fails_closed_with_alarm_metric(mapped: Harness, blank: str, capsys: Any) -> None:
    boto3.client("secretsmanager", region_name=h.REGION).put_secret_value(
        SecretId=h.STRIPE_WEBHOOK_SECRET_NAME, SecretString=blank
    )
    h.reset_core_caches()
    body = body_of(sub_event())
    response = mapped.deliver(body=body, sig=signature(body, ""))
    assert response["statusCode"] == 500 and response["json"]["error"]["code"] == "configuration_error"
    assert "WebhookSecretMissing" in capsys.readouterr().out
    assert mapped.ledger_items() == []


def test_f3_missing_secret_name_fails_closed(mapped: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET_NAME", "")
    h.reset_core_caches()
    response = mapped.deliver(sub_event())
    assert response["statusCode"] == 500


def test_e10_unknown_subscription_status_is_denied_with_a_warning_metric(mapped: Harness, capsys: Any) -> None:
    mapped.stripe.set(CUS, subscription(customer=CUS, status="suspended_for_review"))
    assert mapped.deliver(sub_event("suspended_for_review"))["statusCode"] == 200
    record = mapped.record(SUB)
    assert record is not None and not record.entitled and record.features == []
    assert "UnknownSubscriptionStatus" in capsys.readouterr().out
