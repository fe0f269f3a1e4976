"""The caller, taken only from the API Gateway JWT authorizer claims (ADR 0003).

Mangum puts the Lambda event at ``request.scope["aws.event"]``; the claims are at
``requestContext.authorizer.jwt.claims``. Only ``sub`` identifies the caller; only access tokens are
accepted (``token_use == "access"``). No claims -> 401 (A1), an ID token -> 403 (A5). This runs as a
FastAPI dependency, before any DynamoDB or Stripe call.

``customer_id`` is the ``stripe_customer_id`` claim the pre-token trigger (``functions/pre_token``) adds to access
tokens of mapped users: it comes from the same verified claims and nowhere else (never a header, query or body),
and read routes use it in place of the directory (``CustomerDirectory.lookup_caller``, ADR 0003).
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


@dataclass(frozen=True)
class Caller:
    """The signed-in user. ``sub`` is the Cognito user's immutable id."""

    sub: str
    username: str | None = None
    #: The Stripe customer named by the verified token's ``stripe_customer_id`` claim, if it carries one.
    customer_id: str | None = None


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
    return Caller(
        sub=sub,
        username=username if isinstance(username, str) else None,
        customer_id=customer if isinstance(customer, str) and _CUSTOMER.match(customer) else None,
    )
