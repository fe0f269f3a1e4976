"""The billing account a request acts on, resolved once per request (``app_factory.current_caller``).

1. The route's rule (:data:`billing_core.accounts.roles.ROUTE_RULES`) says where the account comes from: the
   ``X-Billing-Account`` header (absent: the caller's personal account), the path's ``{id}``, or nowhere.
2. The caller's membership is read on every request: the personal account is its owner's (created, and the
   user's older items moved into it, on first access); a team answers with the ``MEMBER#<sub>`` item. An
   account id that is malformed, unknown, or whose member the caller is not is answered the same way: 404
   ``account_not_found``, never 403, so ids of other accounts cannot be probed.
3. The role must hold the rule's permission, else 403 ``role_forbidden``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from billing_core.accounts.migration import AccountMigration
from billing_core.accounts.roles import Permission, RouteRule, allows
from billing_core.accounts.store import AccountStore
from billing_core.errors import Forbidden, NotFound
from billing_core.identity import ACCOUNT_ID, Caller, personal_account_id

ACCOUNT_HEADER = "x-billing-account"


class AccountNotFound(NotFound):
    code = "account_not_found"
    message = "This billing account was not found."


class RoleForbidden(Forbidden):
    code = "role_forbidden"
    message = "Your role in this billing account does not allow this. Ask an owner or a billing admin of the account."


class NoRouteRule(Forbidden):
    """A route the permission matrix does not know is refused (and the route x role test fails)."""

    code = "route_not_permitted"
    message = "This route is not available."


def account_of_request(rule: RouteRule, headers: Mapping[str, str], path_params: Mapping[str, str]) -> str | None:
    """The account id the request names (None: the caller's personal account, or no account for this route)."""
    if rule.account == "path":
        return str(path_params.get("id", ""))
    if rule.account == "header":
        value = headers.get(ACCOUNT_HEADER)
        return value.strip() if value is not None else None
    return None


def resolve(
    caller: Caller,
    rule: RouteRule,
    named: str | None,
    *,
    accounts: AccountStore | None = None,
    migration: AccountMigration | None = None,
) -> Caller:
    """The caller acting on the named account with their role, or raise ``AccountNotFound`` / ``RoleForbidden``."""
    if rule.account == "none":
        return caller
    personal = personal_account_id(caller.sub)
    account_id = personal if (named is None or named == "") and rule.account == "header" else named or ""
    if account_id == personal:
        (migration or AccountMigration()).migrate(caller.sub)
        role = "owner"
    else:
        if not ACCOUNT_ID.match(account_id):
            raise AccountNotFound()
        member = (accounts or AccountStore()).member(account_id, caller.sub)
        if member is None:
            raise AccountNotFound()
        role = member.role
    # ``replace`` keeps the token's claims (``customer_id``, ``token_account``): ``Caller.token_customer_id`` decides.
    resolved = replace(caller, account_id=account_id, role=role)
    if rule.permission is not None:
        require(resolved, rule.permission)
    return resolved


def require(caller: Caller, permission: Permission) -> None:
    """403 ``role_forbidden`` unless the caller's role in their account holds ``permission``."""
    if not allows(caller.role, permission):
        raise RoleForbidden(permission=str(permission))


def can(caller: Caller, permission: Permission) -> bool:
    return allows(caller.role, permission)
