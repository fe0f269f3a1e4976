"""Time passing: renewals, trial ends, retries, cancellations, pending-update expiry and schedule phases.

`advance(b, clock_id, to)` walks every due event of the clock's customers in time order, moving the clock's
`frozen_time` to each event's instant before processing it. A renewal invoice (period boundary or trial end) is
created as a draft at the boundary and finalized and charged `FINALIZE_AFTER_S` (one hour) later, as Stripe does
with `auto_advance` subscription invoices ("Subscription invoices: Stripe finalizes ... about 1 hour after
creation"); the first invoice and `always_invoice` invoices are finalized at once. Failed automatic charges
are retried 3, 5 and 7 days after the first failure (`common.RETRY_DAYS`); after the last one the subscription
becomes `canceled` (default) or `unpaid` (`common.settings(b)["after_final_failure"]`).
"""

from __future__ import annotations

import heapq
from typing import Any

from ..backend import Backend
from . import common, invoicing, pause, resume, schedules
from . import subscription_core as core
from .cancel import cancel_subscription

#: How long a renewal invoice stays a draft before it is finalized and charged.
FINALIZE_AFTER_S = 3600

_ORDER = {
    "incomplete_expire": 0,
    "pending_expire": 1,
    "finalize": 2,
    "retry": 2,
    "trial_will_end": 3,
    "phase": 4,
    "cancel_at": 5,
    "trial_end": 6,
    "period_end": 7,
    "resumption_expire": 1,
    "auto_resume": 7,
}


def _sub_events(b: Backend, sub: dict[str, Any]) -> list[tuple[int, str, str]]:
    st, sid = sub["status"], sub["id"]
    out: list[tuple[int, str, str]] = []
    if st in ("canceled", "incomplete_expired"):
        return out
    if st == "incomplete":
        if sub.get("_incomplete_expires_at"):
            out.append((sub["_incomplete_expires_at"], "incomplete_expire", sid))
        return out
    if sub.get("pending_update"):
        out.append((sub["pending_update"]["expires_at"], "pending_expire", sid))
    if st == "paused":
        if sub.get("cancel_at"):  # a cancellation asked for still happens (at period end included)
            out.append((sub["cancel_at"], "cancel_at", sid))
        return out + resume.lifecycle_events(sub)
    if st == "trialing" and sub.get("trial_end"):
        if not sub.get("_trial_will_end_sent"):
            out.append((sub["trial_end"] - common.TRIAL_WILL_END_S, "trial_will_end", sid))
        out.append((sub["trial_end"], "trial_end", sid))
    else:
        out.append((sub["_period"][1], "period_end", sid))
    if sub.get("cancel_at") and sub["cancel_at"] != sub["_period"][1]:
        out.append((sub["cancel_at"], "cancel_at", sid))
    sched = b.objects.get(sub.get("schedule") or "")
    if sched and sched["status"] == "active" and sched.get("current_phase"):
        out.append((sched["current_phase"]["end_date"], "phase", sched["id"]))
    return out


def customer_events(b: Backend, customer: str) -> list[tuple[int, str, str]]:
    """One customer's pending events (from the by-customer index: the cost does not grow with the account)."""
    events: list[tuple[int, str, str]] = []
    for sub in b.all("subscription", customer=customer):
        events.extend(_sub_events(b, sub))
    for inv in b.all("invoice", where=lambda i: i["status"] in ("open", "draft"), customer=customer):
        if inv["status"] == "open" and inv.get("next_payment_attempt"):
            events.append((inv["next_payment_attempt"], "retry", inv["id"]))
        elif inv["status"] == "draft" and inv.get("auto_advance") and inv.get("automatically_finalizes_at"):
            events.append((inv["automatically_finalizes_at"], "finalize", inv["id"]))
    return sorted(events, key=lambda e: (e[0], _ORDER[e[1]]))


def renew(b: Backend, sub: dict[str, Any], start: int, *, reason: str = "subscription_cycle") -> None:
    """Start the period beginning at `start` and bill it (draft only while unpaid)."""
    interval, count = sub["_interval"]
    before = b.render(sub)
    end = common.period_end_after(sub["billing_cycle_anchor"], start, interval, count)
    core.set_period(sub, start, end)
    inv = core.sub_invoice(b, sub, reason=reason, period=(start, end), cycle_lines=True)
    core.emit_updated(b, sub, before)
    if sub["status"] == "unpaid":
        inv["auto_advance"] = False
        return
    inv["automatically_finalizes_at"] = start + FINALIZE_AFTER_S


def finalize_draft(b: Backend, inv: dict[str, Any]) -> None:
    """A renewal draft's hour is up: finalize it and charge it automatically (off session)."""
    inv["automatically_finalizes_at"] = None
    sub = b.objects.get(invoicing.subscription_of(inv) or "")
    if sub is None or sub["status"] in ("canceled", "incomplete_expired"):
        invoicing.finalize(b, inv)
        if inv["status"] == "open":
            invoicing.attempt(b, inv, automatic=True, off_session=True)
        return
    core.collect(b, sub, inv, off_session=True, automatic=True)


