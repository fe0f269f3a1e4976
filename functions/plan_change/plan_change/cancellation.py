"""Cancel (the reason, the offer matched to it, then the cancellation) and resume: the money each answers.

* the reason picks the retention offer (``plan_change.retention``); the first request answers it instead of
  cancelling, ``decline_offer`` cancels;
* cancel at the period end (default) or immediately (``CANCELLATION_MODE=immediately``: prorated credit for the
  unused time, kept on the customer's balance and answered as ``credit_amount``);
* resume undoes a cancellation before the period ends and answers the next payment.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from billing_core.entitlements import period_end_of
from billing_core.errors import Conflict
from billing_core.idempotency import IdempotencyKey
from billing_core.identity import Caller
from billing_core.observability import count
from billing_core.retention.steps import Flow
from billing_core.settings import get_settings
from billing_core.stripe_fields import field as g
from billing_core.stripe_fields import object_id as oid

from plan_change import retention
from plan_change.models import CancelRequest, CancelResponse, ResumeResponse
from plan_change.retention import CANCELABLE, FlowLog, cancelled_key, flow_id_for

if TYPE_CHECKING:
    from stripe.params import SubscriptionUpdateParams, SubscriptionUpdateParamsCancellationDetails

    from plan_change.logic import PlanChanger

__all__ = ["CANCELABLE", "cancel", "cancellation_mode", "resume"]


def cancellation_mode() -> str:
    """``CANCELLATION_MODE``: ``at_period_end`` (default; also for an unknown value) or ``immediately``."""
    return get_settings().cancellation_mode


def cancel(ch: PlanChanger, caller: Caller, req: CancelRequest, key: IdempotencyKey, request_id: str) -> CancelResponse:
    """The reason picks an offer (answered as ``status="offer"``, nothing canceled); ``decline_offer`` (or no
    offer for this reason) cancels. Both continue one flow whose steps are recorded (``plan_change.retention``)."""
    with ch._lease(caller.account_id):
        customer_id, sub = ch._subscription(caller, "subscription.cancel", request_id, req.subscription_id, CANCELABLE)
        before = ch.plan_state(sub)
        if g(sub, "cancel_at_period_end") or g(sub, "cancel_at"):
            raise Conflict(code="already_canceling", message="Your subscription is already set to end.")
        log = FlowLog(ch, customer_id)
        subscription_id = str(sub.get("id"))
        now = int(ch.billing.now_for(sub))
        flow = log.open_flow(caller.account_id, subscription_id, now) if req.decline_offer else None
        if flow is None:
            flow = Flow(flow_id_for(key), caller.account_id, subscription_id, now, reason=req.feedback)
        started_here = flow.flow_id == flow_id_for(key)  # this request (or its retry) started the flow
        if not req.decline_offer:
            chosen = retention.choose(ch, caller, sub, req.feedback, request_id)
            if chosen is not None:
                offer, view = chosen
                flow = replace(flow, offer=offer.id, kind=offer.kind)
                log.save(flow)
                log.step(flow, "started", "started", now, comment=req.comment)
                log.step(flow, "shown", f"shown:{offer.id}", now)
                ch._record(caller, "subscription.cancel", request_id, before, before, "offer_shown", offer=offer.id)
                log.publish()
                return CancelResponse(status="offer", offer=view, plan=before)
        # Saved before the Stripe write, so the webhook's view of this cancellation joins this flow; still open, so a
        # retry after a failed write continues it.
        log.save(flow)
        details: SubscriptionUpdateParamsCancellationDetails = {"feedback": stripe_feedback(req.feedback)}
        credit: int | None = None
        final_invoice: str | None = None
        if req.comment:
            details["comment"] = req.comment
        schedule_id = oid(g(sub, "schedule"))
        if schedule_id:
            ch.billing.release_schedule(schedule_id, key.stripe("schedule.release"))
        if cancellation_mode() == "immediately":
            updated = ch.billing.cancel_subscription(
                subscription_id,
                {
                    "cancellation_details": details,
                    "prorate": True,
                    "invoice_now": True,
                    "expand": ["latest_invoice"],
                },
                key.stripe("subscription.cancel"),
            )
            status = "canceled"
            cancel_at = g(updated, "canceled_at")
            ends_at = g(updated, "ended_at") or cancel_at
            final = g(updated, "latest_invoice")
            if isinstance(final, dict) and g(final, "billing_reason") == "subscription_update":
                final_invoice = oid(final)
                credit = max(-int(g(final, "total") or 0), 0)
        else:
            updated = ch.billing.update_subscription(
                subscription_id,
                {"cancel_at_period_end": True, "cancellation_details": details},
                key.stripe("subscription.cancel"),
            )
            status = "canceling"
            cancel_at = g(updated, "cancel_at") or period_end_of(updated)
            ends_at = cancel_at
        after = ch.plan_state(updated)
        ch._record(caller, "subscription.cancel", request_id, before, after, feedback=req.feedback, cancel_at=cancel_at)
        count("SubscriptionCanceled")
        flow = replace(flow, open=False)
        log.save(flow)
        if started_here:
            log.step(flow, "started", "started", now, comment=req.comment)
        if req.decline_offer and flow.offer:
            log.step(flow, "declined", f"declined:{flow.offer}", now)
        log.step(flow, "cancelled", cancelled_key(subscription_id, ends_at), now)
        log.publish()
        return CancelResponse(
            status=status,
            cancel_at=cancel_at,
            plan=after,
            credit_amount=credit,
            final_invoice_id=final_invoice,
        )


def stripe_feedback(reason: str) -> str:
    """Stripe's ``cancellation_details.feedback`` for a reason (``temporary`` is Stripe's ``unused``)."""
    return "unused" if reason == "temporary" else reason


# ------------------------------------------------------------------------------------------------------
# POST /billing/subscription/resume
# ------------------------------------------------------------------------------------------------------


def resume(
    ch: PlanChanger, caller: Caller, key: IdempotencyKey, request_id: str, subscription_id: str | None
) -> ResumeResponse:
    with ch._lease(caller.account_id):
        _, sub = ch._subscription(caller, "subscription.resume", request_id, subscription_id, CANCELABLE)
        before = ch.plan_state(sub)
        cancel_at = g(sub, "cancel_at")
        if not g(sub, "cancel_at_period_end") and not cancel_at:
            raise Conflict(code="not_canceling", message="Your subscription is not set to end.")
        ends = int(cancel_at or period_end_of(sub) or 0)
        if ends and ch.billing.now_for(sub) >= ends:
            raise Conflict(code="too_late_to_resume", message="Your subscription has already ended.")
        params: SubscriptionUpdateParams = {"cancel_at_period_end": False}
        if cancel_at and not g(sub, "cancel_at_period_end"):
            params["cancel_at"] = ""
        updated = ch.billing.update_subscription(str(sub.get("id")), params, key.stripe("subscription.resume"))
        after = ch.plan_state(updated)
        ch._record(caller, "subscription.resume", request_id, before, after)
        count("SubscriptionResumed")
        return ResumeResponse(
            status="resumed",
            plan=after,
            current_period_end=period_end_of(updated),
            next_payment=ch._next_payment(updated),
        )
