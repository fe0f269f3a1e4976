"""plan_change's own items, all under the account's partition of the billing table.

* ``ACCOUNT#<id>``/``PREVIEW#<id>``: a proration preview (10 minutes; ``expires_at`` is the table's TTL attribute
  and is also checked on read, because TTL deletion is lazy). Being under the account's partition makes a foreign
  ``preview_id`` simply not found. ``consumed_by`` marks the request (hash of the idempotency namespace +
  Idempotency-Key) that applies it, so a retry of that request may replay while any other request is refused.
* (``ACCOUNT#<id>``/``OFFER#<offer id>``, the retention offer, is :mod:`billing_core.retention_offer`'s.)
* ``ACCOUNT#<id>``/``LOCK#subscription``: a short lease so two tabs cannot change or create subscriptions at the
  same time (D5); it expires by itself if the function dies.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass

from billing_core.errors import Conflict, NotFound
from billing_core.store.base import ConditionFailed, TableStore, unavailable
from billing_core.store.keys import LOCK_SK, TTL_ATTRIBUTE, account_pk, key, preview_sk

PREVIEW_TTL_S = 600
LOCK_TTL_S = 25


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


class PlanChangeStore(TableStore):
    """Previews and the subscription lease."""

    # -- previews ------------------------------------------------------------------------------------------
    @staticmethod
    def new_preview_id() -> str:
        return "pv_" + secrets.token_urlsafe(18)

    def put_preview(self, account_id: str, preview: StoredPreview) -> None:
        data = {k: v for k, v in asdict(preview).items() if k != "consumed_by"}
        item = {
            **key(account_pk(account_id), preview_sk(preview.preview_id)),
            "preview": {"S": json.dumps(data, sort_keys=True)},
            TTL_ATTRIBUTE: {"N": str(preview.expires_at)},
        }
        try:
            self._put(item, "preview.put", condition="attribute_not_exists(pk)")
        except ConditionFailed:
            # A fresh random id taken already: answered like any other failed write (503, retry).
            raise unavailable("preview.put", "ConditionalCheckFailedException") from None

    def get_preview(self, account_id: str, preview_id: str) -> StoredPreview:
        """The caller's preview; ``NotFound`` if missing or foreign, ``Conflict(preview_expired)`` if too old."""
        item = self._get(account_pk(account_id), preview_sk(preview_id), "preview.get")
        if not item or "preview" not in item:
            raise NotFound(code="preview_not_found", message="This preview was not found. Preview the change again.")
        data = json.loads(item["preview"]["S"])
        data["consumed_by"] = item.get("consumed_by", {}).get("S")
        preview = StoredPreview(**data)
        if preview.expires_at <= int(self.clock()):
            raise Conflict(code="preview_expired", message="This preview has expired. Preview the change again.")
        return preview

    def consume_preview(self, account_id: str, preview_id: str, fingerprint: str) -> None:
        """Mark the preview as used by this request (a retry of the same request may mark it again)."""
        try:
            self._update(
                account_pk(account_id),
                preview_sk(preview_id),
                "SET consumed_by = :me",
                "preview.consume",
                condition="attribute_exists(pk) AND (attribute_not_exists(consumed_by) OR consumed_by = :me)",
                values={":me": {"S": fingerprint}},
            )
        except ConditionFailed:
            raise Conflict(
                code="preview_used", message="This preview was already used. Preview the change again."
            ) from None

    def release_preview(self, account_id: str, preview_id: str, fingerprint: str) -> None:
        """Undo ``consume_preview`` after a change that Stripe did not apply (best effort)."""
        mine = self._keyed(
            account_pk(account_id), preview_sk(preview_id), "consumed_by = :me", values={":me": {"S": fingerprint}}
        )
        self._attempt(lambda c: c.update_item(**mine, UpdateExpression="REMOVE consumed_by"))

    # -- per-user lease ------------------------------------------------------------------------------------
    def acquire_lock(self, account_id: str) -> str:
        """Take the caller's subscription lease; ``Conflict(change_in_progress)`` while another request holds it."""
        token = secrets.token_hex(8)
        now = int(self.clock())
        item = {
            **key(account_pk(account_id), LOCK_SK),
            "token": {"S": token},
            TTL_ATTRIBUTE: {"N": str(now + LOCK_TTL_S)},
        }
        try:
            self._put(
                item,
                "lock.acquire",
                condition="attribute_not_exists(pk) OR expires_at < :now",
                values={":now": {"N": str(now)}},
            )
        except ConditionFailed:
            raise ChangeInProgress() from None
        return token

    def release_lock(self, account_id: str, token: str) -> None:
        mine = self._keyed(account_pk(account_id), LOCK_SK, "#t = :token", {"#t": "token"}, {":token": {"S": token}})
        self._attempt(lambda c: c.delete_item(**mine))


class ChangeInProgress(Conflict):
    """409 + Retry-After: another change of this user's subscription is running (D5)."""

    code = "change_in_progress"
    message = "Another change to your subscription is in progress. Retry shortly."

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "2"}
