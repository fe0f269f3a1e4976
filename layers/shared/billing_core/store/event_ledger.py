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
* ``first_seen`` is when a delivery of the event first reached us (kept across retries): the change the event
  reports happened before it, so a record re-derived from reads that began after it already reflects the event
  (the webhook then skips its own Stripe read: ADR 0001).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from billing_core.domain_events import DomainEvent
from billing_core.observability import count, logger
from billing_core.store.base import ConditionFailed, DynamoDBClient, TableStore, condition_params
from billing_core.store.keys import EVENT_SK, TTL_ATTRIBUTE, event_pk, key

SK = EVENT_SK
IN_PROGRESS = "in_progress"
DONE = "done"
FAILED = "failed"
#: Longer than the function timeout: a live lease means another invocation may still be running.
LEASE_S = 30
TTL_S = 30 * 24 * 3600

ClaimStatus = Literal["claimed", "duplicate", "in_progress"]


@dataclass
class Claim:
    status: ClaimStatus
    owner: str = ""
    attempts: int = 0
    pending_events: list[DomainEvent] = field(default_factory=list)
    event_type: str = ""
    first_seen: float = 0.0
    """Epoch seconds of the first delivery that reached us (this one, or an earlier failed attempt's)."""


class EventLedger(TableStore):
    def __init__(
        self,
        table_name: str | None = None,
        dynamodb: DynamoDBClient | None = None,
        clock: Callable[[], float] = time.time,
        lease_s: int = LEASE_S,
    ) -> None:
        super().__init__(table_name, dynamodb, clock)
        self.lease_s = lease_s

    def claim(self, event_id: str, event_type: str, seen: float | None = None) -> Claim:
        """Take the event for processing, or say it is done / being processed elsewhere.

        ``seen``: when this delivery arrived, on the clock that versions entitlement records (the caller's
        ``EntitlementSync.clock``); the ledger's own clock by default."""
        now = int(self.clock())
        seen = self.clock() if seen is None else seen
        owner = uuid.uuid4().hex
        try:
            response = self._put(
                {
                    **key(event_pk(event_id), SK),
                    "status": {"S": IN_PROGRESS},
                    "owner": {"S": owner},
                    "first_seen": {"N": f"{seen:.3f}"},
                    "lease_until": {"N": str(now + self.lease_s)},
                    "event_type": {"S": event_type[:100]},
                    TTL_ATTRIBUTE: {"N": str(now + TTL_S)},
                },
                "ledger.claim",
                condition="attribute_not_exists(pk) OR #s = :failed OR (#s = :ip AND lease_until < :now)",
                names={"#s": "status"},
                values={":ip": {"S": IN_PROGRESS}, ":failed": {"S": FAILED}, ":now": {"N": str(now)}},
                ReturnValues="ALL_OLD",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ConditionFailed as failed:
            item = failed.item or self._get(event_pk(event_id), SK, "ledger.read") or {}
            if item.get("status", {}).get("S") == DONE:
                count("WebhookDuplicate")
                return Claim("duplicate")
            count("WebhookInProgressElsewhere")
            return Claim("in_progress")
        old = response.get("Attributes") or {}
        attempts = int(old.get("attempts", {}).get("N", "0")) + 1
        pending = [DomainEvent.from_dict(d) for d in json.loads(old.get("pending_events", {}).get("S", "[]"))]
        if attempts > 1:
            count("WebhookRetried")
        first_seen = min(seen, float(old.get("first_seen", {}).get("N", seen)))
        return Claim(
            "claimed",
            owner=owner,
            attempts=attempts,
            pending_events=pending,
            event_type=event_type,
            first_seen=first_seen,
        )

    def _finish(self, event_id: str, claim: Claim, status: str, extra: dict[str, Any]) -> dict[str, Any]:
        """The item that replaces the one we own."""
        now = int(self.clock())
        return {
            **key(event_pk(event_id), SK),
            "status": {"S": status},
            "owner": {"S": claim.owner},
            "event_type": {"S": claim.event_type[:100]},
            "attempts": {"N": str(claim.attempts)},
            "first_seen": {"N": f"{claim.first_seen:.3f}"},
            TTL_ATTRIBUTE: {"N": str(now + TTL_S)},
            **extra,
        }

    def complete(self, event_id: str, claim: Claim, outcome: str) -> None:
        """Mark done (after the state write committed). Failure -> 503: the event is retried."""
        extra = {"outcome": {"S": outcome[:100]}, "processed_at": {"N": str(int(self.clock()))}}
        item = self._finish(event_id, claim, DONE, extra)
        try:
            self._put(item, "ledger.complete", condition=_OWNED, names=_OWNER_NAME, values=_owner(claim))
        except ConditionFailed:
            # Our lease expired and another invocation took over; it will mark the event itself.
            logger.warning("ledger lease lost before completion", extra={"event_id": event_id})

    def release(self, event_id: str, claim: Claim, pending_events: list[DomainEvent]) -> None:
        """Processing failed: make the event retryable now (best effort; the lease expiry is the backstop)."""
        extra = {"pending_events": {"S": json.dumps([e.to_dict() for e in pending_events])}}
        item = self._finish(event_id, claim, FAILED, extra)
        failure = self._attempt(
            lambda c: c.put_item(
                TableName=self.table, Item=item, **condition_params(_OWNED, _OWNER_NAME, _owner(claim))
            )
        )
        if failure is not None:
            count("WebhookLedgerReleaseFailed")
            logger.warning("ledger release failed; the lease will expire", extra={"error_type": failure})


#: The condition that the item is still ours (``:owner`` is the claim's owner).
_OWNED = "#o = :owner"
_OWNER_NAME = {"#o": "owner"}


def _owner(claim: Claim) -> dict[str, Any]:
    return {":owner": {"S": claim.owner}}
