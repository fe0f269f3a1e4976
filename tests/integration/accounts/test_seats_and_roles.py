"""Seats and roles on a team: members plus pending invitations never exceed what the plan pays for (the last
seat goes to exactly one of many racing invitations), the catalog's seat policy decides the refusal, a plan
change never drops below the seats in use, the last owner stays, and members are entitled by the team's plan
exactly while they are members."""

from __future__ import annotations

from typing import Any

import pytest
from billing_core.accounts.invitations import InvitationStore as AccountStore
from billing_core.accounts.seats import SeatsBelowMembers, check_capacity
from billing_core.catalog.model import get_catalog
from billing_core.entitlements import EntitlementRecord, EntitlementStore
from billing_core.entitlements_api import get_entitlements
from billing_core.errors import Conflict
from pre_token import app as pre_token
from teams_world import World, atomic_dynamodb, build_world, call, race


def on_plan(account_id: str, plan: str, quantity: int, lookup_key: str) -> None:
    catalog = get_catalog()
    chosen = catalog.plan(plan)
    assert chosen is not None
    EntitlementStore().put_if_newer(
        account_id,
        EntitlementRecord(
            plan=plan, status="active", entitled=True, features=list(chosen.features), quantity=quantity,
            price_lookup_key=lookup_key, version=1,
        ),
    )  # fmt: skip


def invite(world: World, email: str, by: str = "owner", wait: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"email": email, "wait_for_seat": True} if wait else {"email": email}
    return call("accounts", "POST", f"/accounts/{world.team_a}/invitations", world.subs[by], body=body, key=True)


@pytest.fixture
def world(aws_env: Any) -> World:
    return build_world(aws_env)  # team A: owner, billing admin, member = 3 seats used


def test_a_per_seat_plan_with_auto_policy_asks_for_one_more_seat_with_its_price(world: World) -> None:
    on_plan(world.team_a, "business", 4, "business_seat_monthly")
    assert invite(world, world.user("ivy")[1])["statusCode"] == 200  # seat 4 of 4
    full = invite(world, world.user("jon")[1])
    error = full["json"]["error"]
    assert (full["statusCode"], error["code"]) == (409, "seat_purchase_required")
    assert error["details"]["quantity"] == 5 and error["details"]["seats"] == {"used": 4, "limit": 4}
    assert error["details"]["seat_price"] == {
        "unit_amount": 1500, "currency": "usd", "interval": "month", "price_lookup_key": "business_seat_monthly"
    }  # fmt: skip
    seats = call("accounts", "GET", f"/accounts/{world.team_a}/members", world.subs["member"])["json"]["seats"]
    assert seats == {"used": 4, "limit": 4}


def test_a_full_team_on_an_auto_seat_plan_gets_an_invitation_waiting_for_one_more_seat(world: World) -> None:
    """G16: asked to (``wait_for_seat``), the invitation waits (``needs_seat``, nothing delivered, no seat taken)
    with the seat to buy and its price; buying it is previewed and confirmed through plan_change
    (test_seat_purchase.py)."""
    on_plan(world.team_a, "business", 4, "business_seat_monthly")
    assert invite(world, world.user("ivy")[1])["json"]["status"] == "pending"  # seat 4 of 4
    full = invite(world, world.user("jon")[1], wait=True)
    assert full["statusCode"] == 200, full["json"]
    waiting = full["json"]
    assert waiting["status"] == "needs_seat"
    purchase = waiting["seat_purchase"]
    assert purchase["quantity"] == 5 and purchase["seats"] == {"used": 4, "limit": 4}
    assert purchase["seat_price"] == {
        "unit_amount": 1500, "currency": "usd", "interval": "month", "price_lookup_key": "business_seat_monthly"
    }  # fmt: skip
    seats = call("accounts", "GET", f"/accounts/{world.team_a}/members", world.subs["member"])["json"]["seats"]
    assert seats == {"used": 4, "limit": 4}
    listed = call("accounts", "GET", f"/accounts/{world.team_a}/invitations", world.subs["owner"])["json"]
    assert [i["status"] for i in listed["invitations"] if i["id"] == waiting["id"]] == ["needs_seat"]
    again = invite(world, waiting["email"], wait=True)
    assert (again["statusCode"], again["json"]["error"]["code"]) == (409, "already_invited")
    # revoking it frees nothing (it held no seat) and the count stays right
    revoked = call("accounts", "DELETE", f"/accounts/{world.team_a}/invitations/{waiting['id']}", world.subs["owner"])
    assert revoked["json"]["status"] == "revoked"
    assert AccountStore().get_account(world.team_a).seats_used == 4


