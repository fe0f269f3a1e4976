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
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import stripe
from billing_core.store.portal_config import PortalConfigStore
from billing_core.stripe_client import build_stripe_client
from billing_core.stripe_gateway import StripeGateway

from admin.catalog_sync import sync_catalog as core_sync_catalog
from admin.portal_config import PortalConfigurator
from admin.portal_desired import PortalSettings

from . import aws
from .seed_scenarios import SCENARIOS, seed_team
from .seed_steps import DEMO_PASSWORD, DemoUser, SeedContext, SeedError, store_entitlements

log = logging.getLogger("local.seed")

DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("active-pro", "Ada Active", "active"),
    DemoUser("trialing", "Tom Trial", "trialing"),
    DemoUser("past-due", "Pat Pastdue", "past_due"),
    DemoUser("canceling", "Cleo Canceling", "active"),
    DemoUser("business-seats", "Bea Business", "active"),
    DemoUser("paused", "Paula Paused", "paused"),
    DemoUser("no-customer", "Nico Newcomer", None),
)


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


def _seed_user(ctx: SeedContext, user: DemoUser) -> dict[str, Any]:
    sub = aws.create_user(ctx.aws_endpoint, ctx.user_pool_id, user.username, DEMO_PASSWORD, user.name, ctx.region)
    entry: dict[str, Any] = {"username": user.username, "password": DEMO_PASSWORD, "scenario": user.scenario}
    scenario = SCENARIOS.get(user.scenario)
    if scenario is None:
        return entry
    subscription_id = scenario(ctx, user, sub)
    status = store_entitlements(ctx, f"p_{sub}", subscription_id)
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
        team = pool.submit(seed_team, ctx) if with_team else None
        entries = list(pool.map(lambda u: _seed_user(ctx, u), users))
        portal.result()
        if team is not None:
            entries += team.result()
    return entries
