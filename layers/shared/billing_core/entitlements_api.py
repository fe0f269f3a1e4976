"""Reading entitlements from the app's own Lambdas (documented in docs/entitlements.md).

    from billing_core.entitlements_api import get_entitlements, has_feature

    ent = get_entitlements(sub)          # EntitlementRecord, evaluated now
    if not ent.entitled: ...
    if has_feature(sub, "api_access"): ...
    ent.limits.get("projects")

The stored record is the webhook's snapshot; the grace period is re-evaluated at read time, so a past-due
user loses access the moment ``grace_until`` passes even if no event arrives. No record, an unreadable
record, or any status we do not know -> nothing entitled (deny by default).
"""

from __future__ import annotations

import time

from billing_core.entitlements import ENTITLED_STATUSES, EntitlementRecord, EntitlementStore


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


def get_entitlements(sub: str, *, store: EntitlementStore | None = None, now: float | None = None) -> EntitlementRecord:
    """The user's entitlements right now. DynamoDB failure -> ``DependencyUnavailable`` (503)."""
    return effective((store or EntitlementStore()).get(sub), now)


def has_feature(sub: str, feature: str, *, store: EntitlementStore | None = None) -> bool:
    record = get_entitlements(sub, store=store)
    return record.entitled and feature in record.features