def test_a_plan_with_a_seat_limit_refuses_strictly(world: World) -> None:
    on_plan(world.team_a, "pro", 1, "pro_monthly")  # Pro: limits.seats = 5
    assert [invite(world, world.user(n)[1])["statusCode"] for n in ("ivy", "jon")] == [200, 200]
    full = invite(world, world.user("kim")[1])
    assert (full["statusCode"], full["json"]["error"]["code"]) == (409, "seats_exhausted")
    assert full["json"]["error"]["details"]["seats"] == {"used": 5, "limit": 5}
    # removing a member frees a seat
    removed = call(
        "accounts", "DELETE", f"/accounts/{world.team_a}/members/{world.subs['member']}", world.subs["owner"]
    )
    assert removed["statusCode"] == 200
    assert invite(world, world.user("lea")[1])["statusCode"] == 200


def test_invitations_racing_for_the_last_seat_exactly_one_wins(world: World, monkeypatch: Any) -> None:
    """G6: a seat is taken when the invitation is made (accepting uses the seat it holds), so the race for the last
    seat is between invitations: exactly one gets it, the others are offered a seat."""
    atomic_dynamodb(monkeypatch)
    on_plan(world.team_a, "business", 4, "business_seat_monthly")  # one seat left
    emails = iter([world.user(f"racer{n}")[1] for n in range(6)])
    addresses = [next(emails) for _ in range(6)]
    picks = iter(addresses)
    answers = race(6, lambda: invite(world, next(picks))["statusCode"])
    assert sorted(answers) == [200, 409, 409, 409, 409, 409]
    account = AccountStore().get_account(world.team_a)
    assert account is not None and account.seats_used == 4
    pending = [i for i in AccountStore().invitations(world.team_a) if i.status == "pending"]
    assert len(pending) == 1


def test_a_plan_change_below_the_seats_in_use_is_refused(world: World) -> None:
    """G7"""
    catalog = get_catalog()
    business, starter = catalog.plan("business"), catalog.plan("starter")
    assert business is not None and starter is not None
    store = AccountStore()
    check_capacity(world.team_a, business, 3, store)  # 3 members, 3 seats: fine
    with pytest.raises(SeatsBelowMembers) as refused:
        check_capacity(world.team_a, starter, 1, store)  # Starter allows one seat
    assert refused.value.details == {"seats_used": 3, "seats": 1}
    invite(world, world.user("ivy")[1])  # a pending invitation holds a seat too
    with pytest.raises(SeatsBelowMembers):
        check_capacity(world.team_a, business, 3, store)
    check_capacity(f"p_{world.outsider}", starter, 1, store)  # a personal account has one user


def test_only_owners_manage_roles_and_the_last_owner_can_neither_leave_nor_be_demoted(world: World) -> None:
    """G3, G4"""
    owner, admin = world.subs["owner"], world.subs["billing_admin"]
    path = f"/accounts/{world.team_a}/members"
    by_admin = call("accounts", "PATCH", f"{path}/{world.subs['member']}", admin, body={"role": "billing_admin"})
    assert (by_admin["statusCode"], by_admin["json"]["error"]["code"]) == (403, "role_forbidden")
    member = world.subs["member"]
    by_self = call("accounts", "PATCH", f"{path}/{member}", member, body={"role": "owner"})
    assert (by_self["statusCode"], by_self["json"]["error"]["code"]) == (403, "role_forbidden")
    demote_self = call("accounts", "PATCH", f"{path}/{owner}", owner, body={"role": "member"})
    assert (demote_self["statusCode"], demote_self["json"]["error"]["code"]) == (409, "last_owner")
    leave = call("accounts", "DELETE", f"{path}/{owner}", owner)
    assert (leave["statusCode"], leave["json"]["error"]["code"]) == (409, "last_owner")
    # transfer ownership: make the billing admin an owner, then the first owner may leave
    assert call("accounts", "PATCH", f"{path}/{admin}", owner, body={"role": "owner"})["json"]["role"] == "owner"
    assert call("accounts", "DELETE", f"{path}/{owner}", owner)["statusCode"] == 200
    roles = {m["sub"]: m["role"] for m in call("accounts", "GET", path, admin)["json"]["members"]}
    assert owner not in roles and roles[admin] == "owner"
    # a member may leave on their own, not remove others
    other = call("accounts", "DELETE", f"{path}/{admin}", member)
    assert (other["statusCode"], other["json"]["error"]["code"]) == (403, "role_forbidden")
    assert call("accounts", "DELETE", f"{path}/{member}", member)["statusCode"] == 200


