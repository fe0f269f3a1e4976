"""The billing account items: the account, its members (and each user's memberships) and its invitations.

* ``ACCOUNT#<id>``/``ACCOUNT``: ``kind`` (``personal``/``team``), ``name``, ``created_by``, and on a team the
  counters every membership change keeps in the same transaction: ``seats_used`` (members + pending invitations)
  and ``owners``. Conditions on them decide races: the last seat goes to exactly one invitation, and the last
  owner can be neither demoted nor removed, however many requests run at once.
* ``ACCOUNT#<id>``/``MEMBER#<sub>`` and ``USER#<sub>``/``MEMBERSHIP#<id>``: one membership, written and deleted
  together (the first answers "is this user a member, with which role"; the second lists a user's accounts).
* invitations are :mod:`billing_core.accounts.invitations`'s.

A personal account has one member, its owner, implied by its id (no member items) and no invitations.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from billing_core.errors import Conflict, NotFound
from billing_core.identity import TEAM_PREFIX
from billing_core.store.base import ConditionFailed, TableStore
from billing_core.store.keys import (
    ACCOUNT_SK,
    MEMBER_PREFIX,
    MEMBERSHIP_PREFIX,
    account_pk,
    key,
    member_sk,
    membership_sk,
    user_pk,
)

MAX_MEMBERS_LISTED = 500


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

    # -- item shapes -----------------------------------------------------------------------------------
    def _counter(
        self, account_id: str, name: str, delta: int, *, limit: int | None = None
    ) -> tuple[str, dict[str, Any]]:
        return self._counters(account_id, {name: delta}, limit=limit)

    def _counters(
        self, account_id: str, deltas: dict[str, int], *, limit: int | None = None
    ) -> tuple[str, dict[str, Any]]:
        """One update of the team's counters (a transaction may touch the item once). Going up: ``seats_used``
        only while below ``limit``, and nothing on a team being deleted; going down: never below one owner or zero
        seats."""
        conditions = ["attribute_exists(pk)"]
        if any(delta > 0 for delta in deltas.values()):
            conditions.append("attribute_not_exists(deleted_at)")
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
    def _member(item: dict[str, Any]) -> Member:
        return Member(
            sub=item["sk"]["S"].removeprefix(MEMBER_PREFIX),
            role=_s(item, "role") or "member",
            email=_s(item, "email"),
            joined_at=_s(item, "joined_at") or "",
        )

    def _now_iso(self) -> str:
        return datetime.fromtimestamp(self.clock(), UTC).isoformat(timespec="seconds")


__all__ = ["Account", "AccountStore", "Member", "Membership", "NotFound"]
