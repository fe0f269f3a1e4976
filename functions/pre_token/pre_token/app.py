"""Cognito pre-token-generation trigger (event version 2): billing claims in the access token.

Adds ``billing_plan`` (plan id or ``none``), ``billing_entitled`` (``true``/``false``), ``billing_features``
(compact, comma separated) and ``stripe_customer_id`` (when mapped) through
``response.claimsAndScopeOverrideDetails.accessTokenGeneration.claimsToAddOrOverride``. Wired only when the
template parameter ``EnableBillingClaims`` is true. Claims are a snapshot for the token's lifetime; gate
anything that matters with ``billing_core.entitlements_api.get_entitlements`` instead.

A DynamoDB failure never blocks sign-in: the token is issued without billing claims (deny by default).
"""

from __future__ import annotations

from typing import Any

from billing_core.directory import CustomerDirectory
from billing_core.entitlements import EntitlementStore
from billing_core.entitlements_api import effective
from billing_core.errors import BillingError
from billing_core.observability import count, logger

MAX_FEATURES_CLAIM = 1024


def billing_claims(sub: str, directory: CustomerDirectory, store: EntitlementStore) -> dict[str, str]:
    mapping = directory.lookup(sub)
    record = effective(store.get(sub))
    claims = {
        "billing_plan": record.plan if record.entitled and record.plan else "none",
        "billing_entitled": "true" if record.entitled else "false",
        "billing_features": ",".join(sorted(record.features))[:MAX_FEATURES_CLAIM],
    }
    if mapping is not None:
        claims["stripe_customer_id"] = mapping.customer_id
    return claims


def handler(
    event: dict[str, Any],
    context: Any,
    directory: CustomerDirectory | None = None,
    store: EntitlementStore | None = None,
) -> dict[str, Any]:
    sub = ((event.get("request") or {}).get("userAttributes") or {}).get("sub")
    if not isinstance(sub, str) or not sub:
        return event
    try:
        claims = billing_claims(sub, directory or CustomerDirectory(), store or EntitlementStore())
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