def test_two_owners_demoting_each_other_at_once_leave_one_owner(world: World, monkeypatch: Any) -> None:
    """G4: the owners counter's condition decides the race."""
    owner, admin = world.subs["owner"], world.subs["billing_admin"]
    path = f"/accounts/{world.team_a}/members"
    call("accounts", "PATCH", f"{path}/{admin}", owner, body={"role": "owner"})
    atomic_dynamodb(monkeypatch)
    pairs = iter([(owner, admin), (admin, owner)])

    def demote() -> int:
        actor, target = next(pairs)
        return int(call("accounts", "PATCH", f"{path}/{target}", actor, body={"role": "member"})["statusCode"])

    answers = race(2, demote)
    owners = [m for m in AccountStore().members(world.team_a) if m.role == "owner"]
    assert len(owners) >= 1 and AccountStore().get_account(world.team_a).owners == len(owners)
    assert 200 in answers


def test_members_are_entitled_by_the_teams_plan_only_while_members(world: World) -> None:
    """G8: a removed member's still-valid token reaches nothing of the team on the next request."""
    on_plan(world.team_a, "business", 3, "business_seat_monthly")
    member = world.subs["member"]
    team = get_entitlements(member, world.team_a)
    assert team.entitled and team.plan == "business" and "sso" in team.features
    assert not get_entitlements(member).entitled  # their personal account has no plan
    assert not get_entitlements(world.outsider, world.team_a).entitled  # not a member: nothing
    event = {"version": "2", "request": {"userAttributes": {"sub": member, "custom:billing_account": world.team_a}},
             "response": {}}  # fmt: skip
    claims = pre_token.handler(event, None)["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]
    added = claims["claimsToAddOrOverride"]
    assert (added["billing_account"], added["billing_plan"], added["billing_entitled"]) == (
        world.team_a, "business", "true"
    )  # fmt: skip
    assert "stripe_customer_id" not in added  # a member does not manage billing
    call("accounts", "DELETE", f"/accounts/{world.team_a}/members/{member}", world.subs["owner"])
    assert not get_entitlements(member, world.team_a).entitled  # removed: at once
    again = call("billing_read", "GET", "/billing", member, account=world.team_a)
    assert (again["statusCode"], again["json"]["error"]["code"]) == (404, "account_not_found")


def test_the_store_itself_refuses_to_remove_the_last_owner(world: World) -> None:
    with pytest.raises(Conflict):
        AccountStore().remove_member(world.team_a, AccountStore().member(world.team_a, world.subs["owner"]))  # type: ignore[arg-type]


def test_a_waiting_invitation_expires_after_7_days_and_gives_back_a_seat_held_for_it(world: World) -> None:
    """G19: expiry settles a waiting invitation like a pending one; a seat a stalled confirmation held goes back."""
    from billing_core.accounts.invitations import INVITATION_VALID_S
    from billing_core.accounts.seat_purchase import SeatPurchaseStore

    now = [1_800_000_000.0]
    store = SeatPurchaseStore(clock=lambda: now[0])
    store.invite_waiting(world.team_a, "idle@example.com", "member", world.subs["owner"])
    stalled = store.invite_waiting(world.team_a, "stalled@example.com", "member", world.subs["owner"])
    assert store.hold_seat(world.team_a, stalled, "a-confirmation", 4, bought_with="pv_x")  # then its request died
    assert store.get_account(world.team_a).seats_used == 4
    now[0] += INVITATION_VALID_S
    assert store.sweep_expired(world.team_a) == 2
    statuses = {i.email: i.status for i in store.invitations(world.team_a) if i.status != "accepted"}
    assert statuses == {"idle@example.com": "expired", "stalled@example.com": "expired"}
    assert store.get_account(world.team_a).seats_used == 3
    assert store.send(world.team_a, stalled.invitation_id, "a-confirmation") is None  # too late to send it
