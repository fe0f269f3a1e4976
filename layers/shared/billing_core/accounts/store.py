"""The billing account items: the account, its members (and each user's memberships) and its invitations.

* ``ACCOUNT#<id>``/``ACCOUNT``: ``kind`` (``personal``/``team``), ``name``, ``created_by``, and on a team the
  counters every membership change keeps in the same transaction: ``seats_used`` (members + pending invitations)
  and ``owners``. Conditions on them decide races: the last seat goes to exactly one invitation, and the last
  owner can be neither demoted nor removed, however many requests run at once.
* ``ACCOUNT#<id>``/``MEMBER#<sub>`` and ``USER#<sub>``/``MEMBERSHIP#<id>``: one membership, written and deleted
  together (the first answers "is this user a member, with which role"; the second lists a user's accounts).
* ``ACCOUNT#<id>``/``INVITATION#<id>``: e-mail, role, status (``pending`` -> ``accepted`` | ``revoked`` |
  ``expired``), ``valid_until``; ``INVITE#<sha256 of the token>``/``INVITATION`` points at it. Only the token's
  hash is stored.

A personal account has one member, its owner, implied by its id (no member items) and no invitations.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from billing_core.errors import Conflict, NotFound
from billing_core.identity import TEAM_PREFIX
from billing_core.store.base import ConditionFailed, TableStore
from billing_core.store.keys import (
    ACCOUNT_SK,
    INVITATION_PREFIX,
    INVITATION_SK,
    MEMBER_PREFIX,
    MEMBERSHIP_PREFIX,
    TTL_ATTRIBUTE,
    account_pk,
    invitation_sk,
    invite_token_pk,
    key,
    member_sk,
    membership_sk,
    user_pk,
)

INVITATION_VALID_S = 7 * 86400
#: Settled invitations and their token items are kept this long after they stop being valid, then TTL-deleted.
INVITATION_KEPT_S = 30 * 86400
MAX_MEMBERS_LISTED = 500


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _s(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name, {}).get("S")
    return str(value) if value is not None else None


def _n(item: dict[str, Any], name: str) -> int:
    value = item.get(name, {}).get("N")
    return int(value) if value is not None else 0


@dataclass(frozen=True)
class Account:
    account_id: str
    kind: str
    name: str
    seats_used: int = 0
    owners: int = 0


@dataclass(frozen=True)
class Member:
    sub: str
    role: str
    email: str | None
    joined_at: str


@dataclass(frozen=True)
class Membership:
    account_id: str
    role: str
    name: str


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

    def effective_status(self, now: float) -> str:
        """``expired`` for a pending invitation past its 7 days (until the sweep writes it)."""
        return "expired" if self.status == "pending" and now >= self.valid_until else self.status


class AccountStore(TableStore):
    """Accounts, members, memberships and invitations."""

    # -- accounts --------------------------------------------------------------------------------------
    @staticmethod
    def new_team_id() -> str:
        return TEAM_PREFIX + secrets.token_urlsafe(15).replace("-", "x").replace("_", "y")

    def get_account(self, account_id: str) -> Account | None:
        item = self._get(account_pk(account_id), ACCOUNT_SK, "accounts.get")
        if item is None:
            return None
        return Account(
            account_id=account_id,
            kind=_s(item, "kind") or "personal",
            name=_s(item, "name") or "",
            seats_used=_n(item, "seats_used"),
            owners=_n(item, "owners"),
        )

    def put_personal(self, account_id: str, sub: str) -> bool:
        """The personal account's item (written last by the migration); False when it exists already."""
        try:
            self._put(
                {
                    **key(account_pk(account_id), ACCOUNT_SK),
                    "kind": {"S": "personal"},
                    "name": {"S": ""},
                    "created_by": {"S": sub},
                    "created_at": {"S": self._now_iso()},
                },
                "accounts.put_personal",
                condition="attribute_not_exists(pk)",
            )
        except ConditionFailed:
            return False
        return True

    def create_team(self, account_id: str, name: str, owner_sub: str, owner_email: str | None) -> None:
        """The team, its first owner and their membership, in one transaction (one seat used)."""
        now = self._now_iso()
        account = {
            **key(account_pk(account_id), ACCOUNT_SK),
            "kind": {"S": "team"},
            "name": {"S": name},
            "created_by": {"S": owner_sub},
            "created_at": {"S": now},
            "seats_used": {"N": "1"},
            "owners": {"N": "1"},
        }
        free = "attribute_not_exists(pk)"
        self._transact_write(
            [
                ("Put", {"Item": account, "ConditionExpression": free}),
                (
                    "Put",
                    {
                        "Item": self._member_item(account_id, owner_sub, "owner", owner_email, now),
                        "ConditionExpression": free,
                    },
                ),  # fmt: skip
                ("Put", {"Item": self._membership_item(account_id, owner_sub, "owner", name, now)}),
            ],
            "accounts.create",
        )

    # -- members ---------------------------------------------------------------------------------------
    def member(self, account_id: str, sub: str) -> Member | None:
        item = self._get(account_pk(account_id), member_sk(sub), "accounts.member")
        return self._member(item) if item else None

    def members(self, account_id: str) -> list[Member]:
        items = self._query(
            account_pk(account_id), MEMBER_PREFIX, "accounts.members", newest_first=False, limit=MAX_MEMBERS_LISTED
        )
        return [self._member(item) for item in items]

    def memberships(self, sub: str) -> list[Membership]:
        items = self._query(
            user_pk(sub), MEMBERSHIP_PREFIX, "accounts.memberships", newest_first=False, limit=MAX_MEMBERS_LISTED
        )
        return [
            Membership(
                account_id=item["sk"]["S"].removeprefix(MEMBERSHIP_PREFIX),
                role=_s(item, "role") or "member",
                name=_s(item, "name") or "",
            )
            for item in items
        ]

    def set_role(self, account_id: str, target: Member, role: str) -> None:
        """Change one member's role. Demoting the last owner -> ``Conflict(last_owner)``; a concurrent change of
        the same member -> ``Conflict(member_changed)``."""
        owners_delta = (role == "owner") - (target.role == "owner")
        actions: list[tuple[str, dict[str, Any]]] = [
            (
                "Update",
                {
                    **self._keyed(
                        account_pk(account_id),
                        member_sk(target.sub),
                        "#r = :old",
                        {"#r": "role"},
                        {":old": {"S": target.role}, ":new": {"S": role}},
                    ),
                    "UpdateExpression": "SET #r = :new",
                },
            ),  # fmt: skip
            (
                "Update",
                {
                    **self._keyed(
                        user_pk(target.sub), membership_sk(account_id), None, {"#r": "role"}, {":new": {"S": role}}
                    ),
                    "UpdateExpression": "SET #r = :new",
                },
            ),  # fmt: skip
        ]
        if owners_delta:
            actions.append(self._counter(account_id, "owners", owners_delta))
        self._membership_change(actions, "accounts.set_role", demoting_owner=owners_delta < 0)

    def remove_member(self, account_id: str, target: Member) -> None:
        """Remove a member (their seat is freed). The last owner -> ``Conflict(last_owner)``."""
        actions: list[tuple[str, dict[str, Any]]] = [
            (
                "Delete",
                self._keyed(
                    account_pk(account_id),
                    member_sk(target.sub),
                    "#r = :old",
                    {"#r": "role"},
                    {":old": {"S": target.role}},
                ),
            ),  # fmt: skip
            ("Delete", self._keyed(user_pk(target.sub), membership_sk(account_id))),
            self._counters(account_id, {"seats_used": -1, "owners": -1 if target.role == "owner" else 0}),
        ]
        self._membership_change(actions, "accounts.remove_member", demoting_owner=target.role == "owner")

    def _membership_change(
        self, actions: list[tuple[str, dict[str, Any]]], operation: str, *, demoting_owner: bool
    ) -> None:
        try:
            self._transact_write(actions, operation)
        except ConditionFailed:
            if demoting_owner:
                raise Conflict(
                    code="last_owner",
                    message="A team needs at least one owner. Make someone else an owner first.",
                ) from None
            raise Conflict(
                code="member_changed", message="This member was changed meanwhile. Reload and retry."
            ) from None

    # -- invitations -----------------------------------------------------------------------------------
    def invitations(self, account_id: str) -> list[Invitation]:
        items = self._query(
            account_pk(account_id), INVITATION_PREFIX, "accounts.invitations", newest_first=True,
            limit=MAX_MEMBERS_LISTED,
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
        """``pending`` -> ``revoked`` | ``expired``, freeing its seat; False when it was no longer pending."""
        now = int(self.clock())
        condition = "#s = :pending" + (" AND valid_until <= :now" if require_expired else "")
        values: dict[str, Any] = {":pending": {"S": "pending"}, ":new": {"S": status}}
        if require_expired:
            values[":now"] = {"N": str(now)}
        try:
            self._transact_write(
                [
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
                            "UpdateExpression": "SET #s = :new",
                        },
                    ),  # fmt: skip
                    self._counter(account_id, "seats_used", -1),
                ],
                "accounts.settle_invitation",
            )
        except ConditionFailed:
            return False
        return True

    def sweep_expired(self, account_id: str) -> int:
        """Mark every pending invitation past its 7 days ``expired`` and free its seat; how many were freed."""
        now = self.clock()
        stale = [i for i in self.invitations(account_id) if i.status == "pending" and now >= i.valid_until]
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

    # -- item shapes -----------------------------------------------------------------------------------
    def _counter(
        self, account_id: str, name: str, delta: int, *, limit: int | None = None
    ) -> tuple[str, dict[str, Any]]:
        return self._counters(account_id, {name: delta}, limit=limit)

    def _counters(
        self, account_id: str, deltas: dict[str, int], *, limit: int | None = None
    ) -> tuple[str, dict[str, Any]]:
        """One update of the team's counters (a transaction may touch the item once). Going up: ``seats_used``
        only while below ``limit``; going down: never below one owner or zero seats."""
        conditions = ["attribute_exists(pk)"]
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        sets = []
        for n, (name, delta) in enumerate(sorted(deltas.items())):
            names[f"#c{n}"] = name
            values[f":d{n}"] = {"N": str(delta)}
            sets.append(f"#c{n} = #c{n} + :d{n}")
            if delta > 0 and limit is not None and name == "seats_used":
                conditions.append(f"#c{n} < :limit")
                values[":limit"] = {"N": str(limit)}
            elif delta < 0:
                conditions.append(f"#c{n} > :floor{n}")
                values[f":floor{n}"] = {"N": "1" if name == "owners" else "0"}
        return (
            "Update",
            {
                **self._keyed(account_pk(account_id), ACCOUNT_SK, " AND ".join(conditions), names, values),
                "UpdateExpression": "SET " + ", ".join(sets),
            },
        )

    @staticmethod
    def _member_item(account_id: str, sub: str, role: str, email: str | None, joined_at: str) -> dict[str, Any]:
        item = {**key(account_pk(account_id), member_sk(sub)), "role": {"S": role}, "joined_at": {"S": joined_at}}
        if email:
            item["email"] = {"S": email}
        return item

    @staticmethod
    def _membership_item(account_id: str, sub: str, role: str, name: str, joined_at: str) -> dict[str, Any]:
        return {
            **key(user_pk(sub), membership_sk(account_id)),
            "role": {"S": role},
            "name": {"S": name},
            "joined_at": {"S": joined_at},
        }

    @staticmethod
    def _invitation_item(account_id: str, invitation: Invitation, hashed: str) -> dict[str, Any]:
        return {
            **key(account_pk(account_id), invitation_sk(invitation.invitation_id)),
            "email": {"S": invitation.email},
            "role": {"S": invitation.role},
            "status": {"S": invitation.status},
            "created_by": {"S": invitation.created_by},
            "created_at": {"N": str(invitation.created_at)},
            "valid_until": {"N": str(invitation.valid_until)},
            "token_hash": {"S": hashed},
        }

    @staticmethod
    def _member(item: dict[str, Any]) -> Member:
        return Member(
            sub=item["sk"]["S"].removeprefix(MEMBER_PREFIX),
            role=_s(item, "role") or "member",
            email=_s(item, "email"),
            joined_at=_s(item, "joined_at") or "",
        )

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
        )

    def _now_iso(self) -> str:
        return datetime.fromtimestamp(self.clock(), UTC).isoformat(timespec="seconds")


__all__ = ["Account", "AccountStore", "Invitation", "Member", "Membership", "NotFound", "token_hash"]