def process(b: Backend, kind: str, target_id: str, at: int) -> None:
    if kind == "retry":
        inv = b.objects[target_id]
        inv["_retries_done"] = inv.get("_retries_done", 0) + 1
        inv["next_payment_attempt"] = None
        invoicing.attempt(b, inv, automatic=True, off_session=True)
        return
    if kind == "finalize":
        finalize_draft(b, b.objects[target_id])
        return
    if kind == "phase":
        schedules.advance_phase(b, b.objects[target_id], at)
        return
    sub = b.objects[target_id]
    before = b.render(sub)
    if kind == "incomplete_expire":
        sub["status"] = "incomplete_expired"
        sub["ended_at"] = at
        for open_inv in b.all(
            "invoice", where=lambda i: invoicing.subscription_of(i) == sub["id"], customer=sub["customer"]
        ):
            if open_inv["status"] == "open":
                invoicing.void(b, open_inv)
        core.emit_updated(b, sub, before)
    elif kind == "pending_expire":
        pending = sub.get("_pending") or {}
        pending_inv = b.objects.get(pending.get("invoice") or "")
        if pending_inv is not None and pending_inv["status"] == "open":
            invoicing.void(b, pending_inv)  # emits pending_update_expired through after_invoice_closed
        else:
            sub["pending_update"], sub["_pending"] = None, None
            b.emit("customer.subscription.pending_update_expired", sub)
            core.emit_updated(b, sub, before)
    elif kind == "trial_will_end":
        sub["_trial_will_end_sent"] = True
        b.emit("customer.subscription.trial_will_end", sub)
    elif kind == "resumption_expire":
        resume.expire_resumption(b, sub)
    elif kind == "auto_resume":
        resume.auto_resume(b, sub)
    elif kind == "trial_end":
        if sub.get("cancel_at_period_end") or sub.get("cancel_at") == at:
            cancel_subscription(b, sub["id"], {})
            return
        missing = sub["trial_settings"]["end_behavior"]["missing_payment_method"]
        if missing != "create_invoice" and not core.payment_method_of(b, sub):
            if missing == "pause":
                pause.trial_end_pause(b, sub, at)
            else:
                cancel_subscription(b, sub["id"], {}, reason="cancellation_requested")
            return
        sub["status"] = "active"
        sub["billing_cycle_anchor"] = at
        renew(b, sub, at)
    elif kind == "cancel_at":
        cancel_subscription(b, sub["id"], {"prorate": True})
    elif kind == "period_end":
        if sub.get("cancel_at_period_end") or sub.get("cancel_at") == at:
            cancel_subscription(b, sub["id"], {})
            return
        renew(b, sub, at)


def shortest_period(b: Backend, customers: set[str]) -> int | None:
    lengths = []
    for sub in b.all("subscription", where=lambda s: s["customer"] in customers):
        if sub["status"] in ("canceled", "incomplete_expired"):
            continue
        interval, count = sub["_interval"]
        lengths.append(common.add_interval(sub["_period"][0], interval, count) - sub["_period"][0])
    return min(lengths) if lengths else None


#: Events one customer may have processed in one advance before it is taken for a loop (a monthly subscription
#: advanced ten years has ~120 renewals, each with a few events).
MAX_EVENTS_PER_CUSTOMER = 10000


def advance(b: Backend, clock: dict[str, Any], to: int) -> None:
    """Move a test clock to `to`, processing every due event on the way (synchronously), in time order.

    An event changes only its own customer's subscriptions and invoices, so after processing one only that
    customer's pending events are derived again: the events wait in a heap ordered by (instant, kind's order,
    arrival), and a customer's older entries are dropped once its events have been derived again. The work is
    proportional to the events processed, not to events x customers (a 10,000-subscription renewal was quadratic
    when every event re-derived every customer's events). Within one customer the order is exactly the old global
    sort's; between customers at the same instant and kind it follows the heap's arrival order, which Stripe does
    not promise either."""
    customers = sorted(c["id"] for c in b.all("customer", where=lambda c: c.get("test_clock") == clock["id"]))
    heap: list[tuple[int, int, int, str, str, str, int]] = []
    version = dict.fromkeys(customers, 0)
    processed = dict.fromkeys(customers, 0)
    arrival = 0

    def derive(customer: str) -> None:
        nonlocal arrival
        for at, kind, target in customer_events(b, customer):
            if at <= to:
                heapq.heappush(heap, (at, _ORDER[kind], arrival, kind, target, customer, version[customer]))
                arrival += 1

    for customer in customers:
        derive(customer)
    while heap:
        at, _, _, kind, target, customer, seen = heapq.heappop(heap)
        if seen != version[customer]:
            continue  # derived again since: this entry may no longer be due
        clock["frozen_time"] = max(clock["frozen_time"], at)
        process(b, kind, target, at)
        processed[customer] += 1
        if processed[customer] > MAX_EVENTS_PER_CUSTOMER:
            raise RuntimeError(f"test clock advance did not converge for customer {customer}")
        version[customer] += 1
        derive(customer)
    clock["frozen_time"] = to
