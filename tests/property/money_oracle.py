"""The money oracle: every amount and date the API shows is what the emulator then invoices and charges.

``check(world, situation)`` reads GET /billing, applies the scenario's action through the product's routes
(previewing first where the product previews), reads GET /billing again, then advances the test clock through
the next renewal and compares. Reliability ids:

* H1 a preview's lines add up to its total (discounts are lines of their own); what a confirmed change invoices
  is exactly its ``amount_due_now`` and its lines;
* H2 a refused action leaves no open invoice, no charge and no change;
* H3 the next payment shown (preview, GET /billing) is the renewal invoice Stripe then creates: same date, same
  amount;
* H4 GET /billing right after a mutation shows the new plan and entitlements.

And nothing is charged that was not shown: every payment between the action and the renewal is one shown figure.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from billing_core.entitlement_sync import EntitlementSync

from tests.helpers.apigw import http_event, invoke
from tests.integration.plan_change.pc_world import World
from tests.property.billing_states import CANCEL_BODY, Situation

FINALIZE = 2 * 3600  # renewal invoices stay draft about an hour before they are finalized and charged


@dataclass
class Outcome:
    """What the action's responses showed: charges now (invoice -> amount), and the next payment (date, amount)."""

    applied: bool
    label: str
    due_now: dict[str, int] = field(default_factory=dict)
    next_shown: list[tuple[str, int | None, int | None]] = field(default_factory=list)


class OracleMismatch(AssertionError):
    """A shown figure that is not what Stripe did; one subclass per property, so Hypothesis shrinks each apart."""


class PreviewMismatch(OracleMismatch):  # H1
    pass


class RefusalLeftState(OracleMismatch):  # H2
    pass


class NextPaymentMismatch(OracleMismatch):  # H3
    pass


class StaleRead(OracleMismatch):  # H4
    pass


class UnshownCharge(OracleMismatch):
    pass


class ApiAnswer(OracleMismatch):  # a 5xx, or an answer the contract does not allow
    pass


_KINDS = {
    "H1": PreviewMismatch,
    "H2": RefusalLeftState,
    "H3": NextPaymentMismatch,
    "H4": StaleRead,
    "charge": UnshownCharge,
    "api": ApiAnswer,
}


def expect(condition: bool, message: str) -> None:
    """Raise the mismatch named by the message's prefix (``H1:`` ... ``H4:``, ``charge:``, ``api:``)."""
    if not condition:
        raise _KINDS[message.split(":", 1)[0]](message)


# -- reading what the API shows and what Stripe holds ---------------------------------------------------------
def read(path: str, sub: str) -> dict[str, Any]:
    """A billing_read GET route as the web page calls it."""
    from billing_read.app import handler

    response = invoke(handler, http_event("GET", path, sub=sub))
    expect(response["statusCode"] == 200, f"api: GET {path} answered {response['statusCode']}: {response['body']}")
    return response["json"]


def overview(sub: str) -> dict[str, Any]:
    return read("/billing", sub)


def call_payment_methods(method: str, path: str, sub: str) -> dict[str, Any]:
    from payment_methods.app import handler

    headers = {"Idempotency-Key": f"k-{uuid.uuid4().hex}"}
    return invoke(handler, http_event(method, path, sub=sub, headers=headers))


def subscription_view(view: dict[str, Any], subscription_id: str | None) -> dict[str, Any] | None:
    return next((s for s in view["subscriptions"] if s["id"] == subscription_id), None)


def paid_amounts(world: World, cus: str) -> dict[str, int]:
    return {str(i.id): int(i.amount_paid or 0) for i in world.invoices(cus)}


def open_invoices(world: World, cus: str) -> set[str]:
    return {str(i.id) for i in world.invoices(cus) if i.status == "open"}


def succeeded_intents(world: World, cus: str) -> dict[str, int]:
    intents = world.stripe.v1.payment_intents.list(params={"customer": cus, "limit": 100}).data
    return {str(p.id): int(p.amount_received or 0) for p in intents if p.status == "succeeded"}


def stripe_state(world: World, sit: Situation) -> tuple[Any, ...] | None:
    if sit.subscription is None:
        subs = world.stripe.v1.subscriptions.list(params={"customer": sit.customer, "status": "all"}).data
        return tuple(sorted((str(s.id), str(s.status)) for s in subs))
    s = world.subscription(sit.subscription)
    item = s["items"].data[0]
    schedule = s.schedule if isinstance(s.schedule, str) or s.schedule is None else s.schedule.id
    return (s.status, item.price.lookup_key, int(item.quantity), bool(s.cancel_at_period_end), schedule)


# -- the actions -------------------------------------------------------------------------------------------------
def _refused(response: dict[str, Any], label: str) -> Outcome:
    status = response["statusCode"]
    expect(400 <= status < 500, f"api: {label} answered {status} (a refusal must be a clean 4xx): {response['body']}")
    return Outcome(applied=False, label=f"{label} refused {status} {response['json'] and response['json'].get('code')}")


