"""Pause a subscription (`status=paused`), as API 2026-10-28.endive defines it; resuming is `billing/resume.py`.

Checked against stripe-python 16.1.0 (`params/_subscription_pause_params.py`, the `Subscription.pause` docstring,
`Subscription.status` / `status_details`, `TrialSettings.EndBehavior`), Stripe's changelog entries "Adds the ability
to pause and resume Subscriptions on demand" (endive 2026-09-30) and "Adds the subscription pause endpoint" (dahlia
2026-05-27), and the "Pause subscriptions" / "Pause payment collection" guides:

- Pause needs flexible billing mode, is refused when a schedule is attached ("Cannot pause subscriptions with
  attached schedules") and when `pause_collection` is set ("Subscriptions with paused collection can't move into
  status=paused"). A paused subscription "doesn't advance to a new billing period or generate invoices until it
  resumes" (`lifecycle._sub_events` schedules only its `cancel_at` and its resumption's events).
- `bill_for.unused_time_from`: `now` (default) credits the unused time from now, `item_current_period_start` the
  whole current period, `none` nothing; the credits are flexible-mode credits of what was debited
  (`billing_mode.credits`). `invoicing_behavior`: `pending_invoice_item` (default) leaves them pending for the next
  invoice (the resumption invoice), `invoice` invoices them at once (a negative total goes to the customer balance).
  `bill_for.outstanding_usage_through` is validated only: the emulator has no metered usage.
- Trial end without a payment method under `trial_settings.end_behavior.missing_payment_method=pause` pauses with
  `status_details.paused.subscription.type=trial_end_without_payment_method` (`trial_end_pause`).
"""

from __future__ import annotations

from typing import Any

from ..backend import Backend
from ..errors import StripeAPIError, invalid_request
from ..models.subscriptions import Subscription
from . import billing_mode
from . import subscription_core as core

PAUSABLE = ("active", "trialing", "past_due")
#: The emulator's code for a refused pause or resume: Stripe's documentation names none (see README fidelity notes).
NOT_ALLOWED = "subscription_pause_not_allowed"


def refuse(message: str, param: str | None = None) -> StripeAPIError:
    return invalid_request(message, param=param, code=NOT_ALLOWED)


def check_pausable(b: Backend, sub: Subscription) -> None:
    """Everything that forbids a pause, checked before any write."""
    if sub["status"] not in PAUSABLE:
        raise refuse(
            f"A subscription with status `{sub['status']}` cannot be paused; only active, trialing and past_due "
            "subscriptions can."
        )
    if not billing_mode.is_flexible(sub):
        raise refuse(
            "Pausing requires flexible billing mode. Migrate the subscription with "
            "`POST /v1/subscriptions/{id}/migrate` and `billing_mode[type]=flexible` first.",
        )
    sched = b.objects.get(sub.get("schedule") or "")
    if sched and sched.get("status") in ("active", "not_started"):
        raise refuse("You cannot pause a subscription that has a subscription schedule attached.")
    if sub.get("pause_collection"):
        raise refuse("You cannot pause a subscription whose payment collection is paused (`pause_collection`).")
    if sub.get("collection_method") != "charge_automatically":
        raise refuse(
            "Only subscriptions with `collection_method=charge_automatically` can be paused (others cannot resume)."
        )


#: What an update may not change while the subscription is paused (the emulator's choice, see the README).
PAUSED_FROZEN = ("items", "billing_cycle_anchor", "trial_end", "trial_from_plan", "proration_date")


def refuse_paused_changes(p: dict[str, Any]) -> None:
    """A paused subscription has no current period to prorate against: its items, anchor and trial change only
    after it resumes."""
    for key in PAUSED_FROZEN:
        if key in p:
            raise refuse(f"You cannot update `{key}` while the subscription is paused; resume it first.", param=key)


def _set_paused(b: Backend, sub: Subscription, reason: str, now: int) -> None:
    sub["status"] = "paused"
    sub["status_details"] = {
        "paused": {"subscription": {"type": reason}, "transitioned_at": now, "type": "subscription"}
    }


def pause_subscription(b: Backend, sub_id: str, p: dict[str, Any], request_id: str | None = None) -> Subscription:
    with b.lock:
        sub = b.get(sub_id, "subscription")
        check_pausable(b, sub)
        now = b.now_for_customer(sub["customer"])
        bill_for = p.get("bill_for") or {}
        unused = (bill_for.get("unused_time_from") or {}).get("type") or "now"
        how = p.get("invoicing_behavior") or "pending_invoice_item"
        before = b.render(sub)
        credit_at = {"now": now, "item_current_period_start": sub["_period"][0]}.get(unused)
        credits = []
        if credit_at is not None:
            for it in core.items(sub):
                credits += billing_mode.credits(b, sub, it["id"], credit_at)
        if how == "invoice" and credits:
            inv = core.sub_invoice(
                b, sub, reason="subscription_update", period=(now, now), cycle_lines=False, request_id=request_id
            )
            core.collect(b, sub, inv, off_session=True, automatic=False, request_id=request_id)
        _set_paused(b, sub, "pause_requested", now)
        sub["_resume_at"] = None
        b.emit("customer.subscription.paused", sub, request_id=request_id)
        core.emit_updated(b, sub, before, request_id)
        return sub


def trial_end_pause(b: Backend, sub: Subscription, at: int) -> None:
    """The trial ended without a payment method and `missing_payment_method=pause`: no invoice, no new period."""
    before = b.render(sub)
    _set_paused(b, sub, "trial_end_without_payment_method", at)
    b.emit("customer.subscription.paused", sub)
    core.emit_updated(b, sub, before)
