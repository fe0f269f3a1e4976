"""Seed the offline stack: the catalog in Stripe, demo users in Cognito, their Stripe history, their mappings.

* Catalog: the core's catalog sync (`admin.catalog_sync`: products, prices by `lookup_key`, the retention
  coupon; it adopts what exists, so seeding an account twice creates nothing), then the core's portal
  configuration command (`admin.portal_config`: the configuration, its id stored in the billing table), so
  `POST /billing/portal-sessions` works. The portal configuration runs alongside the demo users.
* Demo users (scenario names are the contract of `.local/stack.json`):
  - `active-pro`: monthly Pro for a year (a test clock started ~360 days ago and advanced month by month, so
    Stripe itself produced the 12 invoices), two cards (Visa default, Mastercard);
  - `trialing`: Pro monthly in its 14-day trial, Visa on file;
  - `past-due`: Pro monthly on a test clock; after the first paid month the card is swapped for
    `pm_card_chargeCustomerFail` and the clock crosses the renewal, which fails -> `past_due`;
  - `canceling`: Starter monthly with `cancel_at_period_end`;
  - `business-seats`: per-seat Business, 5 seats;
  - `paused`: Pro monthly on a test clock, paused ten days into its period as the product pauses (the unused
    time credited to the balance, `billing_core.pause.PAUSE_PARAMS`) with its resume date a month later;
  - `no-customer`: a Cognito user only (no Stripe customer, no mapping);
  - a team on per-seat Business (5 seats) with `team-owner`, `team-billing-admin` and `team-member` (their
    `demo_users` entries also carry `role`, `account_id` and `sub`) and one pending invitation
    (`team-invitee@example.com`, holding a seat: 4 of 5 used).
* Subscriptions are created in flexible billing mode (`billing_mode[type]=flexible`, Stripe's default
  `proration_discounts=included`), as the product creates them, so they can be paused.
* Every personal customer carries `metadata.user_sub` (the team's: `metadata.billing_account`); the mapping items
  (`ACCOUNT#<id>`/`CUSTOMER` and `CUSTOMER#<id>`/`ACCOUNT`) are written in one transaction with the shape
  `billing_core.directory` uses, and the entitlement record is stored as the webhook would store it
  (`billing_core.entitlements`), on each user's personal account (`p_<sub>`) or the team's account.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import stripe
from billing_core.accounts.invitations import InvitationStore
from billing_core.catalog import get_catalog
from billing_core.entitlement_sync import link_customer
from billing_core.entitlements import EntitlementStore, derive_entitlements
from billing_core.identity import personal_account_id
from billing_core.pause import PAUSE_PARAMS, add_periods, pause_metadata
from billing_core.store.portal_config import PortalConfigStore
from billing_core.stripe_client import build_stripe_client
from billing_core.stripe_gateway import StripeGateway

from admin.catalog_sync import sync_catalog as core_sync_catalog
from admin.portal_config import PortalConfigurator, PortalSettings

from . import aws

log = logging.getLogger("local.seed")

DAY = 86400
DEMO_PASSWORD = "DemoBilling2026"
DEMO_DOMAIN = "example.com"


class SeedError(RuntimeError):
    pass


@dataclass(frozen=True)
class DemoUser:
    scenario: str
    name: str
    expect_status: str | None  # the subscription status seeding must produce (None: no customer)

    @property
    def username(self) -> str:
        return f"{self.scenario}@{DEMO_DOMAIN}"


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("active-pro", "Ada Active", "active"),
    DemoUser("trialing", "Tom Trial", "trialing"),
    DemoUser("past-due", "Pat Pastdue", "past_due"),
    DemoUser("canceling", "Cleo Canceling", "active"),
    DemoUser("business-seats", "Bea Business", "active"),
    DemoUser("paused", "Paula Paused", "paused"),
    DemoUser("no-customer", "Nico Newcomer", None),
)


@dataclass
class SeedContext:
    stripe: stripe.StripeClient
    aws_endpoint: str
    region: str
    table_name: str
    user_pool_id: str
    prices: dict[str, str]  # lookup_key -> price id
    now: int


# ---------------------------------------------------------------------------------------------------------------
# Catalog and portal configuration: the core's own commands
# ---------------------------------------------------------------------------------------------------------------
def sync_catalog(stripe_access: StripeGateway | stripe.StripeClient) -> dict[str, str]:
    """The catalog sync command (`admin.catalog_sync`): adopts what exists, creates what is missing
    (products, prices, the retention coupon); returns lookup_key -> price id. Takes a gateway or a client."""

    gateway = stripe_access if isinstance(stripe_access, StripeGateway) else StripeGateway(client=stripe_access)
    return core_sync_catalog(gateway)


def configure_portal(gateway: StripeGateway, *, aws_endpoint: str, region: str, table_name: str, web_url: str) -> str:
    """The portal configuration command (`admin.portal_config`): creates or updates the configuration
    from the catalog and stores its id in the billing table, where `portal_session` reads it."""

    origin = web_url.split("/billing", 1)[0] if "/billing" in web_url else web_url.rstrip("/")
    result = PortalConfigurator(
        gateway,
        store=PortalConfigStore(table_name, dynamodb=aws.client("dynamodb", aws_endpoint, region)),
        settings=PortalSettings(
            default_return_url=web_url,
            privacy_policy_url=f"{origin}/privacy",
            terms_of_service_url=f"{origin}/terms",
        ),
    ).run()
    if not result.configuration_id:
        raise SeedError(f"portal configuration not stored ({result.action})")
    return result.configuration_id


# ---------------------------------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------------------------------
def _customer(ctx: SeedContext, user: DemoUser, sub: str, clock: str | None = None) -> Any:
    params: dict[str, Any] = {
        "email": user.username,
        "name": user.name,
        "metadata": {"user_sub": sub, "demo_scenario": user.scenario},
        "address": {"line1": "1 Demo Street", "city": "Springfield", "postal_code": "12345", "country": "US"},
    }
    if clock:
        params["test_clock"] = clock
    return ctx.stripe.v1.customers.create(params=params)  # type: ignore[arg-type]


def _card(ctx: SeedContext, customer: str, token: str, default: bool = False) -> str:
    pm = ctx.stripe.v1.payment_methods.attach(token, params={"customer": customer})
    if default:
        ctx.stripe.v1.customers.update(customer, params={"invoice_settings": {"default_payment_method": pm.id}})
    return str(pm.id)


def _subscribe(ctx: SeedContext, customer: str, lookup_key: str, **extra: Any) -> Any:
    params: dict[str, Any] = {
        "customer": customer,
        "items": [{"price": ctx.prices[lookup_key]}],
        "billing_mode": {"type": "flexible"},
    }
    if "quantity" in extra:
        params["items"][0]["quantity"] = extra.pop("quantity")
    params.update(extra)
    return ctx.stripe.v1.subscriptions.create(params=params)  # type: ignore[arg-type]


def _clock(ctx: SeedContext, start: int, name: str) -> str:
    return str(ctx.stripe.v1.test_helpers.test_clocks.create(params={"frozen_time": start, "name": name}).id)


def _advance(ctx: SeedContext, clock: str, targets: list[int]) -> None:
    """Advance a test clock through `targets` (each step waits until the clock is ready again)."""
    clocks = ctx.stripe.v1.test_helpers.test_clocks
    for target in targets:
        state = clocks.advance(clock, params={"frozen_time": target})
        deadline = time.monotonic() + 60  # advancing is asynchronous: generous, polled
        while state.status != "ready":
            if state.status == "internal_failure" or time.monotonic() > deadline:
                raise SeedError(f"test clock {clock} did not advance to {target} (status {state.status})")
            time.sleep(0.02)
            state = clocks.retrieve(clock)


def _monthly_steps(start: int, end: int) -> list[int]:
    steps = list(range(start + 31 * DAY, end, 31 * DAY))
    return [*steps, end]


def _link(ctx: SeedContext, sub: str, customer_id: str) -> None:
    """The personal account's two mapping items, written by the core's `link_customer` (the shape
    `billing_core.directory` uses).

    The webhook may have linked them first (the customer carries `metadata.user_sub` and the emulator delivers
    `customer.created`/`customer.updated` to the stack's webhook): the same mapping already there is fine."""

    _link_account(ctx, personal_account_id(sub), customer_id)


def _link_account(ctx: SeedContext, account_id: str, customer_id: str) -> None:

    outcome = link_customer(
        account_id, customer_id, table=ctx.table_name, dynamodb=aws.client("dynamodb", ctx.aws_endpoint, ctx.region)
    )
    if outcome not in ("linked", "exists"):
        raise SeedError(f"mapping {account_id} <-> {customer_id}: {outcome}")


def _store_entitlements(ctx: SeedContext, account_id: str, subscription_id: str) -> str:
    """Store the entitlement record the webhook would have written for the subscription's current state."""

    subscription = ctx.stripe.v1.subscriptions.retrieve(subscription_id)
    past_due_since = None
    if subscription.status == "past_due":
        open_invoices = ctx.stripe.v1.invoices.list(
            params={"customer": str(subscription.customer), "status": "open", "limit": 10}
        ).data
        past_due_since = min((int(i.created) for i in open_invoices), default=None)
    record = derive_entitlements(
        subscription,
        get_catalog(),
        _now_for(ctx, subscription),
        past_due_since=past_due_since,
        version=int(time.time()),
    )
    store = EntitlementStore(ctx.table_name, aws.client("dynamodb", ctx.aws_endpoint, ctx.region))
    store.put_if_newer(account_id, record)
    return str(subscription.status)


def _now_for(ctx: SeedContext, subscription: Any) -> int:
    clock = subscription.to_dict().get("test_clock")
    if clock:
        return int(ctx.stripe.v1.test_helpers.test_clocks.retrieve(str(clock)).frozen_time)
    return int(time.time())


# ---------------------------------------------------------------------------------------------------------------
# Scenarios: each returns the subscription id (None: no customer)
# ---------------------------------------------------------------------------------------------------------------
def _active_pro(ctx: SeedContext, user: DemoUser, sub: str) -> str:
    start = ctx.now - 360 * DAY
    clock = _clock(ctx, start, user.scenario)
    cus = _customer(ctx, user, sub, clock).id
    _card(ctx, cus, "pm_card_visa", default=True)
    _card(ctx, cus, "pm_card_mastercard")
    subscription = _subscribe(ctx, cus, "pro_monthly")
    _advance(ctx, clock, _monthly_steps(start, ctx.now - 60))
    _link(ctx, sub, cus)
    return str(subscription.id)


def _trialing(ctx: SeedContext, user: DemoUser, sub: str) -> str:

    cus = _customer(ctx, user, sub).id
    _card(ctx, cus, "pm_card_visa", default=True)
    subscription = _subscribe(ctx, cus, "pro_monthly", trial_period_days=get_catalog().trial_days("pro") or 14)
    _link(ctx, sub, cus)
    return str(subscription.id)


def _past_due(ctx: SeedContext, user: DemoUser, sub: str) -> str:
    start = ctx.now - 33 * DAY  # renewal 2-5 days ago: inside the 3/5/7-day retry window
    clock = _clock(ctx, start, user.scenario)
    cus = _customer(ctx, user, sub, clock).id
    visa = _card(ctx, cus, "pm_card_visa", default=True)
    subscription = _subscribe(ctx, cus, "pro_monthly")
    _card(ctx, cus, "pm_card_chargeCustomerFail", default=True)
    ctx.stripe.v1.payment_methods.detach(visa)
    _advance(ctx, clock, [ctx.now - 60])
    _link(ctx, sub, cus)
    return str(subscription.id)


def _canceling(ctx: SeedContext, user: DemoUser, sub: str) -> str:
    cus = _customer(ctx, user, sub).id
    _card(ctx, cus, "pm_card_visa", default=True)
    subscription = _subscribe(ctx, cus, "starter_monthly")
    ctx.stripe.v1.subscriptions.update(subscription.id, params={"cancel_at_period_end": True})
    _link(ctx, sub, cus)
    return str(subscription.id)


def _business_seats(ctx: SeedContext, user: DemoUser, sub: str) -> str:
    cus = _customer(ctx, user, sub).id
    _card(ctx, cus, "pm_card_visa", default=True)
    subscription = _subscribe(ctx, cus, "business_seat_monthly", quantity=5)
    _link(ctx, sub, cus)
    return str(subscription.id)


#: The seeded team: (scenario, name, role). The owner creates it; the others joined by invitation.
TEAM_USERS: tuple[tuple[str, str, str], ...] = (
    ("team-owner", "Olga Owner", "owner"),
    ("team-billing-admin", "Bill Admin", "billing_admin"),
    ("team-member", "Mia Member", "member"),
)
TEAM_NAME = "Acme Team"
TEAM_INVITEE = f"team-invitee@{DEMO_DOMAIN}"


def _seed_team(ctx: SeedContext) -> list[dict[str, Any]]:
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
    _card(ctx, cus, "pm_card_visa", default=True)
    subscription = _subscribe(ctx, cus, "business_seat_monthly", quantity=5)
    _link_account(ctx, account_id, cus)
    status = _store_entitlements(ctx, account_id, str(subscription.id))
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
    clock = _clock(ctx, start, user.scenario)
    cus = _customer(ctx, user, sub, clock).id
    _card(ctx, cus, "pm_card_visa", default=True)
    subscription = _subscribe(ctx, cus, "pro_monthly")
    _advance(ctx, clock, [ctx.now - 60])
    paused = ctx.stripe.v1.subscriptions.pause(subscription.id, params=PAUSE_PARAMS)  # type: ignore[arg-type]
    started = int(paused.to_dict()["status_details"]["paused"]["transitioned_at"])
    ctx.stripe.v1.subscriptions.update(
        subscription.id, params={"metadata": pause_metadata(started, add_periods(started, "month", 1))}
    )
    _link(ctx, sub, cus)
    return str(subscription.id)


SCENARIOS: dict[str, Callable[[SeedContext, DemoUser, str], str]] = {
    "active-pro": _active_pro,
    "trialing": _trialing,
    "past-due": _past_due,
    "canceling": _canceling,
    "business-seats": _business_seats,
    "paused": _paused,
}


def _seed_user(ctx: SeedContext, user: DemoUser) -> dict[str, Any]:
    sub = aws.create_user(ctx.aws_endpoint, ctx.user_pool_id, user.username, DEMO_PASSWORD, user.name, ctx.region)
    entry: dict[str, Any] = {"username": user.username, "password": DEMO_PASSWORD, "scenario": user.scenario}
    scenario = SCENARIOS.get(user.scenario)
    if scenario is None:
        return entry
    subscription_id = scenario(ctx, user, sub)
    status = _store_entitlements(ctx, f"p_{sub}", subscription_id)
    if status != user.expect_status:
        raise SeedError(f"{user.scenario}: subscription is {status!r}, expected {user.expect_status!r}")
    return entry


def seed(
    *,
    stripe_api_base: str | None,
    stripe_secret_key: str,
    aws_endpoint: str,
    region: str,
    table_name: str,
    user_pool_id: str,
    web_url: str,
    users: tuple[DemoUser, ...] = DEMO_USERS,
    with_team: bool = True,
) -> list[dict[str, Any]]:
    """Seed everything; returns the `demo_users` entries of stack.json. Scenarios run in parallel, and with them
    the portal configuration (it needs only the catalog)."""
    client = stripe.StripeClient(
        stripe_secret_key,
        base_addresses={"api": stripe_api_base} if stripe_api_base else {},
        max_network_retries=2,
    )
    gateway = StripeGateway(client=build_stripe_client(stripe_secret_key, stripe_api_base))
    prices = sync_catalog(gateway)
    ctx = SeedContext(client, aws_endpoint, region, table_name, user_pool_id, prices, int(time.time()))
    with ThreadPoolExecutor(len(users) + 1) as pool:
        portal = pool.submit(
            configure_portal,
            gateway,
            aws_endpoint=aws_endpoint,
            region=region,
            table_name=table_name,
            web_url=web_url,
        )
        team = pool.submit(_seed_team, ctx) if with_team else None
        entries = list(pool.map(lambda u: _seed_user(ctx, u), users))
        portal.result()
        if team is not None:
            entries += team.result()
    return entries
