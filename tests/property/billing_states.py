"""The billing state space of the money oracle: starting states, actions, and how to build a state on the emulator.

A ``Scenario`` is a starting ``BillingState`` (built through the emulator the way an operator would, on its own
test clock, and through the product's own routes where that is how a user gets there) plus an ``Action`` taken
at a fraction of the current period (or trial, or dunning window). ``scenarios()`` draws them for Hypothesis;
``build()`` makes one real on the emulator and returns the ``Situation`` the oracle checks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from billing_core.entitlement_sync import EntitlementSync
from hypothesis import strategies as st

from tests.integration.plan_change.plan_change_setup import DAY, START, World

MONTHLY = ("starter_monthly", "pro_monthly", "business_seat_monthly")
YEARLY = ("starter_yearly", "pro_yearly", "business_seat_yearly")
LOOKUP_KEYS = MONTHLY + YEARLY
TRIAL_KEYS = ("starter_monthly", "pro_monthly", "starter_yearly", "pro_yearly")  # the catalog's trial plans
KINDS = ("none", "trialing", "active", "past_due", "canceling", "scheduled_downgrade")
#: Period-end changes a user can schedule from a plan (downgrade, shorter interval, fewer seats).
SCHEDULABLE = {
    "pro_monthly": ("starter_monthly",),
    "pro_yearly": ("starter_yearly", "pro_monthly"),
    "business_seat_monthly": ("pro_monthly", "starter_monthly", "business_seat_monthly"),
    "business_seat_yearly": ("pro_yearly", "business_seat_monthly", "business_seat_yearly"),
    "starter_yearly": ("starter_monthly",),
}
#: The smart-retry stand-in gives up 7 days after the first failure: a past-due action happens before that.
DUNNING_WINDOW = 6 * DAY


def per_seat(lookup_key: str) -> bool:
    return lookup_key.startswith("business_")


@dataclass(frozen=True)
class BillingState:
    kind: str
    lookup_key: str = "pro_monthly"
    seats: int = 1
    card: bool = True
    coupon: str | None = None  # "percent" | "amount"
    mode: str = "classic"  # billing_mode.type: "classic" | "flexible"
    scheduled: tuple[str, int] | None = None  # scheduled_downgrade: (lookup key, seats)


@dataclass(frozen=True)
class Action:
    kind: str  # "wait" | "change" | "cancel" | "resume" | "subscribe" | "fix_card" | "pause"
    at: float  # fraction of the current period (trial; dunning window) when the action happens
    lookup_key: str | None = None
    seats: int | None = None


@dataclass(frozen=True)
class Scenario:
    state: BillingState
    action: Action


@dataclass
class Situation:
    """A built state: the user, their customer, clock and subscription, and the clock's time."""

    scenario: Scenario
    sub: str
    customer: str
    clock: str
    subscription: str | None
    now: int


# -- strategies ----------------------------------------------------------------------------------------------
SEATS = st.integers(min_value=3, max_value=8)
FRACTIONS = st.integers(min_value=1, max_value=19).map(lambda n: n / 20)


@st.composite
def billing_states(draw: st.DrawFn, kinds: tuple[str, ...] = KINDS) -> BillingState:
    kind = draw(st.sampled_from(kinds))
    mode = draw(st.sampled_from(("classic", "flexible")))
    if kind == "none":
        return BillingState(kind, card=draw(st.booleans()), mode=mode)
    keys = TRIAL_KEYS if kind == "trialing" else tuple(SCHEDULABLE) if kind == "scheduled_downgrade" else LOOKUP_KEYS
    key = draw(st.sampled_from(keys))
    seats = draw(SEATS) if per_seat(key) else 1
    card = draw(st.booleans()) if kind == "trialing" else True
    coupon = draw(st.sampled_from((None, "percent", "amount"))) if kind != "past_due" else None
    scheduled = None
    if kind == "scheduled_downgrade":
        target = draw(st.sampled_from(SCHEDULABLE[key]))
        target_seats = 1
        if per_seat(target):
            target_seats = draw(st.integers(3, seats - 1)) if target == key and seats > 3 else max(3, seats - 1)
            if target == key and target_seats >= seats:  # 3 seats cannot go down: schedule monthly instead
                target = "business_seat_monthly" if key.endswith("yearly") else "pro_monthly"
        scheduled = (target, target_seats)
    return BillingState(kind, key, seats, card, coupon, mode, scheduled)


