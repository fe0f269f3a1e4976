"""Subscription schedules: phases built from a subscription, the phase change when time reaches a phase end,
and `end_behavior` (release keeps the subscription going on its last phase; cancel ends it)."""

from __future__ import annotations

from typing import Any

from ..backend import Backend
from ..errors import invalid_request
from ..models.base import present
from ..models.subscriptions import Subscription, SubscriptionSchedule
from . import common
from . import subscription_core as core
from .cancel import cancel_subscription


def phase_items(b: Backend, specs: list[dict[str, Any]], param: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, spec in enumerate(specs):
        pr = common.price(b, spec.get("price"), param=f"{param}[items][{i}][price]")
        out.append(
            {
                "billing_thresholds": None,
                "discounts": [],
                "metadata": spec.get("metadata") or {},
                "plan": pr["id"],
                "price": pr["id"],
                "quantity": int(spec.get("quantity") or 1),
                "tax_rates": [],
            }
        )
    return out


def phase_discounts(b: Backend, specs: Any, param: str) -> list[dict[str, Any]]:
    """Phase `discounts` as Stripe renders them ({coupon, discount, promotion_code}); each reference must exist.
    They become the subscription's discounts when the phase starts (`apply_discounts`). A phase given without
    `discounts` "inherits the discount from the subscription's customer" (SubscriptionScheduleUpdateParamsPhase);
    the emulator's customers carry none, so such a phase has no discounts."""
    out = []
    for i, spec in enumerate(specs or []):
        row: dict[str, Any] = {"coupon": None, "discount": None, "promotion_code": None}
        for key, kind in (("discount", "discount"), ("coupon", "coupon"), ("promotion_code", "promotion_code")):
            if spec.get(key):
                row[key] = b.get(spec[key], kind, param=f"{param}[discounts][{i}][{key}]")["id"]
                break
        else:
            raise invalid_request(
                "Each discount needs one of coupon, discount or promotion_code.", param=f"{param}[discounts][{i}]"
            )
        out.append(row)
    return out


def apply_discounts(b: Backend, sub: Subscription, phase: dict[str, Any], at: int) -> None:
    """The phase's discounts become the subscription's (an existing discount is reused, a coupon redeemed)."""
    specs = [{k: v for k, v in d.items() if v} for d in phase.get("discounts") or []]
    sub["discounts"] = common.make_discounts(
        b,
        specs,
        customer=sub["customer"],
        subscription=sub["id"],
        start=at,
        redeem=True,
        existing=sub.get("discounts"),
    )


def start_trial(b: Backend, sub: Subscription, phase: dict[str, Any], at: int) -> None:
    """A phase with `trial_end` after its start puts the subscription on trial from `at` until then."""
    te = phase.get("trial_end")
    if not te or te <= at:
        return
    sub.update({"status": "trialing", "trial_start": at, "trial_end": te, "billing_cycle_anchor": te})
    sub["_trial_will_end_sent"] = te - at <= common.TRIAL_WILL_END_S
    core.set_period(sub, at, te)


def new_phase(
    b: Backend,
    sub: Subscription,
    items: list[dict[str, Any]],
    start: int,
    end: int | None,
    proration_behavior: str = "create_prorations",
    metadata: Any = None,
    discounts: list[dict[str, Any]] | None = None,
    trial_end: int | None = None,
) -> dict[str, Any]:
    return {
        "add_invoice_items": [],
        "application_fee_percent": None,
        "automatic_tax": None,
        "billing_cycle_anchor": None,
        "billing_thresholds": None,
        "collection_method": None,
        "currency": sub["currency"],
        "default_payment_method": None,
        "default_tax_rates": [],
        "description": None,
        "discounts": list(discounts or []),
        "end_date": end,
        "invoice_settings": None,
        "items": items,
        "metadata": metadata or {},
        "on_behalf_of": None,
        "proration_behavior": proration_behavior,
        "start_date": start,
        "transfer_data": None,
        "trial": None,
        "trial_end": trial_end,
    }


def set_phases(b: Backend, sched: SubscriptionSchedule, sub: Subscription, specs: list[dict[str, Any]]) -> None:
    """Replace the phases; the first keeps its start, each later one starts where the previous ends."""
    now = b.now_for_customer(sub["customer"])
    phases = []
    start = sched["phases"][0]["start_date"] if sched["phases"] else now
    for i, spec in enumerate(specs):
        if spec.get("start_date") not in (None, "now") and i == 0:
            start = int(spec["start_date"])
        items = phase_items(b, spec.get("items") or [], f"phases[{i}]")
        if not items:
            raise invalid_request("Missing required param: phases[{i}][items].", param=f"phases[{i}][items]")
        end = spec.get("end_date")
        if end == "now":
            end = now
        if end is None and spec.get("duration"):
            d = spec["duration"]
            end = common.add_interval(start, d["interval"], int(d.get("interval_count") or 1))
        if end is None and i < len(specs) - 1:
            interval, count = common.recurring(common.price(b, items[0]["price"]))
            end = common.add_interval(start, interval, count, int(spec.get("iterations") or 1))
        if end is not None and int(end) <= start:
            raise invalid_request("Phase end_date must be after its start_date.", param=f"phases[{i}][end_date]")
        trial_end = spec.get("trial_end")
        trial_end = now if trial_end == "now" else (int(trial_end) if trial_end not in (None, "") else None)
        if spec.get("trial") and end is not None:
            trial_end = int(end)
        if trial_end is not None and not (start <= trial_end and (end is None or trial_end <= int(end))):
            raise invalid_request("The phase's trial_end must be within the phase.", param=f"phases[{i}][trial_end]")
        phases.append(
            new_phase(
                b,
                sub,
                items,
                start,
                int(end) if end is not None else None,
                spec.get("proration_behavior") or "create_prorations",
                spec.get("metadata"),
                phase_discounts(b, spec.get("discounts") or [], f"phases[{i}]"),
                trial_end,
            )
        )
        if end is None:
            break
        start = int(end)
    sched["phases"] = phases
    cur = phases[0]
    sched["current_phase"] = {"end_date": cur["end_date"], "start_date": cur["start_date"]} if cur["end_date"] else None
    if cur["start_date"] <= now and sched["status"] == "active":
        apply_discounts(b, sub, cur, now)  # the running phase's discounts hold from now on


def advance_phase(b: Backend, sched: SubscriptionSchedule, at: int) -> None:
    """The current phase ended at `at`: apply the next phase's items, or run the end behavior."""
    sub = b.objects[present(sched["subscription"])]
    idx = next(
        (
            i
            for i, ph in enumerate(sched["phases"])
            if ph["start_date"] == present(sched["current_phase"])["start_date"]
        ),
        0,
    )
    if idx + 1 < len(sched["phases"]):
        nxt = sched["phases"][idx + 1]
        before = b.render(sub)
        old = {i["price"]["id"]: i for i in core.items(sub)}
        keep = set()
        for spec in nxt["items"]:
            pr = common.price(b, spec["price"])
            it = old.get(pr["id"])
            if it is None and len(old) == 1 and len(nxt["items"]) == 1:
                it = next(iter(old.values()))
                core.set_price(it, b, pr)
            if it is None:
                it = core.new_item(b, sub, pr, spec["quantity"])
                core.items(sub).append(it)
            it["quantity"] = spec["quantity"]
            keep.add(it["id"])
        for it in list(core.items(sub)):
            if it["id"] not in keep:
                core.items(sub).remove(it)
                b.delete(it["id"])
        sub["items"]["total_count"] = len(core.items(sub))
        core.set_period(sub, sub["_period"][0], sub["_period"][1])
        apply_discounts(b, sub, nxt, at)
        start_trial(b, sub, nxt, at)
        sched["current_phase"] = (
            {"end_date": nxt["end_date"], "start_date": nxt["start_date"]} if nxt["end_date"] else None
        )
        b.emit("subscription_schedule.updated", sched)
        core.emit_updated(b, sub, before)
        if nxt["end_date"] is None:
            release(b, sched, completed=True)
        return
    if sched["end_behavior"] == "cancel":
        sched.update({"status": "completed", "completed_at": at, "current_phase": None})
        b.emit("subscription_schedule.completed", sched)
        cancel_subscription(b, sub["id"], {})
    else:
        release(b, sched, completed=True)


def release(b: Backend, sched: SubscriptionSchedule, *, completed: bool = False, request_id: str | None = None) -> None:
    now = b.now_for_customer(sched["customer"])
    sub = b.objects.get(sched["subscription"] or "")
    if sub is not None:
        before = b.render(sub)
        sub["schedule"] = None
        core.emit_updated(b, sub, before, request_id)
    if completed:
        sched.update({"status": "completed", "completed_at": now, "current_phase": None})
        b.emit("subscription_schedule.completed", sched, request_id=request_id)
    sched.update(
        {
            "status": "released",
            "released_at": now,
            "released_subscription": sched["subscription"],
            "subscription": None,
            "current_phase": None,
        }
    )
    b.emit("subscription_schedule.released", sched, request_id=request_id)
