"""G20, G21: deleting a team. Only its owners may; never a personal account; never while its Stripe customer has a
subscription that has not ended. A deletion revokes the open invitations and removes every membership at once (no
member keeps the team's billing or entitlements), is audited with the acting owner, leaves the Stripe customer and
its invoices in Stripe, and makes the webhook and the reconcile ignore that customer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from billing_core.accounts.invitations import InvitationStore as AccountStore
from billing_core.audit import AuditLog
from billing_core.directory import CustomerDirectory
from billing_core.entitlements_api import get_entitlements
from billing_core.read_your_writes import after_write
from billing_core.settings import reset_settings
from billing_core.store.base import ConditionFailed
from teams_world import World, build_world, call, partition

from tests.integration.plan_change.plan_change_setup import World as Stripe


@pytest.fixture
def world(aws_env: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("INVITATION_LOG_PATH", str(tmp_path / "invitations.log"))
    reset_settings()
    built = build_world(aws_env)
    built.log = tmp_path / "invitations.log"
    return built


def delete(world: World, account_id: str, by: str) -> dict[str, Any]:
    return call("accounts", "DELETE", f"/accounts/{account_id}", by)


def test_g20_an_owner_deletes_a_team_and_every_member_loses_it_at_once(world: World) -> None:
    owner, member = world.subs["owner"], world.subs["member"]
    invited_sub, email = world.user("ivy")
    invitation = call("accounts", "POST", f"/accounts/{world.team_a}/invitations", owner,
                      body={"email": email}, key=True)["json"]  # fmt: skip
    token = next(json.loads(line)["token"] for line in world.log.read_text().splitlines())
    deleted = delete(world, world.team_a, owner)
    assert deleted["statusCode"] == 200, deleted["json"]
    assert deleted["json"] == {"id": world.team_a, "deleted": True, "members_removed": 3, "invitations_revoked": 1}
    for role, sub in world.subs.items():
        billing = call("billing_read", "GET", "/billing", sub, account=world.team_a)
        assert (billing["statusCode"], billing["json"]["error"]["code"]) == (404, "account_not_found"), role
        listed = call("accounts", "GET", "/accounts", sub)["json"]["accounts"]
        assert [a["id"] for a in listed] == [f"p_{sub}"], role
        assert not get_entitlements(sub, world.team_a).entitled
    assert AccountStore().members(world.team_a) == []
    # the pending invitation no longer admits anyone; a second deletion finds nothing
    refused = call("accounts", "POST", f"/invitations/{token}/accept", invited_sub)
    assert (refused["statusCode"], refused["json"]["error"]["code"]) == (409, "invitation_revoked")
    assert [i.status for i in AccountStore().invitations(world.team_a) if i.invitation_id == invitation["id"]] == [
        "revoked"
    ]
    again = delete(world, world.team_a, owner)
    assert (again["statusCode"], again["json"]["error"]["code"]) == (404, "account_not_found")
    # no seat can be taken on it any more, even by a request that resolved the team before the deletion
    with pytest.raises(ConditionFailed):
        AccountStore().invite(world.team_a, "late@example.com", "member", member, None)
    entries = [e for e in AuditLog().entries(world.team_a) if e["action"] == "account.delete"]
    assert [e["actor"] for e in entries] == [owner]


def test_g20_only_an_owner_deletes_and_a_personal_account_cannot_be_deleted(world: World) -> None:
    before = partition(world.team_a)
    for role in ("billing_admin", "member"):
        refused = delete(world, world.team_a, world.subs[role])
        assert (refused["statusCode"], refused["json"]["error"]["code"]) == (403, "role_forbidden")
    foreign = delete(world, world.team_a, world.owner_b)
    assert (foreign["statusCode"], foreign["json"]["error"]["code"]) == (404, "account_not_found")
    assert partition(world.team_a) == before
    owner = world.subs["owner"]
    personal = delete(world, f"p_{owner}", owner)
    assert (personal["statusCode"], personal["json"]["error"]["code"]) == (409, "personal_account_not_deletable")


@pytest.fixture
def stripe(stripe_env: Any, stripe_emulator: Any, stripe_client: Any) -> Iterator[Stripe]:
    from plan_change import stripe_billing

    from local.stack.seed import sync_catalog

    stripe_billing.reset_caches()
    yield Stripe(stripe=stripe_client, prices=sync_catalog(stripe_client), emulator=stripe_emulator,
                 sub_a=stripe_env.user_sub)  # fmt: skip
    stripe_billing.reset_caches()


def test_g21_a_team_with_a_running_subscription_is_not_deleted_until_it_has_ended(
    stripe: Stripe, stripe_env: Any
) -> None:
    world = build_world(stripe_env)
    owner = world.subs["owner"]
    cus = stripe.stripe.v1.customers.create(params={"email": "team@example.com"}).id
    stripe.attach(cus, "pm_card_visa")
    CustomerDirectory().link(world.team_a, cus)
    subscription = stripe.subscribe(cus, "business_seat_monthly", 3)
    after_write(world.team_a, "test.setup", None)
    # set to cancel at the period end: still running, still refused, nothing changed
    stripe.stripe.v1.subscriptions.update(subscription.id, params={"cancel_at_period_end": True})
    before = partition(world.team_a)
    refused = delete(world, world.team_a, owner)
    assert (refused["statusCode"], refused["json"]["error"]["code"]) == (409, "team_subscription_active")
    assert refused["json"]["error"]["details"] == {"subscription_statuses": ["active"]}
    assert partition(world.team_a) == before
    assert get_entitlements(world.subs["member"], world.team_a).entitled
    # once it has ended the team goes; the Stripe customer and its invoices stay
    stripe.stripe.v1.subscriptions.cancel(subscription.id)
    deleted = delete(world, world.team_a, owner)
    assert deleted["statusCode"] == 200, deleted["json"]
    customer = stripe.stripe.v1.customers.retrieve(cus)
    assert not getattr(customer, "deleted", False) and len(stripe.invoices(cus)) >= 1
    # the webhook and the reconcile ignore that customer from now on; nothing maps it (or another one) again
    directory = CustomerDirectory()
    assert directory.lookup_account(cus) is None and directory.lookup(world.team_a) is None
    assert directory.link(world.team_a, cus) == "deleted"
    assert all(account != world.team_a for account, _ in directory.mapped_customers())
    assert not get_entitlements(world.subs["member"], world.team_a).entitled
