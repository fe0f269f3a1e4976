"""Resume a paused subscription, and the resumption invoice's outcomes, as API 2026-10-28.endive defines them.

Checked against stripe-python 16.1.0 (`params/_subscription_resume_params.py`, the `Subscription.resume` docstring,
`InvoiceCreatePreviewParamsSubscriptionDetails.resume_at`) and Stripe's changelog (endive 2026-09-30 "pause and
resume Subscriptions on demand", dahlia 2026-05-27 "subscription pause endpoint" for the `payment_behavior` values):

- `billing_cycle_anchor[type]` `now` (default; a new period billed in full, no prorations) or `unchanged` (the
  period surrounding now; `proration_behavior` decides the "Remaining time" charge: `create_prorations` leaves it
  pending, `always_invoice` invoices it, `none` charges nothing). Time already debited and not credited at pause is
  never charged twice. Resume is refused for `collection_method=send_invoice`.
- Without a resumption invoice the subscription is `active` at once. With one, Stripe finalizes it immediately and
  `payment_behavior` decides: `resume_on_payment_attempt` (default) makes no attempt in the request, the
  subscription stays `paused` until someone attempts payment (pay invoice): success -> `active`, failure ->
  `past_due` and no automatic retries; `resume_on_payment_success` attempts payment in the request, stays `paused`
  until a payment succeeds and retries failed payments on the usual schedule. Paid or marked uncollectible ->
  active; voided by hand -> stays paused; no payment attempt within 23 hours -> Stripe voids it, stays paused.
  While the invoice is open the subscription keeps its paused state (period, anchor); the new state is applied
  when it resumes.

Private state: `_resumption` {invoice, behavior, state (the subscription state to apply), expires_at, attempted,
prior_items} while a resumption invoice is open; `_resume_at` for a portal pause of a preset duration.
"""

from __future__ import annotations

from typing import Any

from ..backend import Backend
from ..errors import StripeAPIError, invalid_request
from ..models.base import present
from ..models.invoices import Invoice
from ..models.subscriptions import Subscription
from . import billing_mode, common, invoicing
from . import subscription_core as core
from .pause import refuse

RESUMPTION_EXPIRY_S = common.INCOMPLETE_EXPIRY_S  # 23 hours


def _surrounding_period(sub: Subscription, now: int) -> tuple[int, int]:
    """The period of the unchanged anchor that contains `now`."""
    start, end = sub["_period"]
    if now < end:
        return start, end
    interval, count = sub["_interval"]
    anchor, n = sub["billing_cycle_anchor"], 0
    while common.add_interval(anchor, interval, count, n + 1) <= now:
        n += 1
    return common.add_interval(anchor, interval, count, n), common.add_interval(anchor, interval, count, n + 1)


def _debited(sub: Subscription, item_id: str, at: int) -> bool:
    return any(d["item"] == item_id and d["start"] <= at < d["end"] for d in sub.get("_debits") or [])


