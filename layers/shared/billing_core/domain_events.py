"""Normalized billing events for the rest of the app, behind a small publisher interface.

Detail types: ``billing.entitlements.changed``, ``billing.payment.failed``, ``billing.subscription.canceled``, and
``billing.retention.<step>`` for each step of a cancellation flow (``billing_core.retention.steps``).
Every event carries the billing ``account_id`` and the Stripe customer id (and, for a personal account, the
owner's ``sub``, as before billing accounts), never personal data or whole Stripe objects.

``get_publisher()`` returns the EventBridge adapter when ``EVENT_BUS_NAME`` is set and a no-op otherwise.
Tests hand in their own :class:`DomainEventPublisher` (an in-memory list).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from billing_core import aws
from billing_core.errors import DependencyUnavailable
from billing_core.identity import personal_account_id, personal_owner
from billing_core.observability import count, logger
from billing_core.settings import get_settings

SOURCE = "billing.self-service"
ENTITLEMENTS_CHANGED = "billing.entitlements.changed"
PAYMENT_FAILED = "billing.payment.failed"
SUBSCRIPTION_CANCELED = "billing.subscription.canceled"
#: EventBridge accepts at most 10 entries per PutEvents call.
_BATCH = 10


@dataclass(frozen=True)
class DomainEvent:
    detail_type: str
    account_id: str
    customer_id: str
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def sub(self) -> str | None:
        """The owner of a personal account (None for a team account)."""
        return personal_owner(self.account_id)

    def ids(self) -> dict[str, Any]:
        """The account, its owner's ``sub`` when personal, and the customer: the head of every event's detail."""
        head: dict[str, Any] = {"account_id": self.account_id}
        if self.sub is not None:
            head["sub"] = self.sub
        return {**head, "customer_id": self.customer_id}

    def to_dict(self) -> dict[str, Any]:
        return {"detail_type": self.detail_type, **self.ids(), **self.detail}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DomainEvent:
        rest = {k: v for k, v in data.items() if k not in {"detail_type", "sub", "account_id", "customer_id"}}
        account_id = data.get("account_id") or personal_account_id(data["sub"])
        return cls(detail_type=data["detail_type"], account_id=account_id, customer_id=data["customer_id"], detail=rest)


class DomainEventPublisher(Protocol):
    def publish(self, events: Sequence[DomainEvent]) -> None:
        """Publish every event or raise ``DependencyUnavailable`` (the caller retries)."""
        ...


class NullPublisher:
    """No bus configured: events are only counted."""

    def publish(self, events: Sequence[DomainEvent]) -> None:
        if events:
            count("DomainEventsSkipped", len(events))


class EventBridgePublisher:
    """The one real adapter: ``events:PutEvents`` on the configured bus."""

    def __init__(self, bus_name: str, client: Any | None = None) -> None:
        self.bus_name = bus_name
        self._client = client

    @property
    def client(self) -> Any:
        return self._client or aws.client("events")

    def publish(self, events: Sequence[DomainEvent]) -> None:
        for start in range(0, len(events), _BATCH):
            batch = events[start : start + _BATCH]
            entries = [
                {
                    "Source": SOURCE,
                    "DetailType": event.detail_type,
                    "Detail": json.dumps({**event.ids(), **event.detail}),
                    "EventBusName": self.bus_name,
                }
                for event in batch
            ]
            try:
                response = self.client.put_events(Entries=entries)
            except (ClientError, BotoCoreError) as exc:
                count("DomainEventPublishFailed", len(batch))
                logger.warning("domain event publish failed", extra={"aws_error": type(exc).__name__})
                raise DependencyUnavailable(retry_after=2, operation="events.put_events") from None
            if response.get("FailedEntryCount", 0):
                count("DomainEventPublishFailed", response["FailedEntryCount"])
                codes = sorted({e.get("ErrorCode") for e in response.get("Entries", []) if e.get("ErrorCode")})
                logger.warning("domain event publish partially failed", extra={"error_codes": codes})
                raise DependencyUnavailable(retry_after=2, operation="events.put_events")
            count("DomainEventsPublished", len(batch))


def get_publisher() -> DomainEventPublisher:
    """EventBridge when ``EVENT_BUS_NAME`` is set, otherwise a no-op."""
    bus = get_settings().event_bus_name
    return EventBridgePublisher(bus) if bus else NullPublisher()
