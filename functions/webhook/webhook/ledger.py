"""The durable webhook ledger: ``EVENT#<evt_id>``/``EVENT`` items in the billing table.

States of one event::

    (absent) --claim--> in_progress (owner, lease_until) --complete--> done      (duplicates answer 200)
                             |
                             +--release (processing failed)--> failed --claim--> in_progress ...
                             +--lease expired (the process died)--------claim--> in_progress ...

* ``claim`` is one conditional UpdateItem: it succeeds when the item is absent, ``failed``, or
  ``in_progress`` with an expired lease. A concurrent duplicate (live lease) is told to come back later
  (409, Stripe retries), never 200: if the winner then fails, Stripe must still redeliver.
* ``complete`` runs only after the entitlement write committed; if it fails the event stays retryable
  (C14) and re-processing is harmless (the state is re-derived from Stripe).
* ``release`` is best effort: if DynamoDB is down it cannot write ``failed`` either, and the lease expiry
  makes the event retryable anyway. It keeps domain events that could not be published, so the retry
  publishes them even though the entitlement record no longer changes.
* Items expire (TTL ``expires_at``) after 30 days, the period Stripe keeps events.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from billing_core import aws
from billing_core.directory import dynamo_error
from billing_core.domain_events import DomainEvent
from billing_core.observability import count, logger
from billing_core.settings import get_settings
from botocore.exceptions import BotoCoreError, ClientError

SK = "EVENT"
IN_PROGRESS = "in_progress"
DONE = "done"
FAILED = "failed"
#: Longer than the function timeout: a live lease means another invocation may still be running.
LEASE_S = 30
TTL_S = 30 * 24 * 3600

ClaimStatus = Literal["claimed", "duplicate", "in_progress"]


def event_pk(event_id: str) -> str:
    return f"EVENT#{event_id}"


@dataclass
class Claim:
    status: ClaimStatus
    owner: str = ""
    attempts: int = 0
    pending_events: list[DomainEvent] = field(default_factory=list)
    event_type: str = ""


class EventLedger:
    def __init__(
        self,
        table_name: str | None = None,
        dynamodb: Any | None = None,
        clock: Callable[[], float] = time.time,
        lease_s: int = LEASE_S,
    ) -> None:
        self._table = table_name
        self._dynamodb = dynamodb
        self.clock = clock
        self.lease_s = lease_s

    @property
    def table(self) -> str:
        return self._table or get_settings().table_name

    @property
    def dynamodb(self) -> Any:
        return self._dynamodb or aws.client("dynamodb")

    def _key(self, event_id: str) -> dict[str, Any]:
        return {"pk": {"S": event_pk(event_id)}, "sk": {"S": SK}}

    def claim(self, event_id: str, event_type: str) -> Claim:
        """Take the event for processing, or say it is done / being processed elsewhere."""
        now = int(self.clock())
        owner = uuid.uuid4().hex
        try:
            response = self.dynamodb.put_item(
                TableName=self.table,
                Item={
                    **self._key(event_id),
                    "status": {"S": IN_PROGRESS},
                    "owner": {"S": owner},
                    "lease_until": {"N": str(now + self.lease_s)},
                    "event_type": {"S": event_type[:100]},
                    "expires_at": {"N": str(now + TTL_S)},
                },
                ConditionExpression="attribute_not_exists(pk) OR #s = :failed OR (#s = :ip AND lease_until < :now)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":ip": {"S": IN_PROGRESS},
                    ":failed": {"S": FAILED},
                    ":now": {"N": str(now)},
                },
                ReturnValues="ALL_OLD",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                item: dict[str, Any] = cast(dict[str, Any], exc.response.get("Item")) or self._read(event_id) or {}
                status = item.get("status", {}).get("S")
                if status == DONE:
                    count("WebhookDuplicate")
                    return Claim("duplicate")
                count("WebhookInProgressElsewhere")
                return Claim("in_progress")
            raise dynamo_error(exc, "ledger.claim") from None
        except BotoCoreError as exc:
            raise dynamo_error(exc, "ledger.claim") from None
        old = response.get("Attributes") or {}
        attempts = int(old.get("attempts", {}).get("N", "0")) + 1
        pending = [DomainEvent.from_dict(d) for d in json.loads(old.get("pending_events", {}).get("S", "[]"))]
        if attempts > 1:
            count("WebhookRetried")
        return Claim("claimed", owner=owner, attempts=attempts, pending_events=pending, event_type=event_type)

    def _read(self, event_id: str) -> dict[str, Any] | None:
        try:
            item = self.dynamodb.get_item(TableName=self.table, Key=self._key(event_id), ConsistentRead=True)
        except (ClientError, BotoCoreError) as exc:
            raise dynamo_error(exc, "ledger.read") from None
        return item.get("Item")

    def _finish(self, event_id: str, claim: Claim, status: str, extra: dict[str, Any]) -> None:
        """Replace the item we own (one PutItem, conditional on our ownership)."""
        now = int(self.clock())
        self.dynamodb.put_item(
            TableName=self.table,
            Item={
                **self._key(event_id),
                "status": {"S": status},
                "owner": {"S": claim.owner},
                "event_type": {"S": claim.event_type[:100]},
                "attempts": {"N": str(claim.attempts)},
                "expires_at": {"N": str(now + TTL_S)},
                **extra,
            },
            ConditionExpression="#o = :owner",
            ExpressionAttributeNames={"#o": "owner"},
            ExpressionAttributeValues={":owner": {"S": claim.owner}},
        )

    def complete(self, event_id: str, claim: Claim, outcome: str) -> None:
        """Mark done (after the state write committed). Failure -> 503: the event is retried."""
        extra = {"outcome": {"S": outcome[:100]}, "processed_at": {"N": str(int(self.clock()))}}
        try:
            self._finish(event_id, claim, DONE, extra)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                # Our lease expired and another invocation took over; it will mark the event itself.
                logger.warning("ledger lease lost before completion", extra={"event_id": event_id})
                return
            raise dynamo_error(exc, "ledger.complete") from None
        except BotoCoreError as exc:
            raise dynamo_error(exc, "ledger.complete") from None

    def release(self, event_id: str, claim: Claim, pending_events: list[DomainEvent]) -> None:
        """Processing failed: make the event retryable now (best effort; the lease expiry is the backstop)."""
        extra = {"pending_events": {"S": json.dumps([e.to_dict() for e in pending_events])}}
        try:
            self._finish(event_id, claim, FAILED, extra)
        except (ClientError, BotoCoreError) as exc:
            count("WebhookLedgerReleaseFailed")
            logger.warning("ledger release failed; the lease will expire", extra={"error_type": type(exc).__name__})
