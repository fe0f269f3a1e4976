"""The caller, taken only from the API Gateway JWT authorizer claims (ADR 0003).

Mangum puts the Lambda event at ``request.scope["aws.event"]``; the claims are at
``requestContext.authorizer.jwt.claims``. Only ``sub`` identifies the caller; only access tokens are
accepted (``token_use == "access"``). No claims -> 401 (A1), an ID token -> 403 (A5). This runs as a
FastAPI dependency, before any DynamoDB or Stripe call.

``customer_id`` is the ``stripe_customer_id`` claim the pre-token trigger (``functions/pre_token``) adds to access
tokens of mapped users: it comes from the same verified claims and nowhere else (never a header, query or body),
and read routes use it in place of the directory (``CustomerDirectory.lookup_caller``, ADR 0003) only when the
request acts on the token's own ``billing_account`` claim (the personal account when absent).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from billing_core.errors import Forbidden, Unauthenticated

_SUB = re.compile(r"^[A-Za-z0-9\-_:.]{1,128}$")
_CUSTOMER = re.compile(r"^cus_[A-Za-z0-9]{1,250}$")
#: The access-token claim that carries the caller's Stripe customer (added by the pre-token trigger).
CUSTOMER_CLAIM = "stripe_customer_id"
#: The access-token claim naming the billing account the token's billing claims answer for (pre-token trigger).
ACCOUNT_CLAIM = "billing_account"


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
    #: The Stripe customer named by the verified token's ``stripe_customer_id`` claim, if it carries one. It is the
    #: customer of the token's own billing account (``token_account``) only: use it through
    #: ``CustomerDirectory.lookup_caller``, which ignores it for any other account.
    customer_id: str | None = None
    #: The verified token's ``billing_account`` claim (the account its billing claims answer for), if valid.
    token_account: str | None = None

    def __post_init__(self) -> None:
        if not self.account_id:
            object.__setattr__(self, "account_id", personal_account_id(self.sub))

    @property
    def personal(self) -> bool:
        return self.account_id == personal_account_id(self.sub)

    @property
    def token_customer_id(self) -> str | None:
        """The token's customer when the request acts on the account the token's claims answer for (the
        ``billing_account`` claim, the personal account when the token has none), else None: a member acting on a
        team, or naming another account, must never be given their personal account's customer."""
        if self.customer_id is None:
            return None
        claimed = self.token_account or personal_account_id(self.sub)
        return self.customer_id if self.account_id == claimed else None

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
    customer = claims.get(CUSTOMER_CLAIM)
    account = claims.get(ACCOUNT_CLAIM)
    return Caller(
        sub=sub,
        username=username if isinstance(username, str) else None,
        customer_id=customer if isinstance(customer, str) and _CUSTOMER.match(customer) else None,
        token_account=account if isinstance(account, str) and ACCOUNT_ID.match(account) else None,
    )
