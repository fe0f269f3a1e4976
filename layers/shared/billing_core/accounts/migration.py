"""Moving a user's billing items from before billing accounts to their personal account.

Before billing accounts every item was the user's: ``USER#<sub>``/``CUSTOMER`` | ``ENTITLEMENTS`` | ``AUDIT#..``
| ``PREVIEW#..`` | ``OFFER#..`` | ``LOCK#subscription``, and the reverse lookup ``CUSTOMER#<cus_id>``/``USER``.
They move to the personal account ``ACCOUNT#p_<sub>`` (the id is derived from ``sub``, so every concurrent
migration of one user targets the same items):

1. every item is copied with a conditional put: an item already there is kept (the entitlement record only
   when its ``version`` is newer, so a webhook that already wrote the account's record is never rolled back);
   the customer mapping also gets its new reverse item ``CUSTOMER#<cus_id>``/``ACCOUNT``;
2. then the account's own item ``ACCOUNT#p_<sub>``/``ACCOUNT`` is written: from here on the account counts as
   migrated, and requests use it;
3. then the old items are deleted (best effort: leftovers are harmless, and the command removes them).

Every step is safe to repeat and to run concurrently; :func:`ensure_personal` runs it lazily on the first
request (``billing_core.accounts.context``), ``python -m admin.accounts_migrate`` (``make migrate-accounts``)
for everyone at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from billing_core.accounts.store import AccountStore
from billing_core.identity import personal_account_id
from billing_core.observability import count, logger
from billing_core.process_cache import ProcessCache
from billing_core.store.base import ConditionFailed, TableStore
from billing_core.store.keys import (
    ACCOUNT_SK,
    CUSTOMER_SK,
    ENTITLEMENTS_SK,
    MEMBERSHIP_PREFIX,
    USER_SK,
    account_pk,
    customer_pk,
    key,
    user_pk,
)


@dataclass
class MigrationResult:
    sub: str
    account_id: str
    copied: int = 0
    kept: int = 0
    """Items already at the account (a newer entitlement record, or an earlier run's copy)."""
    deleted: int = 0
    already: bool = False
    """The account existed before this run (the lazy path stops there; the command still moves leftovers)."""
    leftovers: list[str] = field(default_factory=list)
    """Old items whose delete failed (a later run removes them)."""


#: Personal accounts known to exist, by (table, account id). A personal account is never deleted
#: (``accounts.deletion`` refuses it), so once seen it stays migrated: the lazy path then skips its read on every
#: later request this process serves (it was one DynamoDB round trip before every personal-account request).
KNOWN_ACCOUNTS: ProcessCache[tuple[str, str], bool] = ProcessCache()


def forget_known_accounts() -> None:
    KNOWN_ACCOUNTS.clear()


class AccountMigration(TableStore):
    """The move of ``USER#<sub>`` billing items to ``ACCOUNT#p_<sub>``."""

    def legacy_items(self, sub: str) -> list[dict[str, Any]]:
        """The user's billing items from before billing accounts (memberships are not billing items)."""
        items = self._query_partition(user_pk(sub), "migration.query")
        return [item for item in items if not item["sk"]["S"].startswith(MEMBERSHIP_PREFIX)]

    def migrate(self, sub: str, *, force: bool = False) -> MigrationResult:
        """Move ``sub``'s items. Without ``force`` an existing personal account means done (the lazy path)."""
        account_id = personal_account_id(sub)
        result = MigrationResult(sub=sub, account_id=account_id)
        if not force and KNOWN_ACCOUNTS.get((self.table, account_id)):
            result.already = True
            return result
        accounts = self.sibling(AccountStore)
        if accounts.get_account(account_id) is not None:
            result.already = True
            KNOWN_ACCOUNTS.put((self.table, account_id), True)
            if not force:
                return result
        legacy = self.legacy_items(sub)
        for item in legacy:  # the command (force) copies too: an item is only ever deleted after its copy
            if self._copy(account_id, item):
                result.copied += 1
            else:
                result.kept += 1
        if not result.already:
            accounts.put_personal(account_id, sub)
            KNOWN_ACCOUNTS.put((self.table, account_id), True)
        for item in legacy:
            self._delete_legacy(item, result)
        if legacy:
            count("AccountMigrated")
            logger.info("billing items moved to the personal account", extra={"items": len(legacy)})
        return result

    def _copy(self, account_id: str, item: dict[str, Any]) -> bool:
        sk = item["sk"]["S"]
        moved = {**item, **key(account_pk(account_id), sk)}
        try:
            if sk == ENTITLEMENTS_SK:
                version = item.get("version", {}).get("N", "0")
                self._put(moved, "migration.copy", condition="attribute_not_exists(pk) OR version < :v",
                          values={":v": {"N": version}})  # fmt: skip
            else:
                self._put(moved, "migration.copy", condition="attribute_not_exists(pk)")
        except ConditionFailed:
            return False
        finally:
            if sk == CUSTOMER_SK:
                self._copy_reverse(account_id, item)
        return True

    def _copy_reverse(self, account_id: str, item: dict[str, Any]) -> None:
        customer_id = item.get("customer_id", {}).get("S", "")
        if not customer_id.startswith("cus_"):
            return
        reverse = {
            **key(customer_pk(customer_id), ACCOUNT_SK),
            "account_id": {"S": account_id},
            "created_at": item.get("created_at", {"S": ""}),
        }
        try:
            self._put(reverse, "migration.copy", condition="attribute_not_exists(pk)")
        except ConditionFailed:
            pass

    def _delete_legacy(self, item: dict[str, Any], result: MigrationResult) -> None:
        sk = item["sk"]["S"]
        pairs = [(item["pk"]["S"], sk)]
        if sk == CUSTOMER_SK and item.get("customer_id", {}).get("S", "").startswith("cus_"):
            pairs.append((customer_pk(item["customer_id"]["S"]), USER_SK))
        for pk, item_sk in pairs:
            params = self._keyed(pk, item_sk)
            if self._attempt(lambda c: c.delete_item(**params)) is None:  # noqa: B023 - called at once, in this iteration
                result.deleted += 1
            else:
                result.leftovers.append(item_sk)

    def legacy_users(self) -> Iterator[str]:
        """Every ``sub`` that still has billing items from before billing accounts (a paginated Scan)."""
        seen: set[str] = set()
        items = self._scan(
            "migration.scan",
            FilterExpression="begins_with(pk, :user) AND NOT begins_with(sk, :membership)",
            ExpressionAttributeValues={":user": {"S": user_pk("")}, ":membership": {"S": MEMBERSHIP_PREFIX}},
            ProjectionExpression="pk",
        )
        for item in items:
            sub = item["pk"]["S"].removeprefix(user_pk(""))
            if sub not in seen:
                seen.add(sub)
                yield sub


def ensure_personal(sub: str, migration: AccountMigration | None = None) -> None:
    """Make sure ``sub``'s personal account exists, moving their old items on first access."""
    (migration or AccountMigration()).migrate(sub)
