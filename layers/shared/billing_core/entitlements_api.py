"""Reading entitlements from the app's own Lambdas (documented in docs/entitlements.md).

    from billing_core.entitlements_api import get_entitlements, has_feature

    ent = get_entitlements(sub)          # EntitlementRecord of the user's personal account, evaluated now
    ent = get_entitlements(sub, account="t_...")   # ... of a team the user belongs to
    if not ent.entitled: ...
    if has_feature(sub, "api_access"): ...
    ent.limits.get("projects")

Every member of a team is entitled by the team's subscription; membership is read on every call, so a removed
member loses the team's entitlements at once. A user who is not a member of ``account`` (or an account that
does not exist) gets nothing entitled, exactly like a user without a subscription.

The stored record is the webhook's snapshot; the grace period is re-evaluated at read time, so a past-due
user loses access the moment ``grace_until`` passes even if no event arrives. No record, an unreadable
record, or any status we do not know -> nothing entitled (deny by default).
"""

from __future__ import annotations

import time

from billing_core.accounts.migration import AccountMigration
from billing_core.accounts.store import AccountStore
from billing_core.entitlements import ENTITLED_STATUSES, EntitlementRecord, EntitlementStore
from billing_core.identity import personal_account_id


def effective(record: EntitlementRecord | None, now: float | None = None) -> EntitlementRecord:
    """The record as it applies at ``now`` (grace re-evaluated; unknown statuses denied)."""
    if record is None:
        return EntitlementRecord.none()
    now = time.time() if now is None else now
    entitled = record.entitled
    if record.status == "past_due":
        entitled = entitled and record.grace_until is not None and now < record.grace_until
    elif record.status not in ENTITLED_STATUSES:
        entitled = False
    if entitled == record.entitled:
        return record
    return record.model_copy(update={"entitled": entitled, "features": [], "limits": {}})


def get_entitlements(
    sub: str, account: str | None = None, *, store: EntitlementStore | None = None, now: float | None = None
) -> EntitlementRecord:
    """The user's entitlements right now, from ``account`` (default: their personal account).

    DynamoDB failure -> ``DependencyUnavailable`` (503)."""
    store = store or EntitlementStore()
    account_id = account or personal_account_id(sub)
    if account_id == personal_account_id(sub):
        store.sibling(AccountMigration).migrate(sub)
    elif store.sibling(AccountStore).member(account_id, sub) is None:
        return EntitlementRecord.none()
    return effective(store.get(account_id), now)


def has_feature(sub: str, feature: str, account: str | None = None, *, store: EntitlementStore | None = None) -> bool:
    record = get_entitlements(sub, account, store=store)
    return record.entitled and feature in record.features