def _actions_for(state: BillingState) -> st.SearchStrategy[Action]:
    at = FRACTIONS
    target = st.sampled_from(LOOKUP_KEYS)
    change = st.builds(
        lambda key, seats, fraction: Action("change", fraction, key, seats if per_seat(key) else None),
        target,
        SEATS,
        at,
    )
    if state.kind == "none":
        return st.builds(
            lambda key, seats, fraction: Action("subscribe", fraction, key, seats if per_seat(key) else None),
            target,
            SEATS,
            at,
        )
    if state.kind == "past_due":
        return st.one_of(st.builds(Action, st.just("fix_card"), at), change, st.builds(Action, st.just("cancel"), at))
    simple = st.builds(Action, st.sampled_from(("wait", "cancel", "resume", "pause")), at)
    return st.one_of(simple, change)


@st.composite
def scenarios(draw: st.DrawFn, kinds: tuple[str, ...] = KINDS) -> Scenario:
    state = draw(billing_states(kinds))
    return Scenario(state, draw(_actions_for(state)))


# -- building a state on the emulator --------------------------------------------------------------------------
def _coupon(world: World, kind: str) -> str:
    params: dict[str, Any] = {"duration": "forever", "name": f"{kind} off"}
    if kind == "percent":
        params["percent_off"] = 20
    else:
        params.update(amount_off=500, currency="usd")
    return str(world.stripe.v1.coupons.create(params=params).id)


def _period(world: World, subscription_id: str) -> tuple[int, int]:
    item = world.subscription(subscription_id)["items"].data[0]
    return int(item.current_period_start), int(item.current_period_end)


def _make_past_due(world: World, cus: str, subscription_id: str, clock: str) -> int:
    """The renewal fails on pm_card_chargeCustomerFail (customer and subscription default): returns its time."""
    failing = world.attach(cus, "pm_card_chargeCustomerFail")
    world.stripe.v1.subscriptions.update(subscription_id, params={"default_payment_method": failing})
    for pm in world.stripe.v1.customers.payment_methods.list(cus, params={"type": "card"}).data:
        if pm.id != failing:
            world.stripe.v1.payment_methods.detach(pm.id)
    _, end = _period(world, subscription_id)
    world.advance(clock, end + 2 * 3600)  # past the draft hour: finalized, charged, failed
    status = world.subscription(subscription_id).status
    assert status == "past_due", f"the failed renewal left the subscription {status}"
    return end + 2 * 3600


def build(world: World, scenario: Scenario) -> Situation:
    """Make ``scenario.state`` real for a fresh user on a fresh test clock, at ``scenario.action.at``."""
    state, at = scenario.state, scenario.action.at
    sub = f"oracle-{uuid.uuid4().hex[:12]}"
    clock = world.clock(START)
    cus = world.customer(sub, card="pm_card_visa" if state.card else None, clock=clock)
    if state.kind == "none":
        return Situation(scenario, sub, cus, clock, None, START)
    extra: dict[str, Any] = {"billing_mode": {"type": state.mode}, "metadata": {"user_sub": sub}}
    if state.coupon:
        extra["discounts"] = [{"coupon": _coupon(world, state.coupon)}]
    if state.kind == "trialing":
        extra["trial_period_days"] = 14
    subscription = str(world.subscribe(cus, state.lookup_key, state.seats, **extra).id)
    start, end = _period(world, subscription)
    if state.kind == "trialing":
        trial_end = int(world.subscription(subscription).trial_end)
        now = start + int(at * (trial_end - start))
    elif state.kind == "past_due":
        failed_at = _make_past_due(world, cus, subscription, clock)
        now = failed_at + int(at * DUNNING_WINDOW)
    else:
        now = start + int(at * (end - start))
    if now > START:
        world.advance(clock, now)
    situation = Situation(scenario, sub, cus, clock, subscription, now)
    if state.kind == "canceling":
        response = world.call("POST", "/billing/subscription/cancel", sub=sub, body=CANCEL_BODY)
        assert response["statusCode"] == 200 and response["json"]["status"] == "canceling", response["body"]
    if state.kind == "scheduled_downgrade" and state.scheduled:
        key, seats = state.scheduled
        preview = world.preview(key, seats if per_seat(key) else None, sub=sub)
        assert preview["timing"] == "period_end", preview
        response = world.change(preview["preview_id"], sub=sub)
        assert response["statusCode"] == 200 and response["json"]["status"] == "scheduled", response["body"]
    # The entitlement record the webhook would have stored for this state.
    EntitlementSync().sync(f"p_{sub}", cus, reason="oracle.seed")
    return situation


CANCEL_BODY = {"feedback": "other", "decline_offer": True}
