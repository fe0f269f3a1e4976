"""G5: invitations through the accounts function: the single-use token reaches only the invitee (offline: the
invitations log), and accepting is safe when expired, for another address, revoked, reused or concurrent."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from billing_core.accounts.invitations import INVITATION_VALID_S
from billing_core.accounts.invitations import InvitationStore as AccountStore
from billing_core.audit import AuditLog
from billing_core.settings import reset_settings
from teams_world import World, atomic_dynamodb, build_world, call, partition, race

from tests.helpers import aws as h


@pytest.fixture
def world(aws_env: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("INVITATION_LOG_PATH", str(tmp_path / "invitations.log"))
    reset_settings()
    built = build_world(aws_env)
    built.log = tmp_path / "invitations.log"
    return built


def invite(world: World, email: str, role: str = "member", by: str = "owner") -> dict[str, Any]:
    return call("accounts", "POST", f"/accounts/{world.team_a}/invitations", world.subs[by],
                body={"email": email, "role": role}, key=True)  # fmt: skip


def token_for(world: World, invitation_id: str) -> str:
    lines = [json.loads(line) for line in world.log.read_text().splitlines()]
    return next(line["token"] for line in lines if line["invitation_id"] == invitation_id)


def test_an_invitation_delivers_a_token_that_only_the_invited_verified_address_can_accept(world: World) -> None:
    sub, email = world.user("ivy")
    created = invite(world, email.upper(), role="billing_admin")
    assert created["statusCode"] == 200, created["json"]
    invitation = created["json"]
    assert (invitation["email"], invitation["role"], invitation["status"]) == (email, "billing_admin", "pending")
    assert "token" not in json.dumps(invitation)  # the token goes to the invitee only
    token = token_for(world, invitation["id"])
    # someone else signed in with the link: refused, nothing changes
    stranger = call("accounts", "POST", f"/invitations/{token}/accept", world.outsider)
    assert (stranger["statusCode"], stranger["json"]["error"]["code"]) == (403, "invitation_email_mismatch")
    accepted = call("accounts", "POST", f"/invitations/{token}/accept", sub)
    assert accepted["statusCode"] == 200 and accepted["json"]["id"] == world.team_a
    assert accepted["json"]["role"] == "billing_admin"
    members = call("accounts", "GET", f"/accounts/{world.team_a}/members", sub)["json"]
    assert {m["sub"]: m["role"] for m in members["members"]}[sub] == "billing_admin"
    assert members["seats"]["used"] == 4
    listed = call("accounts", "GET", f"/accounts/{world.team_a}/invitations", world.subs["owner"])["json"]
    assert [i["status"] for i in listed["invitations"] if i["id"] == invitation["id"]] == ["accepted"]
    # the audit names who acted
    actions = {(e["action"], e["actor"]) for e in AuditLog().entries(world.team_a)}
    assert {("invitation.create", world.subs["owner"]), ("member.join", sub)} <= actions


def test_accepting_twice_is_harmless_and_a_reused_token_cannot_admit_anyone_else(world: World) -> None:
    sub, email = world.user("ivy")
    token = token_for(world, invite(world, email)["json"]["id"])
    first = call("accounts", "POST", f"/invitations/{token}/accept", sub)
    again = call("accounts", "POST", f"/invitations/{token}/accept", sub)
    assert first["statusCode"] == again["statusCode"] == 200 and first["json"] == again["json"]
    before = partition(world.team_a)
    reused = call("accounts", "POST", f"/invitations/{token}/accept", world.subs["member"])
    assert (reused["statusCode"], reused["json"]["error"]["code"]) == (409, "invitation_used")
    assert partition(world.team_a) == before


def test_a_revoked_invitation_cannot_be_accepted_and_gives_its_seat_back(world: World) -> None:
    sub, email = world.user("ivy")
    invitation = invite(world, email)["json"]
    used = AccountStore().get_account(world.team_a).seats_used
    revoked = call("accounts", "DELETE", f"/accounts/{world.team_a}/invitations/{invitation['id']}",
                   world.subs["billing_admin"])  # fmt: skip
    assert revoked["json"]["status"] == "revoked"
    again = call("accounts", "DELETE", f"/accounts/{world.team_a}/invitations/{invitation['id']}", world.subs["owner"])
    assert again["statusCode"] == 200 and again["json"]["status"] == "revoked"
    assert AccountStore().get_account(world.team_a).seats_used == used - 1
    refused = call("accounts", "POST", f"/invitations/{token_for(world, invitation['id'])}/accept", sub)
    assert (refused["statusCode"], refused["json"]["error"]["code"]) == (409, "invitation_revoked")
    assert AccountStore().member(world.team_a, sub) is None


def test_an_invitation_expires_after_seven_days_and_its_seat_comes_back(world: World) -> None:
    sub, email = world.user("ivy")
    invitation = invite(world, email)["json"]
    assert abs(invitation["expires_at"] - time.time() - INVITATION_VALID_S) < 60
    used = AccountStore().get_account(world.team_a).seats_used
    # seven days pass: the invitation's end is now behind us
    boto3.client("dynamodb", region_name=h.REGION).update_item(
        TableName=h.TABLE_NAME,
        Key={"pk": {"S": f"ACCOUNT#{world.team_a}"}, "sk": {"S": f"INVITATION#{invitation['id']}"}},
        UpdateExpression="SET valid_until = :past",
        ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 1)}},
    )
    refused = call("accounts", "POST", f"/invitations/{token_for(world, invitation['id'])}/accept", sub)
    assert (refused["statusCode"], refused["json"]["error"]["code"]) == (409, "invitation_expired")
    assert AccountStore().member(world.team_a, sub) is None
    assert AccountStore().get_account(world.team_a).seats_used == used - 1
    listed = call("accounts", "GET", f"/accounts/{world.team_a}/invitations", world.subs["owner"])["json"]
    assert [i["status"] for i in listed["invitations"] if i["id"] == invitation["id"]] == ["expired"]


def test_concurrent_accepts_of_one_invitation_admit_the_invitee_once(world: World, monkeypatch: Any) -> None:
    atomic_dynamodb(monkeypatch)
    sub, email = world.user("ivy")
    token = token_for(world, invite(world, email)["json"]["id"])
    used = AccountStore().get_account(world.team_a).seats_used
    answers = race(6, lambda: call("accounts", "POST", f"/invitations/{token}/accept", sub)["statusCode"])
    assert len(answers) == 6 and set(answers) <= {200, 409} and 200 in answers
    members = [m for m in AccountStore().members(world.team_a) if m.sub == sub]
    assert len(members) == 1
    assert AccountStore().get_account(world.team_a).seats_used == used  # the invitation's seat became the member's


def test_a_pending_address_or_member_cannot_be_invited_twice(world: World) -> None:
    _, email = world.user("ivy")
    assert invite(world, email)["statusCode"] == 200
    twice = invite(world, email)
    assert (twice["statusCode"], twice["json"]["error"]["code"]) == (409, "already_invited")
    member = invite(world, world.emails["member"])
    assert (member["statusCode"], member["json"]["error"]["code"]) == (409, "already_member")


def test_a_billing_admin_cannot_invite_an_owner_and_a_personal_account_invites_nobody(world: World) -> None:
    _, email = world.user("ivy")
    refused = invite(world, email, role="owner", by="billing_admin")
    assert (refused["statusCode"], refused["json"]["error"]["code"]) == (403, "role_forbidden")
    personal = call("accounts", "POST", f"/accounts/p_{world.outsider}/invitations", world.outsider,
                    body={"email": email}, key=True)  # fmt: skip
    assert (personal["statusCode"], personal["json"]["error"]["code"]) == (409, "personal_account")


def test_an_unknown_token_is_not_found(world: World) -> None:
    response = call("accounts", "POST", f"/invitations/{'x' * 43}/accept", world.outsider)
    assert (response["statusCode"], response["json"]["error"]["code"]) == (404, "invitation_not_found")


def test_g10_an_undeliverable_invitation_is_revoked_and_gives_its_seat_back(world: World) -> None:
    from accounts.logic import Accounts
    from accounts.models import InvitationRequest
    from billing_core.errors import DependencyUnavailable
    from billing_core.identity import Caller

    class BusDown:
        def send(self, message: Any) -> None:
            raise DependencyUnavailable(operation="events.put")

    used = AccountStore().get_account(world.team_a).seats_used
    caller = Caller(sub=world.subs["owner"], account_id=world.team_a, role="owner")
    email = world.user("ivy")[1]
    with pytest.raises(DependencyUnavailable) as failed:
        Accounts(notifier=BusDown()).invite(caller, InvitationRequest(email=email), "req-1")
    assert failed.value.status == 503 and "Retry-After" in failed.value.headers()
    assert AccountStore().get_account(world.team_a).seats_used == used
    assert [i.status for i in AccountStore().invitations(world.team_a) if i.email == email] == ["revoked"]
