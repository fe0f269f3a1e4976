"""Fakes and builders for webhook tests: an in-memory Stripe state, signed deliveries, a faulty DynamoDB client."""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from billing_core.domain_events import DomainEvent
from billing_core.entitlement_sync import BillingState
from billing_core.entitlements import EntitlementRecord, EntitlementStore
from billing_core.identity import personal_account_id
from billing_core.store.keys import event_pk
from botocore.exceptions import ClientError
from webhook.processor import WebhookProcessor
from webhook.signature import compute_signature

from tests.helpers import aws as h
from tests.helpers.apigw import LambdaContext, http_event, invoke
from tests.helpers.dynamodb_double import DynamoDBDouble

SECRET = "whsec_aws_env_placeholder"


def subscription(
    sub_id: str = "sub_1",
    customer: str = "cus_1",
    status: str = "active",
    lookup_key: str = "pro_monthly",
    created: int = 1_700_000_000,
    period_end: int = 1_900_000_000,
    cancel_at_period_end: bool = False,
    quantity: int = 1,
) -> dict[str, Any]:
    return {
        "id": sub_id,
        "object": "subscription",
        "customer": customer,
        "status": status,
        "created": created,
        "cancel_at_period_end": cancel_at_period_end,
        "cancel_at": None,
        "items": {
            "object": "list",
            "data": [
                {
                    "id": f"si_{sub_id}",
                    "object": "subscription_item",
                    "price": {"id": f"price_{lookup_key}", "object": "price", "lookup_key": lookup_key},
                    "quantity": quantity,
                    "current_period_start": period_end - 30 * 86400,
                    "current_period_end": period_end,
                }
            ],
        },
    }


@dataclass
class FakeStripe:
    """``BillingStateReader`` over plain dicts: customer id -> subscriptions / open invoices / deleted."""

    subscriptions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    open_invoices: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    delay_s: float = 0.0
    calls: int = 0
    on_read: Callable[[str], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def set(self, customer_id: str, *subs: dict[str, Any]) -> None:
        with self.lock:
            self.subscriptions[customer_id] = [copy.deepcopy(s) for s in subs]

    def read(self, customer_id: str, *, check_customer: bool) -> BillingState:
        with self.lock:
            self.calls += 1
            deleted = customer_id in self.deleted
            subs = copy.deepcopy(self.subscriptions.get(customer_id, []))
            invoices = copy.deepcopy(self.open_invoices.get(customer_id, []))
        if self.on_read is not None:
            self.on_read(customer_id)
        if self.delay_s:
            time.sleep(self.delay_s)
        if deleted:
            return BillingState(customer_id=customer_id, deleted=True)
        return BillingState(customer_id=customer_id, subscriptions=tuple(subs), open_invoices=tuple(invoices))


@dataclass
class RecordingPublisher:
    events: list[DomainEvent] = field(default_factory=list)
    fail_next: int = 0

    def publish(self, events: Any) -> None:
        from billing_core.errors import DependencyUnavailable

        if self.fail_next:
            self.fail_next -= 1
            raise DependencyUnavailable(operation="events.put_events")
        self.events.extend(events)

    def of_type(self, detail_type: str) -> list[DomainEvent]:
        return [e for e in self.events if e.detail_type == detail_type]


_counter = iter(range(1, 10**9))


def stripe_event(
    event_type: str,
    obj: dict[str, Any],
    *,
    event_id: str | None = None,
    created: int | None = None,
    livemode: bool = False,
    api_version: str = "2026-10-28.endive",
) -> dict[str, Any]:
    return {
        "id": event_id or f"evt_test_{next(_counter)}",
        "object": "event",
        "api_version": api_version,
        "created": created or int(time.time()),
        "data": {"object": obj},
        "livemode": livemode,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def body_of(event: dict[str, Any]) -> bytes:
    return json.dumps(event, ensure_ascii=False).encode()


def signature(body: bytes, *secrets: str, timestamp: int | None = None) -> str:
    ts = int(time.time()) if timestamp is None else timestamp
    parts = [f"t={ts}"] + [f"v1={compute_signature(body, s, ts)}" for s in (secrets or (SECRET,))]
    return ",".join(parts)


class FaultyDynamoDB(DynamoDBDouble):
    """Wraps a boto3 DynamoDB client: injects throttling errors (which moto cannot produce) and makes each call
    atomic across threads, as DynamoDB's conditional writes are."""

    def __init__(self, client: Any, rate: float = 0.0, seed: int = 0) -> None:
        import random

        self._client = client
        self.rate = rate
        self._rng = random.Random(seed)
        self.fail: dict[str, int] = {}
        """operation name -> number of next calls to fail"""
        self.fail_if: Callable[[str, dict[str, Any]], bool] | None = None
        """fail every call for which this returns True (e.g. only the entitlement write)"""
        self.calls: dict[str, int] = {}
        self.injected = 0
        self._lock = threading.Lock()
        # moto's in-process backend does not make a conditional write atomic across threads; DynamoDB does.
        self._atomic = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._client, name)
        if not callable(target) or name.startswith("_") or name in {"meta", "exceptions"}:
            return target

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.calls[name] = self.calls.get(name, 0) + 1
                planned = self.fail.get(name, 0)
                if planned:
                    self.fail[name] = planned - 1
                fault = bool(planned) or (self.rate > 0 and self._rng.random() < self.rate)
                fault = fault or (self.fail_if is not None and self.fail_if(name, kwargs))
                if fault:
                    self.injected += 1
            if fault:
                raise ClientError(
                    {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "injected"}}, name
                )
            with self._atomic:
                return target(*args, **kwargs)

        return call


@dataclass
class Harness:
    stripe: FakeStripe
    publisher: RecordingPublisher
    ddb: FaultyDynamoDB
    processor: WebhookProcessor
    secret_reads: list[bool] = field(default_factory=list)

    def deliver(
        self,
        event: dict[str, Any] | None = None,
        *,
        body: bytes | None = None,
        sig: str | None | bool = True,
        base64_body: bool = False,
        headers: dict[str, str] | None = None,
        context: LambdaContext | None = None,
    ) -> dict[str, Any]:
        payload = body if body is not None else body_of(event or {})
        hdrs = dict(headers or {})
        if sig is True:
            hdrs["stripe-signature"] = signature(payload)
        elif isinstance(sig, str):
            hdrs["stripe-signature"] = sig
        request = http_event(
            "POST", "/webhooks/stripe", claims=None, raw_body=payload, base64_body=base64_body, headers=hdrs
        )
        return invoke(_handler(), request, context)

    def record(self, sub: str) -> EntitlementRecord | None:
        """The entitlement record of ``sub``'s personal billing account."""
        store = EntitlementStore(dynamodb=boto3.client("dynamodb", region_name=h.REGION))
        return store.get(personal_account_id(sub))

    def ledger(self, event_id: str) -> dict[str, Any] | None:
        return h.get_item(event_pk(event_id), "EVENT")

    def ledger_items(self) -> list[dict[str, Any]]:
        items = boto3.client("dynamodb", region_name=h.REGION).scan(TableName=h.TABLE_NAME)["Items"]
        return [i for i in items if i["pk"]["S"].startswith("EVENT#")]


def _handler() -> Any:
    from webhook import app as webhook_app

    return webhook_app.handler
