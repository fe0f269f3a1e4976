"""The money oracle's actions: each goes through the product's routes (previewing first where the product
previews) and returns the ``Outcome`` the responses showed: charges due now and the next payment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.integration.plan_change.plan_change_setup import World
from tests.property.billing_states import CANCEL_BODY, Situation
from tests.property.oracle_reads import call_payment_methods, expect, read


@dataclass
class Outcome:
    """What the action's responses showed: charges now (invoice -> amount), and the next payment (date, amount)."""

    applied: bool
    label: str
    due_now: dict[str, int] = field(default_factory=dict)
    next_shown: list[tuple[str, int | None, int | None]] = field(default_factory=list)


# -- the actions -------------------------------------------------------------------------------------------------
def _refused(response: dict[str, Any], label: str) -> Outcome:
    status = response["statusCode"]
    expect(400 <= status < 500, f"api: {label} answered {status} (a refusal must be a clean 4xx): {response['body']}")
    code = ((response["json"] or {}).get("error") or {}).get("code")
    return Outcome(applied=False, label=f"{label} refused {status} {code}")


def act_change(world: World, sit: Situation, before: dict[str, Any]) -> Outcome:
    action = sit.scenario.action
    assert action.lookup_key is not None
    body: dict[str, Any] = {"price_lookup_key": action.lookup_key}
    if action.seats is not None:
        body["quantity"] = action.seats
    offered = _offered(sit, action.lookup_key)
    response = world.call("POST", "/billing/subscription/preview", sub=sit.sub, body=body, key=None)
    if offered is not None:
        # A change the plans page offers is refused only as a conflict that says why (past due, canceling ...).
        expect(
            response["statusCode"] in (200, 409),
            f"api: GET /billing/plans offers {action.lookup_key} as {offered}; the preview answered "
            f"{response['statusCode']}: {response['body']}",
        )
    if response["statusCode"] != 200:
        return _refused(response, "preview")
    preview = response["json"]
    amounts = [line["amount"] for line in preview["lines"]]
    expect(
        sum(amounts) + preview["tax"] == preview["total"],
        f"H1: preview lines {amounts} (+ tax {preview['tax']}) add up to {sum(amounts) + preview['tax']}, "
        f"the preview's total is {preview['total']} "
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
            # Stripe keeps discounts off the lines (total_discount_amounts): the preview shows them as lines.
            discounts = [-int(d.amount) for d in invoice.total_discount_amounts or [] if int(d.amount)]
            invoiced = sorted([int(line.amount) for line in invoice.lines.data] + discounts)
            expect(
                invoiced == sorted(amounts),
                f"H1: the invoice's lines and discounts {invoiced} are not the preview's lines {sorted(amounts)}",
            )
            outcome.due_now[str(invoice.id)] = preview["amount_due_now"]
        else:
            expect(preview["amount_due_now"] == 0, f"H1: the preview showed {preview['amount_due_now']} due now")
    else:
        expect(result["effective_at"] == preview["effective_at"], "H1: the scheduled date is not the previewed one")
    outcome.next_shown.append(("preview", preview["next_billing_date"], preview["next_invoice_amount"]))
    return outcome


def _offered(sit: Situation, lookup_key: str) -> tuple[str, str] | None:
    """The (change kind, timing) GET /billing/plans shows for moving to ``lookup_key``; None if not offered."""
    plans = read("/billing/plans", sit.sub)
    for plan in plans["plans"]:
        for price in plan["prices"]:
            if price["lookup_key"] == lookup_key and price["change_kind"] and not price["current"]:
                return price["change_kind"], price["change_timing"]
    return None


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