def act_change(world: World, sit: Situation, before: dict[str, Any]) -> Outcome:
    action = sit.scenario.action
    assert action.lookup_key is not None
    body: dict[str, Any] = {"price_lookup_key": action.lookup_key}
    if action.seats is not None:
        body["quantity"] = action.seats
    response = world.call("POST", "/billing/subscription/preview", sub=sit.sub, body=body, key=None)
    if response["statusCode"] != 200:
        return _refused(response, "preview")
    preview = response["json"]
    amounts = [line["amount"] for line in preview["lines"]]
    expect(
        sum(amounts) == preview["total"],
        f"H1: preview lines {amounts} add up to {sum(amounts)}, the preview's total is {preview['total']} "
        f"(subtotal {preview['subtotal']}): a discount needs its own line",
    )
    response = world.change(preview["preview_id"], sub=sit.sub)
    if response["statusCode"] != 200:
        return _refused(response, f"change ({preview['change_kind']}, {preview['timing']})")
    result = response["json"]
    label = f"{preview['change_kind']} {preview['timing']} -> {result['status']}"
    expect(result["status"] in ("applied", "scheduled"), f"api: {label}: unexpected status with a working card")
    outcome = Outcome(applied=True, label=label)
    if result["status"] == "applied":
        expect(
            result["amount_invoiced"] in (None, preview["amount_due_now"]),
            f"H1: the change invoiced {result['amount_invoiced']}, the preview showed {preview['amount_due_now']}",
        )
        if result["invoice_id"]:
            invoice = world.stripe.v1.invoices.retrieve(result["invoice_id"])
            invoiced = sorted(int(line.amount) for line in invoice.lines.data)
            expect(invoiced == sorted(amounts), f"H1: invoice lines {invoiced} are not the preview's {amounts}")
            outcome.due_now[str(invoice.id)] = preview["amount_due_now"]
        else:
            expect(preview["amount_due_now"] == 0, f"H1: the preview showed {preview['amount_due_now']} due now")
    else:
        expect(result["effective_at"] == preview["effective_at"], "H1: the scheduled date is not the previewed one")
    outcome.next_shown.append(("preview", preview["next_billing_date"], preview["next_invoice_amount"]))
    return outcome


def act_cancel(world: World, sit: Situation, before: dict[str, Any]) -> Outcome:
    response = world.call("POST", "/billing/subscription/cancel", sub=sit.sub, body=CANCEL_BODY)
    if response["statusCode"] != 200:
        return _refused(response, "cancel")
    expect(response["json"]["status"] in ("canceling", "canceled"), f"api: cancel answered {response['json']}")
    return Outcome(applied=True, label=f"cancel -> {response['json']['status']}")


def act_resume(world: World, sit: Situation, before: dict[str, Any]) -> Outcome:
    response = world.call("POST", "/billing/subscription/resume", sub=sit.sub)
    if response["statusCode"] != 200:
        return _refused(response, "resume")
    return Outcome(applied=True, label="resume")


def act_wait(world: World, sit: Situation, before: dict[str, Any]) -> Outcome:
    return Outcome(applied=False, label="wait")


def act_subscribe(world: World, sit: Situation, before: dict[str, Any]) -> Outcome:
    action = sit.scenario.action
    plans = read("/billing/plans", sit.sub)
    price = next(p for plan in plans["plans"] for p in plan["prices"] if p["lookup_key"] == action.lookup_key)
    trial = next(plan["trial_days"] for plan in plans["plans"] for p in plan["prices"] if p is price)
    body: dict[str, Any] = {"price_lookup_key": action.lookup_key}
    if action.seats is not None:
        body["quantity"] = action.seats
    response = world.call("POST", "/billing/subscription", sub=sit.sub, body=body)
    if response["statusCode"] != 200:
        return _refused(response, "subscribe")
    result = response["json"]
    sit.subscription = result["subscription_id"]
    outcome = Outcome(applied=True, label=f"subscribe -> {result['status']}")
    shown = price["unit_amount"] * (action.seats or 1)
    if result["status"] == "active":
        expect(not trial, f"charge: subscribed without the {trial}-day trial the plans page shows")
        invoice = world.subscription(result["subscription_id"]).latest_invoice
        outcome.due_now[str(invoice if isinstance(invoice, str) else invoice.id)] = shown
    return outcome


def act_fix_card(world: World, sit: Situation, before: dict[str, Any]) -> Outcome:
    dunning = before["dunning"]
    expect(dunning["past_due"] and dunning["open_invoice"], f"api: GET /billing shows no dunning state: {dunning}")
    card = world.attach(sit.customer, "pm_card_visa", default=False)
    response = call_payment_methods("POST", f"/billing/payment-methods/{card}/default", sit.sub)
    if response["statusCode"] != 200:
        return _refused(response, "card fix")
    paid = {r["invoice"]: r["amount"] for r in response["json"]["overdue_invoices"] if r["status"] == "paid"}
    expect(
        paid == {dunning["open_invoice"]["id"]: dunning["amount_due"]},
        f"charge: the card fix paid {paid}; GET /billing showed {dunning['amount_due']} overdue",
    )
    return Outcome(applied=True, label="card fix and pay", due_now=dict(paid))


ACTIONS: dict[str, Callable[[World, Situation, dict[str, Any]], Outcome]] = {
    "change": act_change,
    "cancel": act_cancel,
    "resume": act_resume,
    "wait": act_wait,
    "subscribe": act_subscribe,
    "fix_card": act_fix_card,
}


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

    outcome = ACTIONS[sit.scenario.action.kind](world, sit, before)
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