def resume_subscription(b: Backend, sub_id: str, p: dict[str, Any], request_id: str | None = None) -> Subscription:
    with b.lock:
        sub = b.get(sub_id, "subscription")
        if sub["status"] != "paused":
            raise invalid_request("Only a paused subscription can be resumed.", code="subscription_not_paused")
        if sub.get("collection_method") != "charge_automatically":
            raise refuse("Resume is only available for subscriptions with `collection_method=charge_automatically`.")
        pending = b.objects.get((sub.get("_resumption") or {}).get("invoice") or "")
        if pending is not None and pending["status"] == "open":
            raise refuse(
                f"This subscription is already resuming: its resumption invoice {pending['id']} awaits payment. "
                "Pay it, void it or mark it uncollectible."
            )
        now = b.now_for_customer(sub["customer"])
        anchor = (p.get("billing_cycle_anchor") or {}).get("type") or "now"
        proration = p.get("proration_behavior") or "create_prorations"
        behavior = p.get("payment_behavior") or "resume_on_payment_attempt"
        trialing = (sub.get("trial_end") or 0) > now
        paused_state = core.state(sub)
        paused_render = b.render(sub)
        latest_before = sub.get("latest_invoice")
        prior_items = [ii["id"] for ii in invoicing.pending_items(b, sub["customer"], sub["id"])]
        inv = None
        if anchor == "now":
            interval, count = sub["_interval"]
            if trialing:
                sub["trial_end"] = now
            sub["billing_cycle_anchor"] = now
            core.set_period(sub, now, common.add_interval(now, interval, count))
            inv = core.sub_invoice(
                b, sub, reason="subscription_update", period=(now, sub["_period"][1]), cycle_lines=True
            )
        else:
            start, end = _surrounding_period(sub, now)
            at = int(p["proration_date"]) if p.get("proration_date") is not None else now
            if not start <= at <= end:
                raise invalid_request(
                    "The `proration_date` must be within the billing period the subscription resumes in.",
                    param="proration_date",
                )
            if (start, end) != tuple(sub["_period"]):
                core.set_period(sub, start, end)
            if proration != "none" and not trialing:
                for it in core.items(sub):
                    if not _debited(sub, it["id"], at):
                        pr = b.objects.get(it["price"]["id"]) or it["price"]
                        qty = int(it["quantity"] or 1)
                        billing_mode.charge(
                            b, sub, item_id=it["id"], price=pr, quantity=qty, at=at, period=(start, end)
                        )
            if proration == "always_invoice":
                inv = core.sub_invoice(b, sub, reason="subscription_update", period=(now, now), cycle_lines=False)
                if not inv["lines"]["data"]:
                    b.delete(inv["id"])
                    sub["latest_invoice"] = latest_before
                    inv = None
        if inv is None:
            _resume_now(b, sub, core.state(sub), before=paused_render, request_id=request_id)
            return sub
        if b.extra.get("_preview"):
            return sub  # create_preview shows the resumption invoice (a draft) and the state it would apply
        # A resumption invoice: the subscription stays paused (in its paused state) until the invoice decides.
        target = core.state(sub)
        core.restore(b, sub, paused_state)
        sub["latest_invoice"] = inv["id"]
        inv["_resumption_for"] = sub["id"]
        sub["_resumption"] = {
            "invoice": inv["id"],
            "behavior": behavior,
            "state": target,
            "expires_at": now + RESUMPTION_EXPIRY_S,
            "attempted": False,
            "prior_items": prior_items,
        }
        before = b.render(sub)
        core.consume_once(b, sub, inv)
        invoicing.finalize(b, inv, request_id=request_id)
        if inv["status"] == "open" and behavior == "resume_on_payment_success":
            invoicing.attempt(b, inv, off_session=True, automatic=False, request_id=request_id)
        if sub["status"] == "paused":
            core.emit_updated(b, sub, before, request_id)
        return sub


def _resume_now(
    b: Backend,
    sub: Subscription,
    target: dict[str, Any],
    *,
    status: str = "active",
    before: dict[str, Any] | None = None,
    request_id: str | None = None,
) -> None:
    """Apply the resumed state; `customer.subscription.resumed`, then `.updated` against `before` (default: now)."""
    before = before if before is not None else b.render(sub)
    latest = sub.get("latest_invoice")
    core.restore(b, sub, target)
    now = b.now_for_customer(sub["customer"])
    if status == "active" and (sub.get("trial_end") or 0) > now:
        status = "trialing"
    sub.update(
        {"status": status, "status_details": None, "_resumption": None, "_resume_at": None, "latest_invoice": latest}
    )
    b.emit("customer.subscription.resumed", sub, request_id=request_id)
    core.emit_updated(b, sub, before, request_id)


# --- reactions to the resumption invoice (called from invoice_outcomes.after_invoice_*) -------------------------


