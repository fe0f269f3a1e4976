"""Invitations: ``ACCOUNT#<id>``/``INVITATION#<id>`` (e-mail, role, status ``pending`` -> ``accepted`` |
``revoked`` | ``expired``, ``valid_until``) and ``INVITE#<sha256 of the token>``/``INVITATION`` pointing at it.
Only the token's hash is stored. A pending invitation holds one of the team's seats (``seats_used``), taken in the
same transaction that writes it and given back when it is revoked or expires; accepting turns it into the member's.

An invitation to a full team on an ``auto`` seat plan starts as ``needs_seat`` (no seat, no token yet) until an
owner or billing admin buys its seat (:mod:`billing_core.accounts.seat_purchase`); while that purchase runs it
holds a seat (``seat_held_by``), given back here too if it is revoked or expires meanwhile.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from billing_core.accounts.store import AccountStore, _n, _s
from billing_core.store.base import ConditionFailed
from billing_core.store.keys import (
    INVITATION_PREFIX,
    INVITATION_SK,
    TTL_ATTRIBUTE,
    account_pk,
    invitation_sk,
    invite_token_pk,
    key,
)

MAX_INVITATIONS_LISTED = 500
#: Statuses an invitation can still leave: ``pending`` (holds a seat) and ``needs_seat`` (waits for one).
OPEN = frozenset({"pending", "needs_seat"})
INVITATION_VALID_S = 7 * 86400
#: Settled invitations and their token items are kept this long after they stop being valid, then TTL-deleted.
INVITATION_KEPT_S = 30 * 86400


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Invitation:
    invitation_id: str
    email: str
    role: str
    status: str
    created_by: str
    created_at: int
    valid_until: int
    accepted_by: str | None = None
    seat_preview_id: str | None = None
    """``needs_seat``: the proration preview of its extra seat (``POST .../seat-preview``)."""
    seat_held_by: str | None = None
    """``needs_seat``: the confirmation (request fingerprint) that holds a seat for it while buying one."""
    seat_bought_with: str | None = None
    """The preview applied to buy its seat (empty when a free seat was used)."""
    confirmed_by: str | None = None
    """The confirmation that gave a ``needs_seat`` invitation its seat and sent it."""

    def effective_status(self, now: float) -> str:
        """``expired`` for an open invitation past its 7 days (until the sweep writes it)."""
        return "expired" if self.status in OPEN and now >= self.valid_until else self.status

    @property
    def holds_seat(self) -> bool:
        return self.status == "pending" or (self.status == "needs_seat" and self.seat_held_by is not None)


class InvitationStore(AccountStore):
    """An account store that also holds the account's invitations."""

    # -- invitations -----------------------------------------------------------------------------------
    def invitations(self, account_id: str) -> list[Invitation]:
        items = self._query(
            account_pk(account_id), INVITATION_PREFIX, "accounts.invitations", newest_first=True,
            limit=MAX_INVITATIONS_LISTED,
        )  # fmt: skip
        return [self._invitation(item) for item in items]

    def invitation(self, account_id: str, invitation_id: str) -> Invitation | None:
        item = self._get(account_pk(account_id), invitation_sk(invitation_id), "accounts.invitation")
        return self._invitation(item) if item else None

    def invitation_by_token(self, token: str) -> tuple[str, Invitation] | None:
        pointer = self._get(invite_token_pk(token_hash(token)), INVITATION_SK, "accounts.invitation_token")
        if pointer is None:
            return None
        account_id, invitation_id = _s(pointer, "account_id") or "", _s(pointer, "invitation_id") or ""
        found = self.invitation(account_id, invitation_id)
        return (account_id, found) if found else None

    def invite(
        self, account_id: str, email: str, role: str, created_by: str, seat_limit: int | None
    ) -> tuple[Invitation, str]:
        """A pending invitation holding one seat, and its single-use token (returned once, stored hashed).

        ``seat_limit``: the seats paid for (None: no limit). ``ConditionFailed`` when every seat is taken."""
        now = int(self.clock())
        invitation = Invitation(
            invitation_id="inv_" + secrets.token_urlsafe(12),
            email=email,
            role=role,
            status="pending",
            created_by=created_by,
            created_at=now,
            valid_until=now + INVITATION_VALID_S,
        )
        token = secrets.token_urlsafe(32)
        ttl = {TTL_ATTRIBUTE: {"N": str(invitation.valid_until + INVITATION_KEPT_S)}}
        seat = self._counter(account_id, "seats_used", 1, limit=seat_limit)
        self._transact_write(
            [
                seat,
                (
                    "Put",
                    {
                        "Item": {**self._invitation_item(account_id, invitation, token_hash(token)), **ttl},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    },
                ),  # fmt: skip
                (
                    "Put",
                    {
                        "Item": {
                            **key(invite_token_pk(token_hash(token)), INVITATION_SK),
                            "account_id": {"S": account_id},
                            "invitation_id": {"S": invitation.invitation_id},
                            **ttl,
                        },
                        "ConditionExpression": "attribute_not_exists(pk)",
                    },
                ),  # fmt: skip
            ],
            "accounts.invite",
        )
        return invitation, token

    def settle(self, account_id: str, invitation: Invitation, status: str, *, require_expired: bool = False) -> bool:
        """``pending`` | ``needs_seat`` -> ``revoked`` | ``expired``, freeing the seat it holds; False when it is no
        longer in the state ``invitation`` shows (the caller re-reads)."""
        now = int(self.clock())
        values: dict[str, Any] = {":seen": {"S": invitation.status}, ":new": {"S": status}}
        condition = "#s = :seen"
        if invitation.status == "needs_seat":
            if invitation.seat_held_by is None:
                condition += " AND attribute_not_exists(seat_held_by)"
            else:
                condition += " AND seat_held_by = :held"
                values[":held"] = {"S": invitation.seat_held_by}
        if require_expired:
            condition += " AND valid_until <= :now"
            values[":now"] = {"N": str(now)}
        actions: list[tuple[str, dict[str, Any]]] = [
            (
                "Update",
                {
                    **self._keyed(
                        account_pk(account_id),
                        invitation_sk(invitation.invitation_id),
                        condition,
                        {"#s": "status"},
                        values,
                    ),
                    "UpdateExpression": "SET #s = :new REMOVE seat_held_by",
                },
            ),  # fmt: skip
        ]
        if invitation.holds_seat:
            actions.append(self._counter(account_id, "seats_used", -1))
        try:
            self._transact_write(actions, "accounts.settle_invitation")
        except ConditionFailed:
            return False
        return True

    def sweep_expired(self, account_id: str) -> int:
        """Mark every open invitation past its 7 days ``expired`` and free its seat; how many were settled."""
        now = self.clock()
        stale = [i for i in self.invitations(account_id) if i.status in OPEN and now >= i.valid_until]
        return sum(self.settle(account_id, i, "expired", require_expired=True) for i in stale)

    def accept(self, account_id: str, invitation: Invitation, sub: str, email: str, name: str) -> None:
        """Turn a pending, unexpired invitation into a membership (its seat becomes the member's).
        ``ConditionFailed`` when it is no longer pending or valid, or ``sub`` is already a member."""
        now = int(self.clock())
        iso = self._now_iso()
        actions: list[tuple[str, dict[str, Any]]] = [
            (
                "Update",
                {
                    **self._keyed(
                        account_pk(account_id),
                        invitation_sk(invitation.invitation_id),
                        "#s = :pending AND valid_until > :now",
                        {"#s": "status"},
                        {
                            ":pending": {"S": "pending"},
                            ":now": {"N": str(now)},
                            ":done": {"S": "accepted"},
                            ":me": {"S": sub},
                        },
                    ),
                    "UpdateExpression": "SET #s = :done, accepted_by = :me",
                },
            ),  # fmt: skip
            (
                "Put",
                {
                    "Item": self._member_item(account_id, sub, invitation.role, email, iso),
                    "ConditionExpression": "attribute_not_exists(pk)",
                },
            ),  # fmt: skip
            ("Put", {"Item": self._membership_item(account_id, sub, invitation.role, name, iso)}),
        ]
        if invitation.role == "owner":
            actions.append(self._counter(account_id, "owners", 1))
        self._transact_write(actions, "accounts.accept")

    @staticmethod
    def _invitation_item(account_id: str, invitation: Invitation, hashed: str | None) -> dict[str, Any]:
        item = {
            **key(account_pk(account_id), invitation_sk(invitation.invitation_id)),
            "email": {"S": invitation.email},
            "role": {"S": invitation.role},
            "status": {"S": invitation.status},
            "created_by": {"S": invitation.created_by},
            "created_at": {"N": str(invitation.created_at)},
            "valid_until": {"N": str(invitation.valid_until)},
        }
        if hashed is not None:
            item["token_hash"] = {"S": hashed}
        return item

    @staticmethod
    def _invitation(item: dict[str, Any]) -> Invitation:
        return Invitation(
            invitation_id=item["sk"]["S"].removeprefix(INVITATION_PREFIX),
            email=_s(item, "email") or "",
            role=_s(item, "role") or "member",
            status=_s(item, "status") or "pending",
            created_by=_s(item, "created_by") or "",
            created_at=_n(item, "created_at"),
            valid_until=_n(item, "valid_until"),
            accepted_by=_s(item, "accepted_by"),
            seat_preview_id=_s(item, "seat_preview_id"),
            seat_held_by=_s(item, "seat_held_by"),
            seat_bought_with=_s(item, "seat_bought_with"),
            confirmed_by=_s(item, "confirmed_by"),
        )
