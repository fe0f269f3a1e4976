"""The route x role matrix at run time: a route it does not name is refused before anything runs (G11)."""

from __future__ import annotations

from billing_core.accounts.roles import ROUTE_RULES, Permission, Role, allows, rule_for
from billing_core.app_factory import CallerDep, create_app
from billing_core.lambda_handler import make_handler
from billing_core.routing import APIRouter

from tests.helpers.apigw import http_event, invoke

router = APIRouter()
ran: list[str] = []


@router.get("/billing/unlisted")
def unlisted(caller: CallerDep) -> dict[str, str]:
    ran.append(caller.sub)
    return {"ok": "yes"}


handler = make_handler(create_app("unlisted", router))


def test_g11_a_route_without_a_rule_is_refused_before_it_runs() -> None:
    response = invoke(handler, http_event("GET", "/billing/unlisted", sub="user-1"))
    assert (response["statusCode"], response["json"]["error"]["code"]) == (403, "route_not_permitted")
    assert ran == []


def test_roles_hold_what_the_documented_matrix_says() -> None:
    member = {p for p in Permission if allows(Role.MEMBER, p)}
    admin = {p for p in Permission if allows(Role.BILLING_ADMIN, p)}
    assert member == {Permission.BILLING_VIEW, Permission.MEMBERS_VIEW, Permission.MEMBERS_LEAVE}
    assert admin == member | {Permission.BILLING_MANAGE, Permission.MEMBERS_INVITE}
    assert all(allows(Role.OWNER, p) for p in Permission) and not allows("guest", Permission.BILLING_VIEW)


def test_a_member_sees_the_plan_but_no_invoices_and_every_billing_change_needs_a_billing_role() -> None:
    assert rule_for("GET", "/billing").permission is Permission.BILLING_VIEW
    assert rule_for("GET", "/billing/invoices").permission is Permission.BILLING_MANAGE
    changes = [rule for (method, path), rule in ROUTE_RULES.items() if path.startswith("/billing") and method != "GET"]
    assert changes and all(rule.permission is Permission.BILLING_MANAGE for rule in changes)
