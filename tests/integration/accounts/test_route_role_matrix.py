"""The route x role matrix, generated from every route of every function's app: each route has exactly one rule
in ``billing_core.accounts.roles.ROUTE_RULES`` (a new route without one fails here), every route with an identity
resolves its account through ``CallerDep``, and each role gets exactly what the matrix says, on a real team."""

from __future__ import annotations

import re
from typing import Any

import pytest
from billing_core.accounts.roles import ROUTE_RULES, allows, rule_for
from billing_core.app_factory import current_caller
from billing_core.errors import BillingError
from billing_core.routing import ApiRoute
from starlette.requests import Request
from teams_world import AREAS, ROLES, World, app_of, build_world, call, partition

from tests.helpers.apigw import http_event


def app_routes() -> list[tuple[str, str, str, ApiRoute]]:
    """(area, method, path, route) of every route every function serves."""
    found = []
    for area in AREAS:
        for route in app_of(area).app.api_routes:
            found += [(area, method, route.path, route) for method in sorted(route.methods or ())]
    return found


ROUTES = app_routes()


def _id(case: tuple[str, str, str, ApiRoute]) -> str:
    return f"{case[1]} {case[2]}"


def test_every_route_of_every_function_has_exactly_one_rule_and_every_rule_a_route() -> None:
    served = {(method, path) for _, method, path, _ in ROUTES}
    assert sorted(served - set(ROUTE_RULES)) == [], "routes without a rule in billing_core.accounts.roles"
    assert sorted(set(ROUTE_RULES) - served) == [], "rules for routes no function serves"


@pytest.mark.parametrize("case", ROUTES, ids=_id)
def test_every_route_with_an_identity_resolves_its_account_through_the_caller_dependency(case: Any) -> None:
    _, method, path, route = case
    rule = rule_for(method, path)
    assert rule is not None
    calls = _dependency_calls(route.dependant)
    if rule.public:
        assert current_caller not in calls
    else:
        assert current_caller in calls, f"{method} {path} never resolves the caller's account and role"


def _dependency_calls(dependant: Any) -> set[Any]:
    found = {dependant.call}
    for sub in dependant.dependencies:
        found |= _dependency_calls(sub)
    return found


def concrete(path: str, world: World) -> tuple[str, dict[str, str]]:
    values = {"id": world.team_a, "sub": world.subs["member"], "invitation_id": "inv_probe", "token": "t" * 32}
    params = {name: values[name] for name in re.findall(r"\{(\w+)\}", path)}
    if path.startswith("/billing/"):
        params = {name: f"{name}_probe" for name in params}
    for name, value in params.items():
        path = path.replace("{" + name + "}", value)
    return path, params


def resolve_as(route: ApiRoute, method: str, path: str, sub: str, world: World, area: str) -> Any:
    """What ``current_caller`` (the one enforcement point) answers for this request, without running the route."""
    concrete_path, params = concrete(path, world)
    headers = [(b"x-billing-account", world.team_a.encode())]
    scope = {
        "type": "http",
        "method": method,
        "path": concrete_path,
        "headers": headers,
        "query_string": b"",
        "route": route,
        "path_params": params,
        "aws.event": http_event(method, concrete_path, sub=sub),
        "app": app_of(area).app,
    }
    return current_caller(Request(scope))


def signed_in_routes(area: str) -> list[tuple[str, str, str, ApiRoute]]:
    return [c for c in ROUTES if c[0] == area and not rule_for(c[1], c[2]).public]


@pytest.mark.parametrize("area", [a for a in AREAS if signed_in_routes(a)])
def test_each_role_gets_what_the_matrix_says_on_every_route(aws_env: Any, area: str) -> None:
    """G2, G3: one team for the whole function (its routes in turn): a role the rule allows resolves to the team with
    that role; any other role is refused 403 ``role_forbidden``, through the real handler too, with nothing
    read from Stripe or written."""
    world = build_world(aws_env)
    wrong: list[str] = []
    for _, method, path, route in signed_in_routes(area):
        rule = rule_for(method, path)
        assert rule is not None
        for role in ROLES:
            sub = world.subs[role]
            permitted = rule.permission is None or allows(role, rule.permission)
            if permitted:
                caller = resolve_as(route, method, path, sub, world, area)
                expected = (world.team_a, role) if rule.account != "none" else (f"p_{sub}", "owner")
                if (caller.account_id, caller.role) != expected:
                    wrong.append(f"{role} {method} {path}: resolved {caller.account_id} as {caller.role}")
                continue
            try:
                resolve_as(route, method, path, sub, world, area)
                wrong.append(f"{role} {method} {path}: allowed")
            except BillingError as refused:
                if (refused.status, refused.code) != (403, "role_forbidden"):
                    wrong.append(f"{role} {method} {path}: {refused.status} {refused.code}")
            before = partition(world.team_a)
            concrete_path, _ = concrete(path, world)
            account = world.team_a if rule.account == "header" else None
            response = call(area, method, concrete_path, sub, account=account, key=True)
            if response["statusCode"] != 403 or response["json"]["error"]["code"] != "role_forbidden":
                wrong.append(f"{role} {method} {path}: handler answered {response['statusCode']}")
            if partition(world.team_a) != before:
                wrong.append(f"{role} {method} {path}: the team's items changed")
    assert wrong == []
