"""Roles, permissions and the route -> permission matrix: the one place that decides who may call what.

Every route of every function has exactly one rule in :data:`ROUTE_RULES` (method + path as the route declares
it). ``app_factory`` looks the rule up for each request and resolves the billing account it names
(:mod:`billing_core.accounts.context`): a route without a rule is refused, and the generated route x role test
(``tests/unit/core/test_route_role_matrix.py``) fails until it has one.

=================  =====  =============  ======
permission         owner  billing_admin  member
=================  =====  =============  ======
billing.view       yes    yes            yes     plan name, status, the member's own entitlements
billing.manage     yes    yes            no      invoices, cards, billing details, previews, changes, portal
members.view       yes    yes            yes     the member list
members.invite     yes    yes            no      invite, list and revoke invitations (not as owner)
members.manage     yes    no             no      change roles, transfer ownership, remove others
members.leave      yes    yes            yes     leave the team (the last owner cannot)
=================  =====  =============  ======
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal


class Role(StrEnum):
    OWNER = "owner"
    BILLING_ADMIN = "billing_admin"
    MEMBER = "member"


class Permission(StrEnum):
    BILLING_VIEW = "billing.view"
    BILLING_MANAGE = "billing.manage"
    MEMBERS_VIEW = "members.view"
    MEMBERS_INVITE = "members.invite"
    MEMBERS_MANAGE = "members.manage"
    MEMBERS_LEAVE = "members.leave"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.BILLING_ADMIN: frozenset(
        {
            Permission.BILLING_VIEW,
            Permission.BILLING_MANAGE,
            Permission.MEMBERS_VIEW,
            Permission.MEMBERS_INVITE,
            Permission.MEMBERS_LEAVE,
        }
    ),
    Role.MEMBER: frozenset({Permission.BILLING_VIEW, Permission.MEMBERS_VIEW, Permission.MEMBERS_LEAVE}),
}


def allows(role: str, permission: Permission) -> bool:
    """Whether ``role`` holds ``permission`` (an unknown role holds nothing)."""
    try:
        return permission in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False


#: Where a route finds its billing account: the ``X-Billing-Account`` header (else the caller's personal account),
#: the path's ``{id}``, or nowhere (the route acts on the signed-in user only, or on no user at all).
AccountSource = Literal["header", "path", "none"]


@dataclass(frozen=True)
class RouteRule:
    """Who may call one route: ``permission`` (None: any signed-in user, or no identity when ``public``)."""

    permission: Permission | None
    account: AccountSource = "header"
    public: bool = False


_VIEW = RouteRule(Permission.BILLING_VIEW)
_MANAGE = RouteRule(Permission.BILLING_MANAGE)
_SIGNED_IN = RouteRule(None, account="none")

#: (method, path template) -> rule, for every route of every function.
ROUTE_RULES: dict[tuple[str, str], RouteRule] = {
    # billing_read: a member sees the plan name, status and entitlements (the overview trims the rest)
    ("GET", "/billing"): _VIEW,
    ("GET", "/billing/plans"): _VIEW,
    ("GET", "/billing/invoices"): _MANAGE,
    # plan_change
    ("POST", "/billing/subscription/preview"): _MANAGE,
    ("POST", "/billing/subscription/change"): _MANAGE,
    ("DELETE", "/billing/subscription/scheduled-change"): _MANAGE,
    ("POST", "/billing/subscription/cancel"): _MANAGE,
    ("POST", "/billing/subscription/retention-offer"): _MANAGE,
    ("POST", "/billing/subscription/resume"): _MANAGE,
    ("POST", "/billing/subscription/resume/preview"): _MANAGE,
    ("POST", "/billing/subscription/pause/preview"): _MANAGE,
    ("POST", "/billing/subscription/pause"): _MANAGE,
    ("POST", "/billing/subscription"): _MANAGE,
    # payment_methods
    ("POST", "/billing/payment-methods/setup-intent"): _MANAGE,
    ("POST", "/billing/customer-session"): _MANAGE,
    ("POST", "/billing/payment-methods/{id}/default"): _MANAGE,
    ("DELETE", "/billing/payment-methods/{id}"): _MANAGE,
    ("POST", "/billing/invoices/{id}/pay"): _MANAGE,
    # billing_details
    ("PATCH", "/billing/details"): _MANAGE,
    ("POST", "/billing/tax-ids"): _MANAGE,
    ("DELETE", "/billing/tax-ids/{id}"): _MANAGE,
    # portal_session
    ("POST", "/billing/portal-sessions"): _MANAGE,
    # accounts
    ("POST", "/accounts"): _SIGNED_IN,
    ("GET", "/accounts"): _SIGNED_IN,
    ("GET", "/accounts/{id}/members"): RouteRule(Permission.MEMBERS_VIEW, account="path"),
    ("PATCH", "/accounts/{id}/members/{sub}"): RouteRule(Permission.MEMBERS_MANAGE, account="path"),
    ("DELETE", "/accounts/{id}/members/{sub}"): RouteRule(Permission.MEMBERS_LEAVE, account="path"),
    ("POST", "/accounts/{id}/invitations"): RouteRule(Permission.MEMBERS_INVITE, account="path"),
    ("GET", "/accounts/{id}/invitations"): RouteRule(Permission.MEMBERS_INVITE, account="path"),
    ("DELETE", "/accounts/{id}/invitations/{invitation_id}"): RouteRule(Permission.MEMBERS_INVITE, account="path"),
    ("POST", "/invitations/{token}/accept"): _SIGNED_IN,
    # webhook: no identity (Stripe's signature instead)
    ("POST", "/webhooks/stripe"): RouteRule(None, account="none", public=True),
}


def rule_for(method: str, path: str) -> RouteRule | None:
    """The rule of one route (``path`` as the route declares it, e.g. ``/billing/tax-ids/{id}``), or None."""
    return ROUTE_RULES.get((method.upper(), path))


def signed_in_rules(router: Any) -> dict[tuple[str, str], RouteRule]:
    """A rule for every route of ``router`` that asks only for a signed-in user and names no billing account (for
    an app outside the product: ``create_app(..., route_rules=signed_in_rules(router))``)."""
    return {
        (method, route.path): RouteRule(None, account="none")
        for route in router.routes
        for method in getattr(route, "methods", ()) or ()
    }
