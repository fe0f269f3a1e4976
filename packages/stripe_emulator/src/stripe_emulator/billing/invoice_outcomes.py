"""What a subscription does when one of its invoices is paid, fails, is voided or turns uncollectible.

`invoicing` settles invoices and calls up into this module (through `invoicing._outcomes()`); this module sits
above `subscription_core`, `resume` and `subscription_update`, which it uses to apply pending updates, resume a
paused subscription, move to past_due/unpaid or cancel after the final retry.
"""

from __future__ import annotations

import copy

from ..backend import Backend
from ..models.invoices import Invoice
from . import common, invoicing, resume
from . import subscription_core as core
from .cancel import cancel_subscription


def after_invoice_paid(b: Backend, inv: Invoice, request_id: str | None = None) -> None:
    sub = b.objects.get(invoicing.subscription_of(inv) or "")
    if sub is None or sub["status"] in ("canceled", "incomplete_expired"):
        return
    if resume.on_invoice_paid(b, sub, inv, request_id):
        return
    before = b.render(sub)
    core.save_payment_method(b, sub, inv)
    pending = sub.get("_pending")
    if pending and pending.get("invoice") == inv["id"]:
        core.restore(b, sub, pending["state"])
        sub.update(copy.deepcopy(pending.get("fields") or {}))  # metadata, discounts, cancel_at_period_end
        sub["pending_update"], sub["_pending"] = None, None
        b.emit("customer.subscription.pending_update_applied", sub, request_id=request_id)
    if sub["status"] in ("incomplete", "past_due", "unpaid"):
        still_open = [
            i
            for i in b.all(
                "invoice", where=lambda o: invoicing.subscription_of(o) == sub["id"], customer=sub["customer"]
            )
            if i["status"] == "open" and i["id"] != inv["id"] and not i.get("_pending_for")
        ]
        if not still_open:
            now = b.now_for_customer(sub["customer"])
            sub["status"] = "trialing" if sub.get("trial_end") and sub["trial_end"] > now else "active"
            sub.pop("_incomplete_expires_at", None)
    core.emit_updated(b, sub, before, request_id)


def after_invoice_failed(b: Backend, inv: Invoice, request_id: str | None = None) -> None:
    sub = b.objects.get(invoicing.subscription_of(inv) or "")
    if sub is None or inv.get("_pending_for") or sub["status"] in ("canceled", "incomplete_expired", "incomplete"):
        return
    if resume.on_invoice_failed(b, sub, inv, request_id):
        return
    before = b.render(sub)
    final = inv.get("_automatic") and inv.get("_retries_done", 0) >= len(common.RETRY_DAYS)
    if final:
        if common.settings(b)["after_final_failure"] == "unpaid":
            sub["status"] = "unpaid"
        else:
            cancel_subscription(b, sub["id"], {}, request_id=request_id, reason="payment_failed")
            return
    elif sub["status"] in ("active", "trialing"):
        sub["status"] = "past_due"
    core.emit_updated(b, sub, before, request_id)


def after_invoice_closed(b: Backend, inv: Invoice, request_id: str | None = None) -> None:
    sub = b.objects.get(invoicing.subscription_of(inv) or "")
    if sub is None:
        return
    if resume.on_invoice_closed(b, sub, inv, request_id):
        return
    pending = sub.get("_pending")
    if pending and pending.get("invoice") == inv["id"]:
        before = b.render(sub)
        sub["pending_update"], sub["_pending"] = None, None
        b.emit("customer.subscription.pending_update_expired", sub, request_id=request_id)
        core.emit_updated(b, sub, before, request_id)


def after_invoice_uncollectible(b: Backend, inv: Invoice, request_id: str | None = None) -> None:
    resume.on_invoice_uncollectible(b, inv, request_id=request_id)  # a resumption invoice resumes the subscription
