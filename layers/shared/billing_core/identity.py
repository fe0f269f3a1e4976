"""The caller, taken only from the API Gateway JWT authorizer claims (ADR 0003).

Mangum puts the Lambda event at ``request.scope["aws.event"]``; the claims are at
``requestContext.authorizer.jwt.claims``. Only ``sub`` identifies the caller; only access tokens are
accepted (``token_use == "access"``). No claims -> 401 (A1), an ID token -> 403 (A5). This runs as a
FastAPI dependency, before any DynamoDB or Stripe call.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from billing_core.errors import Forbidden, Unauthenticated

_SUB = re.compile(r"^[A-Za-z0-9\-_:.]{1,128}$")


#: A personal account's id is the owner's ``sub`` behind this prefix (derived, so it never needs a lookup and two
#: concurrent first requests of one user agree on it); a team account's id is ``t_`` + a random token.
PERSONAL_PREFIX = "p_"
TEAM_PREFIX = "t_"
ACCOUNT_ID = re.compile(r"^(p_[A-Za-z0-9\-_:.]{1,128}|t_[A-Za-z0-9_\-]{16,48})$")


def personal_account_id(sub: str) -> str:
    """The id of ``sub``'s personal billing account."""
    return PERSONAL_PREFIX + sub


def personal_owner(account_id: str) -> str | None:
    """The ``sub`` whose personal account this is, or None for a team account."""
    return account_id.removeprefix(PERSONAL_PREFIX) if account_id.startswith(PERSONAL_PREFIX) else None


@dataclass(frozen=True)
class Caller:
    """The signed-in user acting on one billing account.

    ``sub`` is the Cognito user's immutable id (the acting user: audit, idempotency); ``account_id`` is the
    billing account the request acts on (every billing item's key) and ``role`` the caller's role in it. Routes
    get a caller whose account was resolved and whose role was checked against the route's permission
    (``billing_core.accounts.context``); built by hand (tests, admin) it defaults to the personal account.
    """

    sub: str
    username: str | None = None
    account_id: str = ""
    role: str = "owner"

    def __post_init__(self) -> None:
        if not self.account_id:
            object.__setattr__(self, "account_id", personal_account_id(self.sub))

    @property
    def personal(self) -> bool:
        return self.account_id == personal_account_id(self.sub)

    def stripe_metadata(self) -> dict[str, str]:
        """Metadata for the Stripe objects this caller creates: who acted and, on a team, for which account."""
        return {"user_sub": self.sub} if self.personal else {"user_sub": self.sub, "billing_account": self.account_id}


def claims_from_event(event: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The JWT claims of a payload-2.0 event, or None when the authorizer gave none."""
    if not isinstance(event, Mapping):
        return None
    context = event.get("requestContext")
    if not isinstance(context, Mapping):
        return None
    authorizer = context.get("authorizer")
    if not isinstance(authorizer, Mapping):
        return None
    jwt = authorizer.get("jwt")
    if not isinstance(jwt, Mapping):
        return None
    claims = jwt.get("claims")
    return claims if isinstance(claims, Mapping) and claims else None


def caller_from_event(event: Mapping[str, Any] | None) -> Caller:
    """Build the caller from the event, or raise ``Unauthenticated`` / ``Forbidden``."""
    claims = claims_from_event(event)
    if claims is None:
        raise Unauthenticated(reason="no_claims")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not _SUB.match(sub):
        raise Unauthenticated(reason="no_sub")
    if claims.get("token_use") != "access":
        raise Forbidden(reason="not_an_access_token")
    username = claims.get("username") or claims.get("cognito:username")
    return Caller(sub=sub, username=username if isinstance(username, str) else None)
