"""Cancelling a subscription now: the optional proration credit and final invoice, the open and draft invoices
stopped, an attached schedule canceled, `customer.subscription.deleted`."""

from __future__ import annotations

from typing import Any

from ..backend import Backend
from ..errors import invalid_request
from ..models.base import present
from ..models.subscriptions import Subscription
from . import subscription_core as core
from .proration import prorate_changes


def cancel_subscription(
    b: Backend, sub_id: str, p: dict[str, Any], request_id: str | None = None, reason: str = "cancellation_requested"
) -> Subscription:
    """Cancel now; `prorate` credits unused time, `invoice_now` bills pending items (and that credit) at once."""
    with b.lock:
        sub = b.get(sub_id, "subscription")
        if sub["status"] in ("canceled", "incomplete_expired"):
            raise invalid_request(f"This subscription has already been canceled: {sub_id}", code="resource_missing")
        now = b.now_for_customer(sub["customer"])
        before = b.render(sub)
        if p.get("prorate") and sub["status"] in ("active", "past_due"):
            items = [{"id": i["id"], "price": i["price"], "quantity": i["quantity"]} for i in core.items(sub)]
            prorate_changes(b, sub, items, [], at=now, period=(sub["_period"][0], sub["_period"][1]))
        if p.get("invoice_now"):
            inv = core.sub_invoice(
                b, sub, reason="subscription_update", period=(now, now), cycle_lines=False, request_id=request_id
            )
            if inv["lines"]["data"]:
                core.collect(b, sub, inv, off_session=True, automatic=False, request_id=request_id)
        cd = p.get("cancellation_details") or {}
        sub["cancellation_details"] = {
            "comment": cd.get("comment") or present(sub["cancellation_details"]).get("comment"),
            "feedback": cd.get("feedback") or present(sub["cancellation_details"]).get("feedback"),
            "reason": reason,
        }
        sub.update(
            {
                "status": "canceled",
                "canceled_at": now,
                "ended_at": now,
                "cancel_at_period_end": False,
                "pending_update": None,
                "_pending": None,
            }
        )
        for inv in b.all(
            "invoice",
            where=lambda o: ((o.get("parent") or {}).get("subscription_details") or {}).get("subscription") == sub_id,
            customer=sub["customer"],
        ):
            if inv["status"] == "open":
                inv.update({"next_payment_attempt": None, "auto_advance": False})
            elif inv["status"] == "draft":  # a renewal draft of a canceled subscription is never charged
                inv.update({"auto_advance": False, "automatically_finalizes_at": None})
        if sub.get("schedule"):
            sched = b.objects.get(sub["schedule"] or "")
            if sched and sched["status"] in ("active", "not_started"):
                sched.update({"status": "canceled", "canceled_at": now})
                b.emit("subscription_schedule.canceled", sched, request_id=request_id)
        b.emit(
            "customer.subscription.deleted",
            sub,
            previous_attributes=core.diff(before, b.render(sub)),
            request_id=request_id,
        )
        return sub