def _resuming(sub: Subscription, inv: Invoice) -> dict[str, Any] | None:
    res = sub.get("_resumption")
    if sub["status"] == "paused" and res and res.get("invoice") == inv["id"]:
        return res
    return None


def on_invoice_paid(b: Backend, sub: Subscription, inv: Invoice, request_id: str | None = None) -> bool:
    """True when `inv` was a paused subscription's resumption invoice (the subscription is active now)."""
    res = _resuming(sub, inv)
    if res is None:
        return False
    core.save_payment_method(b, sub, inv)
    _resume_now(b, sub, res["state"], request_id=request_id)
    return True


def on_invoice_failed(b: Backend, sub: Subscription, inv: Invoice, request_id: str | None = None) -> bool:
    """A failed payment on a resumption invoice; True when handled here."""
    res = _resuming(sub, inv)
    if res is None:
        return bool(sub["status"] == "paused")  # an older invoice of a paused subscription: it stays paused
    res["attempted"] = True
    if res["behavior"] == "resume_on_payment_attempt":
        inv["next_payment_attempt"] = None  # Stripe doesn't retry: the subscription resumes as past_due
        _resume_now(b, sub, res["state"], status="past_due", request_id=request_id)
        return True
    final = inv.get("_automatic") and inv.get("_retries_done", 0) >= len(common.RETRY_DAYS)
    if final or inv.get("next_payment_attempt") is None:
        invoicing.void(b, inv, request_id=request_id)  # retries exhausted: no payment, the subscription stays paused
    return True


def on_invoice_closed(b: Backend, sub: Subscription, inv: Invoice, request_id: str | None = None) -> bool:
    """Voided (by hand or after 23 hours): the subscription stays paused, nothing of the resumption is kept, and the
    invoice items that were pending before the resume (the pause's credit) are pending again, not lost."""
    res = _resuming(sub, inv)
    if res is None:
        return False
    for ii_id in res.get("prior_items") or []:
        ii = b.objects.get(ii_id)
        if ii is not None and ii.get("invoice") == inv["id"]:
            ii["invoice"] = None
    before = b.render(sub)
    sub["_resumption"] = None
    core.emit_updated(b, sub, before, request_id)
    return True


def on_invoice_uncollectible(b: Backend, inv: Invoice, request_id: str | None = None) -> None:
    sub = b.objects.get(invoicing.subscription_of(inv) or "")
    res = _resuming(sub, inv) if sub is not None else None
    if sub is not None and res is not None:
        _resume_now(b, sub, res["state"], request_id=request_id)


def expire_resumption(b: Backend, sub: Subscription) -> None:
    """23 hours without a payment attempt: Stripe voids the resumption invoice; the subscription stays paused."""
    res = sub.get("_resumption") or {}
    inv = b.objects.get(res.get("invoice") or "")
    if inv is not None and inv["status"] == "open":
        invoicing.void(b, inv)
    else:
        sub["_resumption"] = None


def auto_resume(b: Backend, sub: Subscription) -> None:
    """A portal pause of a preset duration ends: resume with a new period, paying at once (stays paused if the
    payment fails, retried on the usual schedule)."""
    sub["_resume_at"] = None
    try:
        resume_subscription(b, sub["id"], {"payment_behavior": "resume_on_payment_success"})
    except StripeAPIError:
        pass  # e.g. switched to send_invoice meanwhile: it stays paused, as a refused resume would leave it


def lifecycle_events(sub: Subscription) -> list[tuple[int, str, str]]:
    """Due events of a paused subscription (it generates no invoices and no periods)."""
    out: list[tuple[int, str, str]] = []
    res = sub.get("_resumption")
    if res and not res.get("attempted"):
        out.append((res["expires_at"], "resumption_expire", sub["id"]))
    elif sub.get("_resume_at") and not res:
        out.append((present(sub["_resume_at"]), "auto_resume", sub["id"]))
    return out
