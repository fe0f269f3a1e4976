"""The money oracle: every amount and date the API shows is what the emulator then invoices and charges.

``check(world, situation)`` reads GET /billing, applies the scenario's action through the product's routes
(previewing first where the product previews), reads GET /billing again, then advances the test clock through
the next renewal and compares. Reliability ids:

* H1 a preview's lines add up to its total (discounts are lines of their own); what a confirmed change invoices
  is exactly its ``amount_due_now`` and its lines;
* H2 a refused action leaves no open invoice, no charge and no change;
* H3 the next payment shown (preview, GET /billing) is the renewal invoice Stripe then creates: same date, same
  amount;
* H4 GET /billing right after a mutation shows the new plan and entitlements;
* pauses (``oracle_pause``): the credit and the resumption invoice are what the previews and GET /billing showed.

And nothing is charged that was not shown: every payment between the action and the renewal is one shown figure.
"""

from __future__ import annotations

from typing import Any

from billing_core.entitlement_sync import EntitlementSync

from tests.integration.plan_change.plan_change_setup import World
from tests.property.billing_states import Situation
from tests.property.oracle_actions import ACTIONS, Outcome
from tests.property.oracle_pause import act_pause
from tests.property.oracle_reads import (
    expect,
    open_invoices,
    overview,
    paid_amounts,
    stripe_state,
    subscription_view,
    succeeded_intents,
)

ALL_ACTIONS = {**ACTIONS, "pause": act_pause}
FINALIZE = 2 * 3600  # renewal invoices stay draft about an hour before they are finalized and charged


# -- the checks -------------------------------------------------------------------------------------------------
def check_read_your_writes(world: World, sit: Situation, after: dict[str, Any]) -> None:
    """H4: GET /billing right after a mutation shows Stripe's new state."""
    expected = EntitlementSync().expected(sit.customer)
    shown = after["entitlements"]
    for name in ("plan", "status", "entitled", "cancel_at_period_end"):
        expect(
            shown[name] == getattr(expected, name),
            f"H4: GET /billing right after the action shows entitlements {name}={shown[name]!r}, "
            f"Stripe's state gives {getattr(expected, name)!r}",
        )
    view = subscription_view(after, sit.subscription)
    if view is not None and sit.subscription is not None:
        item = world.subscription(sit.subscription)["items"].data[0]
        expect(
            (view["price_lookup_key"], view["quantity"]) == (item.price.lookup_key, int(item.quantity)),
            f"H4: GET /billing shows {view['price_lookup_key']} x{view['quantity']}, "
            f"Stripe has {item.price.lookup_key} x{item.quantity}",
        )


def check(world: World, sit: Situation) -> str:
    """Run the scenario's action and every check; returns a one-line summary (raises OracleMismatch)."""
    cus = sit.customer
    before = overview(sit.sub)
    paid_before, open_before = paid_amounts(world, cus), open_invoices(world, cus)
    intents_before, state_before = succeeded_intents(world, cus), stripe_state(world, sit)
    invoices_before = {str(i.id) for i in world.invoices(cus)}

    outcome = ALL_ACTIONS[sit.scenario.action.kind](world, sit, before)
    if not outcome.applied and sit.scenario.action.kind != "wait":
        new_open = open_invoices(world, cus) - open_before
        expect(not new_open, f"H2: {outcome.label} left open invoices {sorted(new_open)}")
        expect(stripe_state(world, sit) == state_before, f"H2: {outcome.label} changed {state_before}")
        expect(paid_amounts(world, cus) == paid_before, f"H2: {outcome.label} charged the customer")
    after = overview(sit.sub)
    if outcome.applied:
        check_read_your_writes(world, sit, after)
    view = subscription_view(after, sit.subscription)
    if view is not None and view["next_billing_date"] is not None:
        outcome.next_shown.append(("GET /billing", view["next_billing_date"], view["next_invoice_amount"]))
    renewal = _renew(world, sit, outcome, invoices_before)
    _check_charges(world, sit, outcome, paid_before, intents_before, renewal)
    return f"{outcome.label}; next {outcome.next_shown}; renewal {renewal}"


def _horizon(world: World, sit: Situation, outcome: Outcome) -> int | None:
    dates = [date for _, date, _ in outcome.next_shown if date is not None]
    if dates:
        return max(dates)
    if sit.subscription is None:
        return None
    s = world.subscription(sit.subscription)
    if s.status in ("canceled", "incomplete_expired", "incomplete"):
        return None
    ends = [int(s["items"].data[0].current_period_end)] + ([int(s.trial_end)] if s.status == "trialing" else [])
    return min(ends)


def _ended_by_dunning(world: World, sit: Situation) -> bool:
    if sit.subscription is None:
        return False
    s = world.subscription(sit.subscription)
    return bool(s.status == "canceled" and s.cancellation_details and s.cancellation_details.reason == "payment_failed")


def _renew(world: World, sit: Situation, outcome: Outcome, invoices_before: set[str]) -> tuple[int, int] | None:
    """H3: advance through the next renewal; it must be on the shown date for the shown amount."""
    horizon = _horizon(world, sit, outcome)
    if horizon is None:
        return None
    world.advance(sit.clock, horizon + FINALIZE)
    cycle = [
        i
        for i in world.invoices(sit.customer)
        if str(i.id) not in invoices_before and i.billing_reason == "subscription_cycle"
    ]
    shown = [(label, date, amount) for label, date, amount in outcome.next_shown if date is not None]
    if shown and not cycle and _ended_by_dunning(world, sit):
        return None  # the next payment shown assumed the overdue invoice would be paid; dunning ended it first
    if not shown:
        expect(not cycle, f"H3: a renewal {[(i.created, i.amount_due) for i in cycle]} was invoiced; none was shown")
        return None
    expect(
        len(cycle) == 1,
        f"H3: expected one renewal at {shown}, Stripe invoiced {[(i.created, i.amount_due) for i in cycle]}",
    )
    invoice = cycle[0]
    actual = (int(invoice.created), int(invoice.amount_due))
    for label, date, amount in shown:
        expect(date == actual[0], f"H3: {label} showed the next payment on {date}, Stripe renewed on {actual[0]}")
        if amount is not None:
            expect(amount == actual[1], f"H3: {label} showed a next payment of {amount}, Stripe invoiced {actual[1]}")
    amounts = [amount for _, _, amount in shown if amount is not None]
    if amounts:
        outcome.due_now.setdefault(str(invoice.id), amounts[0])
    return actual


def _check_charges(
    world: World,
    sit: Situation,
    outcome: Outcome,
    paid_before: dict[str, int],
    intents_before: dict[str, int],
    renewal: tuple[int, int] | None,
) -> None:
    """Nothing is charged that was not shown: each payment is a shown figure for that invoice."""
    charged = {
        inv: amount - paid_before.get(inv, 0)
        for inv, amount in paid_amounts(world, sit.customer).items()
        if amount > paid_before.get(inv, 0)
    }
    for invoice_id, amount in charged.items():
        shown = outcome.due_now.get(invoice_id)
        expect(
            shown == amount,
            f"charge: {amount} charged on {invoice_id} after {outcome.label}; shown for it: {shown} "
            f"(all shown figures {outcome.due_now})",
        )
    intents = {k: v for k, v in succeeded_intents(world, sit.customer).items() if k not in intents_before}
    expect(
        sum(intents.values()) == sum(charged.values()),
        f"charge: payments of {sorted(intents.values())} succeeded, "
        f"the invoices account for {sorted(charged.values())}",
    )
