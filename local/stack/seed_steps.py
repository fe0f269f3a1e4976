"""The seed's building blocks: the demo user and context types, and the Stripe and table steps scenarios use.

Customers, cards, subscriptions (flexible billing mode, as the product creates them), test clocks advanced
and polled until ready, the mapping items written by the core's ``link_customer``, and the entitlement record
stored as the webhook would store it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import stripe
from billing_core.catalog.model import get_catalog
from billing_core.entitlement_sync import link_customer
from billing_core.entitlements import EntitlementStore, derive_entitlements
from billing_core.identity import personal_account_id
from stripe.params import CustomerCreateParams, SubscriptionCreateParams, SubscriptionCreateParamsItem

from . import aws

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


@dataclass
class SeedContext:
    stripe: stripe.StripeClient
    aws_endpoint: str
    region: str
    table_name: str
    user_pool_id: str
    prices: dict[str, str]  # lookup_key -> price id
    now: int


def customer(ctx: SeedContext, user: DemoUser, sub: str, clock: str | None = None) -> Any:
    params: CustomerCreateParams = {
        "email": user.username,
        "name": user.name,
        "metadata": {"user_sub": sub, "demo_scenario": user.scenario},
        "address": {"line1": "1 Demo Street", "city": "Springfield", "postal_code": "12345", "country": "US"},
    }
    if clock:
        params["test_clock"] = clock
    return ctx.stripe.v1.customers.create(params=params)


def card(ctx: SeedContext, customer: str, token: str, default: bool = False) -> str:
    pm = ctx.stripe.v1.payment_methods.attach(token, params={"customer": customer})
    if default:
        ctx.stripe.v1.customers.update(customer, params={"invoice_settings": {"default_payment_method": pm.id}})
    return str(pm.id)


def subscribe(
    ctx: SeedContext,
    customer: str,
    lookup_key: str,
    *,
    quantity: int | None = None,
    trial_period_days: int | None = None,
) -> Any:
    item: SubscriptionCreateParamsItem = {"price": ctx.prices[lookup_key]}
    if quantity is not None:
        item["quantity"] = quantity
    params: SubscriptionCreateParams = {"customer": customer, "items": [item], "billing_mode": {"type": "flexible"}}
    if trial_period_days is not None:
        params["trial_period_days"] = trial_period_days
    return ctx.stripe.v1.subscriptions.create(params=params)


def new_clock(ctx: SeedContext, start: int, name: str) -> str:
    return str(ctx.stripe.v1.test_helpers.test_clocks.create(params={"frozen_time": start, "name": name}).id)


def advance(ctx: SeedContext, clock: str, targets: list[int]) -> None:
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


def monthly_steps(start: int, end: int) -> list[int]:
    steps = list(range(start + 31 * DAY, end, 31 * DAY))
    return [*steps, end]


def link(ctx: SeedContext, sub: str, customer_id: str) -> None:
    """The personal account's two mapping items, written by the core's `link_customer` (the shape
    `billing_core.directory` uses).

    The webhook may have linked them first (the customer carries `metadata.user_sub` and the emulator delivers
    `customer.created`/`customer.updated` to the stack's webhook): the same mapping already there is fine."""

    link_account(ctx, personal_account_id(sub), customer_id)


def link_account(ctx: SeedContext, account_id: str, customer_id: str) -> None:

    outcome = link_customer(
        account_id, customer_id, table=ctx.table_name, dynamodb=aws.client("dynamodb", ctx.aws_endpoint, ctx.region)
    )
    if outcome not in ("linked", "exists"):
        raise SeedError(f"mapping {account_id} <-> {customer_id}: {outcome}")


def store_entitlements(ctx: SeedContext, account_id: str, subscription_id: str) -> str:
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
        now_for(ctx, subscription),
        past_due_since=past_due_since,
        version=int(time.time()),
    )
    store = EntitlementStore(ctx.table_name, aws.client("dynamodb", ctx.aws_endpoint, ctx.region))
    store.put_if_newer(account_id, record)
    return str(subscription.status)


def now_for(ctx: SeedContext, subscription: Any) -> int:
    clock = subscription.to_dict().get("test_clock")
    if clock:
        return int(ctx.stripe.v1.test_helpers.test_clocks.retrieve(str(clock)).frozen_time)
    return int(time.time())
