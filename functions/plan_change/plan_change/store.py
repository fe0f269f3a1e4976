"""plan_change's own DynamoDB items, all under the caller's partition of the billing table.

* ``USER#<sub>``/``PREVIEW#<id>``: a proration preview (10 minutes; ``expires_at`` is the table's TTL attribute
  and is also checked on read, because TTL deletion is lazy). Being under the caller's partition makes a foreign
  ``preview_id`` simply not found. ``consumed_by`` marks the request (hash of sub + Idempotency-Key) that
  applies it, so a retry of that request may replay while any other request is refused.
* ``USER#<sub>``/``OFFER#<offer id>``: the retention offer was accepted (once per customer; conditional put).
* ``USER#<sub>``/``LOCK#subscription``: a short lease so two tabs cannot change or create subscriptions at the
  same time (D5); it expires by itself if the function dies.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from billing_core import aws
from billing_core.directory import dynamo_error, user_pk
from billing_core.errors import Conflict, NotFound
from billing_core.settings import get_settings
from botocore.exceptions import BotoCoreError, ClientError

PREVIEW_TTL_S = 600
LOCK_TTL_S = 25
TTL_ATTRIBUTE = "expires_at"


def request_fingerprint(base: str) -> str:
    """A stable, non-reversible id of one (caller, Idempotency-Key)."""
    return hashlib.sha256(base.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class StoredPreview:
    """What the server decided at preview time; ``change`` uses only this (B9)."""

    preview_id: str
    subscription_id: str
    item_id: str
    from_lookup_key: str
    from_quantity: int
    to_lookup_key: str
    to_price_id: str
    to_quantity: int
    kind: str
    timing: str
    proration_date: int
    period_end: int
    reset_anchor: bool
    amount_due_now: int
    created_at: int
    expires_at: int
    trialing: bool = False
    """The subscription was in its trial at preview time (a change keeps it unless ``end_trial``)."""
    end_trial: bool = False
    consumed_by: str | None = None


def _is_conditional(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class PlanChangeStore:
    def __init__(
        self, table_name: str | None = None, dynamodb: Any | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self._table = table_name
        self._dynamodb = dynamodb
        self._clock = clock

    @property
    def table(self) -> str:
        return self._table or get_settings().table_name

    @property
    def ddb(self) -> Any:
        return self._dynamodb or aws.client("dynamodb")

    # -- previews ------------------------------------------------------------------------------------------
    @staticmethod
    def new_preview_id() -> str:
        return "pv_" + secrets.token_urlsafe(18)

    def put_preview(self, sub: str, preview: StoredPreview) -> None:
        data = {k: v for k, v in asdict(preview).items() if k != "consumed_by"}
        try:
            self.ddb.put_item(
                TableName=self.table,
                Item={
                    "pk": {"S": user_pk(sub)},
                    "sk": {"S": f"PREVIEW#{preview.preview_id}"},
                    "preview": {"S": json.dumps(data, sort_keys=True)},
                    TTL_ATTRIBUTE: {"N": str(preview.expires_at)},
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except (ClientError, BotoCoreError) as exc:
            raise dynamo_error(exc, "preview.put") from None

    def get_preview(self, sub: str, preview_id: str) -> StoredPreview:
        """The caller's preview; ``NotFound`` if missing or foreign, ``Conflict(preview_expired)`` if too old."""
        try:
            item = self.ddb.get_item(
                TableName=self.table,
                Key={"pk": {"S": user_pk(sub)}, "sk": {"S": f"PREVIEW#{preview_id}"}},
                ConsistentRead=True,
            ).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise dynamo_error(exc, "preview.get") from None
        if not item or "preview" not in item:
            raise NotFound(code="preview_not_found", message="This preview was not found. Preview the change again.")
        data = json.loads(item["preview"]["S"])
        data["consumed_by"] = item.get("consumed_by", {}).get("S")
        preview = StoredPreview(**data)
        if preview.expires_at <= int(self._clock()):
            raise Conflict(code="preview_expired", message="This preview has expired. Preview the change again.")
        return preview

    def consume_preview(self, sub: str, preview_id: str, fingerprint: str) -> None:
        """Mark the preview as used by this request (a retry of the same request may mark it again)."""
        try:
            self.ddb.update_item(
                TableName=self.table,
                Key={"pk": {"S": user_pk(sub)}, "sk": {"S": f"PREVIEW#{preview_id}"}},
                UpdateExpression="SET consumed_by = :me",
                ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(consumed_by) OR consumed_by = :me)",
                ExpressionAttributeValues={":me": {"S": fingerprint}},
            )
        except ClientError as exc:
            if _is_conditional(exc):
                raise Conflict(
                    code="preview_used", message="This preview was already used. Preview the change again."
                ) from None
            raise dynamo_error(exc, "preview.consume") from None
        except BotoCoreError as exc:
            raise dynamo_error(exc, "preview.consume") from None

    def release_preview(self, sub: str, preview_id: str, fingerprint: str) -> None:
        """Undo ``consume_preview`` after a change that Stripe did not apply (best effort)."""
        try:
            self.ddb.update_item(
                TableName=self.table,
                Key={"pk": {"S": user_pk(sub)}, "sk": {"S": f"PREVIEW#{preview_id}"}},
                UpdateExpression="REMOVE consumed_by",
                ConditionExpression="consumed_by = :me",
                ExpressionAttributeValues={":me": {"S": fingerprint}},
            )
        except (ClientError, BotoCoreError):
            return

    # -- retention offer -----------------------------------------------------------------------------------
    def offer_used(self, sub: str, offer_id: str) -> str | None:
        """The fingerprint of the request that claimed the offer, or None when it was never used."""
        try:
            item = self.ddb.get_item(
                TableName=self.table,
                Key={"pk": {"S": user_pk(sub)}, "sk": {"S": f"OFFER#{offer_id}"}},
                ConsistentRead=True,
            ).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise dynamo_error(exc, "offer.get") from None
        return item.get("claimed_by", {}).get("S", "unknown") if item else None

    def claim_offer(self, sub: str, offer_id: str, fingerprint: str, subscription_id: str, coupon: str) -> None:
        """Record the offer as used; ``Conflict(offer_already_used)`` when another request used it."""
        try:
            self.ddb.put_item(
                TableName=self.table,
                Item={
                    "pk": {"S": user_pk(sub)},
                    "sk": {"S": f"OFFER#{offer_id}"},
                    "claimed_by": {"S": fingerprint},
                    "subscription_id": {"S": subscription_id},
                    "coupon": {"S": coupon},
                    "claimed_at": {"N": str(int(self._clock()))},
                },
                ConditionExpression="attribute_not_exists(pk) OR claimed_by = :me",
                ExpressionAttributeValues={":me": {"S": fingerprint}},
            )
        except ClientError as exc:
            if _is_conditional(exc):
                raise Conflict(
                    code="offer_already_used", message="The retention offer has already been used."
                ) from None
            raise dynamo_error(exc, "offer.claim") from None
        except BotoCoreError as exc:
            raise dynamo_error(exc, "offer.claim") from None

    def unclaim_offer(self, sub: str, offer_id: str, fingerprint: str) -> None:
        try:
            self.ddb.delete_item(
                TableName=self.table,
                Key={"pk": {"S": user_pk(sub)}, "sk": {"S": f"OFFER#{offer_id}"}},
                ConditionExpression="claimed_by = :me",
                ExpressionAttributeValues={":me": {"S": fingerprint}},
            )
        except (ClientError, BotoCoreError):
            return

    # -- per-user lease ------------------------------------------------------------------------------------
    def acquire_lock(self, sub: str) -> str:
        """Take the caller's subscription lease; ``Conflict(change_in_progress)`` while another request holds it."""
        token = secrets.token_hex(8)
        now = int(self._clock())
        try:
            self.ddb.put_item(
                TableName=self.table,
                Item={
                    "pk": {"S": user_pk(sub)},
                    "sk": {"S": "LOCK#subscription"},
                    "token": {"S": token},
                    TTL_ATTRIBUTE: {"N": str(now + LOCK_TTL_S)},
                },
                ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
                ExpressionAttributeValues={":now": {"N": str(now)}},
            )
        except ClientError as exc:
            if _is_conditional(exc):
                raise ChangeInProgress() from None
            raise dynamo_error(exc, "lock.acquire") from None
        except BotoCoreError as exc:
            raise dynamo_error(exc, "lock.acquire") from None
        return token

    def release_lock(self, sub: str, token: str) -> None:
        try:
            self.ddb.delete_item(
                TableName=self.table,
                Key={"pk": {"S": user_pk(sub)}, "sk": {"S": "LOCK#subscription"}},
                ConditionExpression="#t = :token",
                ExpressionAttributeNames={"#t": "token"},
                ExpressionAttributeValues={":token": {"S": token}},
            )
        except (ClientError, BotoCoreError):
            return


class ChangeInProgress(Conflict):
    """409 + Retry-After: another change of this user's subscription is running (D5)."""

    code = "change_in_progress"
    message = "Another change to your subscription is in progress. Retry shortly."

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "2"}
