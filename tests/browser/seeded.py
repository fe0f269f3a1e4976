"""Demo scenarios seeded for one test under its own e-mail, so the shared demo users stay as they are."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import stripe
from billing_core.stripe_client import build_stripe_client
from billing_core.stripe_gateway import StripeGateway

from admin.catalog_sync import sync_catalog
from local.stack import seed_scenarios, seed_steps
from local.stack.aws import create_user


@dataclass(frozen=True)
class OwnSeededUser(seed_steps.DemoUser):
    """A demo scenario seeded for one test under its own e-mail."""

    email: str = ""

    @property
    def username(self) -> str:
        return self.email


def stripe_client(web_stack: dict[str, Any]) -> stripe.StripeClient:
    return stripe.StripeClient(web_stack["stripe_secret_key"], base_addresses={"api": web_stack["stripe_api_base"]})


def seed_own_user(web_stack: dict[str, Any], scenario: str, name: str) -> tuple[str, str, str]:
    """Seed `scenario` exactly as the offline stack seeds its demo user (a subscription made outside this API:
    flexible billing with Stripe's default ``proration_discounts=included``) for a new user.
    Returns (e-mail, password, Stripe customer id)."""
    client = stripe_client(web_stack)
    gateway = StripeGateway(client=build_stripe_client(web_stack["stripe_secret_key"], web_stack["stripe_api_base"]))
    ctx = seed_steps.SeedContext(
        client,
        web_stack["aws_endpoint_url"],
        web_stack["region"],
        web_stack["table_name"],
        web_stack["user_pool_id"],
        sync_catalog(gateway),  # adopts the catalog the stack already created: lookup_key -> price id
        int(time.time()),
    )
    email = f"{scenario}-{uuid.uuid4().hex[:8]}@example.com"
    user = OwnSeededUser(scenario, name, "active", email=email)
    password = seed_steps.DEMO_PASSWORD
    aws_url, pool = web_stack["aws_endpoint_url"], web_stack["user_pool_id"]
    sub = create_user(aws_url, pool, email, password, name, web_stack["region"])
    # Customer, card, subscription and mapping, as seeded; the webhook stores the entitlements.
    seed_scenarios.SCENARIOS[scenario](ctx, user, sub)
    (customer,) = client.v1.customers.list(params={"email": email}).data
    return email, password, customer.id
