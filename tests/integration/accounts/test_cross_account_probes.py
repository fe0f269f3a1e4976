"""Cross-account probes: every member of team A, whatever their role, aims every id-taking route and the
``X-Billing-Account`` header at team B. Each probe is answered exactly like an account that does not exist (404
``account_not_found``, never 403), and team B's items are unchanged."""

from __future__ import annotations

import re
from typing import Any

from billing_core.accounts.roles import rule_for
from teams_world import ROLES, build_world, call, partition
from test_route_role_matrix import ROUTES

PROBED = [case for case in ROUTES if rule_for(case[1], case[2]).account in {"header", "path"}]


def aimed_at(path: str, account_id: str, sub: str) -> str:
    values = {"id": account_id, "sub": sub, "invitation_id": "inv_probe"}
    if path.startswith("/billing/"):
        values = {"id": "x_probe"}
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "probe"), path)


def test_a_member_of_team_a_aiming_at_team_b_learns_and_changes_nothing(aws_env: Any) -> None:
    """G1: every id-taking route and every header route, for every role."""
    world = build_world(aws_env)
    before = partition(world.team_b)
    answers: set[tuple[int, str]] = set()
    wrong: list[str] = []
    for role in ROLES:
        sub = world.subs[role]
        for area, method, path, _ in PROBED:
            rule = rule_for(method, path)
            assert rule is not None
            header = world.team_b if rule.account == "header" else None
            response = call(area, method, aimed_at(path, world.team_b, world.owner_b), sub, account=header, key=True)
            answer = (response["statusCode"], (response["json"] or {}).get("error", {}).get("code", ""))
            answers.add(answer)
            if answer != (404, "account_not_found"):
                wrong.append(f"{role} {method} {path}: {answer}")
    assert wrong == []
    assert partition(world.team_b) == before


def test_an_unknown_or_malformed_account_is_answered_like_a_foreign_one(aws_env: Any) -> None:
    """G1: unknown, someone else's personal, malformed: the same 404."""
    world = build_world(aws_env)
    sub = world.subs["owner"]
    for account in (world.team_b, "t_doesNotExist000000000", "p_someone-else", "garbage!", "t_"):
        response = call("billing_read", "GET", "/billing", sub, account=account)
        assert (response["statusCode"], response["json"]["error"]["code"]) == (404, "account_not_found"), account
        members = call("accounts", "GET", f"/accounts/{account}/members", sub)
        assert members["statusCode"] in {404, 422}, account  # 422: a path the route's own schema refuses
    assert call("accounts", "GET", f"/accounts/{world.team_b}/members", sub)["json"]["error"]["code"] == (
        "account_not_found"
    )


def test_an_outsider_sees_only_their_personal_account(aws_env: Any) -> None:
    world = build_world(aws_env)
    listed = call("accounts", "GET", "/accounts", world.outsider)
    assert [a["id"] for a in listed["json"]["accounts"]] == [f"p_{world.outsider}"]
    mine = call("accounts", "GET", "/accounts", world.subs["member"])["json"]["accounts"]
    assert [(a["id"], a["role"]) for a in mine] == [(f"p_{world.subs['member']}", "owner"), (world.team_a, "member")]
