"""Deleting a team: the writes, each idempotent, so an interrupted deletion finishes when the owner asks again.

1. ``tombstone_mapping``: the customer mapping (both items; written even when the team never had a customer) gets
   ``deleted_at``: the directory then answers no customer for the team, the webhook and the reconcile ignore the
   Stripe customer (which is not deleted: its invoices stay reachable in Stripe), and no later first billing
   action can map a new one (the mapping's key is taken);
2. ``mark_deleted``: the team's item gets ``deleted_at`` / ``deleted_by``; from then on no seat can be taken
   (every counter increase requires ``attribute_not_exists(deleted_at)``, ``AccountStore._counters``), so no
   invitation is made or confirmed;
3. open invitations are revoked (their tokens no longer accept);
4. every membership is deleted, the acting owner's last (so a retry by that owner still resolves the team): members
   lose the team's billing access and entitlements at once (both read the membership on every request).
"""

from __future__ import annotations

from typing import Any

from billing_core.accounts.invitations import OPEN
from billing_core.accounts.seat_purchase import SeatPurchaseStore
from billing_core.accounts.store import Member
from billing_core.store.base import ConditionFailed
from billing_core.store.keys import (
    ACCOUNT_SK,
    CUSTOMER_SK,
    account_pk,
    customer_pk,
    member_sk,
    membership_sk,
    user_pk,
)

#: Members removed per transaction (two items each; DynamoDB takes up to 100 per transaction).
MEMBERS_PER_TRANSACTION = 25


class AccountDeletion(SeatPurchaseStore):
    """The deletion's writes on the billing table."""

    def tombstone_mapping(self, account_id: str, customer_id: str | None) -> None:
        now = {":now": {"S": self._now_iso()}}
        self._update(account_pk(account_id), CUSTOMER_SK, "SET deleted_at = :now", "accounts.delete_mapping",
                     values=now)  # fmt: skip
        if customer_id is not None:
            try:
                self._update(customer_pk(customer_id), ACCOUNT_SK, "SET deleted_at = :now", "accounts.delete_mapping",
                             condition="attribute_exists(pk)", values=now)  # fmt: skip
            except ConditionFailed:
                pass  # no reverse item (the webhook finds the team's customer nowhere then)

    def mark_deleted(self, account_id: str, actor: str) -> bool:
        """Stamp the team deleted (again on a retry); False when there is no such team."""
        try:
            self._update(
                account_pk(account_id),
                ACCOUNT_SK,
                "SET deleted_at = if_not_exists(deleted_at, :now), deleted_by = if_not_exists(deleted_by, :me)",
                "accounts.delete",
                condition="attribute_exists(pk) AND #k = :team",
                names={"#k": "kind"},
                values={":now": {"S": self._now_iso()}, ":me": {"S": actor}, ":team": {"S": "team"}},
            )
        except ConditionFailed:
            return False
        return True

    def revoke_open_invitations(self, account_id: str) -> int:
        revoked = 0
        for invitation in self.invitations(account_id):
            if invitation.status in OPEN:
                revoked += self.settle(account_id, invitation, "revoked")
        return revoked

    def remove_memberships(self, account_id: str, last: str) -> int:
        """Delete every membership of the team, ``last``'s after all others; how many were removed."""
        members = self.members(account_id)
        ordered = [m for m in members if m.sub != last] + [m for m in members if m.sub == last]
        for start in range(0, len(ordered), MEMBERS_PER_TRANSACTION):
            batch = ordered[start : start + MEMBERS_PER_TRANSACTION]
            if any(m.sub == last for m in batch) and len(batch) > 1:
                self._remove(account_id, [m for m in batch if m.sub != last])
                batch = [m for m in batch if m.sub == last]
            self._remove(account_id, batch)
        return len(ordered)

    def _remove(self, account_id: str, members: list[Member]) -> None:
        actions: list[tuple[str, dict[str, Any]]] = []
        for member in members:
            actions.append(("Delete", self._keyed(account_pk(account_id), member_sk(member.sub))))
            actions.append(("Delete", self._keyed(user_pk(member.sub), membership_sk(account_id))))
        if actions:
            self._transact_write(actions, "accounts.delete_members", attempts=3)
