"""The demo users' scenarios (each returns its subscription id) and the seeded team."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from billing_core.accounts.invitations import InvitationStore
from billing_core.catalog.model import get_catalog
from billing_core.pause import PAUSE_PARAMS, add_periods, pause_metadata

from . import aws
from .seed_steps import (
    DAY,
    DEMO_DOMAIN,
    DEMO_PASSWORD,
    DemoUser,
    SeedContext,
    SeedError,
    advance,
    card,
    customer,
    link,
    link_account,
    monthly_steps,
    new_clock,
    store_entitlements,
    subscribe,
)


def _active_pro(ctx: SeedContext, user: DemoUser, sub: str) -> str:
    start = ctx.now - 360 * DAY
    clock = new_clock(ctx, start, user.scenario)
    cus = customer(ctx, user, sub, clock).id
    card(ctx, cus, "pm_card_visa", default=True)
    card(ctx, cus, "pm_card_mastercard")
    subscription = subscribe(ctx, cus, "pro_monthly")
    advance(ctx, clock, monthly_steps(start, ctx.now - 60))
    link(ctx, sub, cus)
    return str(subscription.id)


def _trialing(ctx: SeedContext, user: DemoUser, sub: str) -> str:

    cus = customer(ctx, user, sub).id
    card(ctx, cus, "pm_card_visa", default=True)
    subscription = subscribe(ctx, cus, "pro_monthly", trial_period_days=get_catalog().trial_days("pro") or 14)
    link(ctx, sub, cus)
    return str(subscription.id)


def _past_due(ctx: SeedContext, user: DemoUser, sub: str) -> str:
    start = ctx.now - 33 * DAY  # renewal 2-5 days ago: inside the 3/5/7-day retry window
    clock = new_clock(ctx, start, user.scenario)
    cus = customer(ctx, user, sub, clock).id
    visa = card(ctx, cus, "pm_card_visa", default=True)
    subscription = subscribe(ctx, cus, "pro_monthly")
    card(ctx, cus, "pm_card_chargeCustomerFail", default=True)
    ctx.stripe.v1.payment_methods.detach(visa)
    advance(ctx, clock, [ctx.now - 60])
    link(ctx, sub, cus)
    return str(subscription.id)


def _canceling(ctx: SeedContext, user: DemoUser, sub: str) -> str:
    cus = customer(ctx, user, sub).id
    card(ctx, cus, "pm_card_visa", default=True)
    subscription = subscribe(ctx, cus, "starter_monthly")
    ctx.stripe.v1.subscriptions.update(subscription.id, params={"cancel_at_period_end": True})
    link(ctx, sub, cus)
    return str(subscription.id)


def _business_seats(ctx: SeedContext, user: DemoUser, sub: str) -> str:
    cus = customer(ctx, user, sub).id
    card(ctx, cus, "pm_card_visa", default=True)
    subscription = subscribe(ctx, cus, "business_seat_monthly", quantity=5)
    link(ctx, sub, cus)
    return str(subscription.id)


#: The seeded team: (scenario, name, role). The owner creates it; the others joined by invitation.
TEAM_USERS: tuple[tuple[str, str, str], ...] = (
    ("team-owner", "Olga Owner", "owner"),
    ("team-billing-admin", "Bill Admin", "billing_admin"),
    ("team-member", "Mia Member", "member"),
)
TEAM_NAME = "Acme Team"
TEAM_INVITEE = f"team-invitee@{DEMO_DOMAIN}"


def seed_team(ctx: SeedContext) -> list[dict[str, Any]]:
    """A team on per-seat Business (5 seats): owner, billing admin, member and one pending invitation."""

    store = InvitationStore(ctx.table_name, aws.client("dynamodb", ctx.aws_endpoint, ctx.region))
    account_id = store.new_team_id()
    subs: dict[str, str] = {}
    for scenario, name, _ in TEAM_USERS:
        username = f"{scenario}@{DEMO_DOMAIN}"
        subs[scenario] = aws.create_user(ctx.aws_endpoint, ctx.user_pool_id, username, DEMO_PASSWORD, name, ctx.region)
    owner_scenario = TEAM_USERS[0][0]
    store.create_team(account_id, TEAM_NAME, subs[owner_scenario], f"{owner_scenario}@{DEMO_DOMAIN}")
    for scenario, _, role in TEAM_USERS[1:]:
        email = f"{scenario}@{DEMO_DOMAIN}"
        invitation, _token = store.invite(account_id, email, role, subs[owner_scenario], None)
        store.accept(account_id, invitation, subs[scenario], email, TEAM_NAME)
    cus = ctx.stripe.v1.customers.create(
        params={
            "name": TEAM_NAME,
            "email": f"{owner_scenario}@{DEMO_DOMAIN}",
            "metadata": {"billing_account": account_id, "demo_scenario": "team"},
        }  # fmt: skip
    ).id
    card(ctx, cus, "pm_card_visa", default=True)
    subscription = subscribe(ctx, cus, "business_seat_monthly", quantity=5)
    link_account(ctx, account_id, cus)
    status = store_entitlements(ctx, account_id, str(subscription.id))
    if status != "active":
        raise SeedError(f"team: subscription is {status!r}, expected 'active'")
    store.invite(account_id, TEAM_INVITEE, "member", subs[owner_scenario], 5)  # pending: 4 of 5 seats used
    return [
        {
            "username": f"{scenario}@{DEMO_DOMAIN}",
            "password": DEMO_PASSWORD,
            "scenario": scenario,
            "role": role,
            "account_id": account_id,
            "sub": subs[scenario],
        }
        for scenario, _, role in TEAM_USERS
    ]


def _paused(ctx: SeedContext, user: DemoUser, sub: str) -> str:

    start = ctx.now - 10 * DAY
    clock = new_clock(ctx, start, user.scenario)
    cus = customer(ctx, user, sub, clock).id
    card(ctx, cus, "pm_card_visa", default=True)
    subscription = subscribe(ctx, cus, "pro_monthly")
    advance(ctx, clock, [ctx.now - 60])
    paused = ctx.stripe.v1.subscriptions.pause(subscription.id, params=PAUSE_PARAMS)
    started = int(paused.to_dict()["status_details"]["paused"]["transitioned_at"])
    ctx.stripe.v1.subscriptions.update(
        subscription.id, params={"metadata": pause_metadata(started, add_periods(started, "month", 1))}
    )
    link(ctx, sub, cus)
    return str(subscription.id)


SCENARIOS: dict[str, Callable[[SeedContext, DemoUser, str], str]] = {
    "active-pro": _active_pro,
    "trialing": _trialing,
    "past-due": _past_due,
    "canceling": _canceling,
    "business-seats": _business_seats,
    "paused": _paused,
}
