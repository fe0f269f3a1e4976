"""Cognito pre-token-generation trigger (event version 2): billing claims in the access token.

Adds ``billing_plan`` (plan id or ``none``), ``billing_entitled`` (``true``/``false``), ``billing_features``
(compact, comma separated), ``billing_account`` (the account they answer for) and ``stripe_customer_id`` (when
mapped, for an owner or billing admin of the account) through
``response.claimsAndScopeOverrideDetails.accessTokenGeneration.claimsToAddOrOverride``. Wired only when the
template parameter ``EnableBillingClaims`` is true. Claims are a snapshot for the token's lifetime; gate
anything that matters with ``billing_core.entitlements_api.get_entitlements`` instead.

The claims answer for the user's active billing account: their personal account, unless the app names a team
in the user attribute ``custom:billing_account`` (a team the user is not a member of answers nothing entitled,
like any unknown account). The first sign-in after billing accounts moves the user's older items to their
personal account (``billing_core.accounts.migration``).

A DynamoDB failure never blocks sign-in: the token is issued without billing claims (deny by default).
"""

from __future__ import annotations

from typing import Any

from billing_core.accounts.migration import AccountMigration
from billing_core.accounts.roles import Permission, allows
from billing_core.accounts.store import AccountStore
from billing_core.directory import CustomerDirectory
from billing_core.entitlements import EntitlementRecord, EntitlementStore
from billing_core.entitlements_api import effective
from billing_core.errors import BillingError
from billing_core.identity import ACCOUNT_ID, personal_account_id
from billing_core.observability import count, logger

MAX_FEATURES_CLAIM = 1024


#: The user attribute an app sets to make a team the user's active billing account.
ACTIVE_ACCOUNT_ATTRIBUTE = "custom:billing_account"


def billing_claims(
    sub: str, directory: CustomerDirectory, store: EntitlementStore, account: str | None = None
) -> dict[str, str]:
    account_id = account if account and ACCOUNT_ID.match(account) else personal_account_id(sub)
    role: str | None = "owner"
    if account_id == personal_account_id(sub):
        store.sibling(AccountMigration).migrate(sub)
    else:
        member = store.sibling(AccountStore).member(account_id, sub)
        role = member.role if member else None
    record = effective(store.get(account_id)) if role else EntitlementRecord.none()
    claims = {
        "billing_account": account_id if role else personal_account_id(sub),
        "billing_plan": record.plan if record.entitled and record.plan else "none",
        "billing_entitled": "true" if record.entitled else "false",
        "billing_features": ",".join(sorted(record.features))[:MAX_FEATURES_CLAIM],
    }
    mapping = directory.lookup(account_id) if role and allows(role, Permission.BILLING_MANAGE) else None
    if mapping is not None:
        claims["stripe_customer_id"] = mapping.customer_id
    return claims


def handler(
    event: dict[str, Any],
    context: Any,
    directory: CustomerDirectory | None = None,
    store: EntitlementStore | None = None,
) -> dict[str, Any]:
    attributes = (event.get("request") or {}).get("userAttributes") or {}
    sub = attributes.get("sub")
    if not isinstance(sub, str) or not sub:
        return event
    account = attributes.get(ACTIVE_ACCOUNT_ATTRIBUTE)
    try:
        claims = billing_claims(
            sub,
            directory or CustomerDirectory(),
            store or EntitlementStore(),
            account if isinstance(account, str) else None,
        )
    except BillingError as err:
        count("PreTokenClaimsSkipped")
        logger.warning("billing claims skipped", extra={"error_code": err.code})
        return event
    response = event.setdefault("response", {}) or {}
    event["response"] = response
    details = response.get("claimsAndScopeOverrideDetails") or {}
    access = details.get("accessTokenGeneration") or {}
    access["claimsToAddOrOverride"] = {**(access.get("claimsToAddOrOverride") or {}), **claims}
    details["accessTokenGeneration"] = access
    response["claimsAndScopeOverrideDetails"] = details
    return event
