"""Cancel (with the survey and the one-time retention offer), accept the offer, resume: the money each answers.

* cancel at the period end (default) or immediately (``CANCELLATION_MODE=immediately``: prorated credit for the
  unused time, kept on the customer's balance and answered as ``credit_amount``);
* the retention offer applies its coupon and answers the discounted next payment (Stripe's upcoming invoice);
* resume undoes a cancellation before the period ends and answers the next payment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from billing_core.catalog import RetentionOffer
from billing_core.entitlements import period_end_of
from billing_core.errors import BadInput, Conflict, NotFound, PaymentFailed
from billing_core.idempotency import IdempotencyKey
from billing_core.identity import Caller
from billing_core.observability import count
from billing_core.retention_offer import eligible_offer
from billing_core.settings import get_settings
from billing_core.store.plan_change import request_fingerprint
from billing_core.stripe_fields import field as g
from billing_core.stripe_fields import object_id as oid
from billing_core.stripe_gateway import derive_key

from plan_change.models import (
    CancelRequest,
    CancelResponse,
    ResumeResponse,
    RetentionOfferRequest,
    RetentionOfferResponse,
    RetentionOfferView,
)

if TYPE_CHECKING:
    from plan_change.logic import PlanChanger

CANCELABLE = frozenset({"active", "trialing", "past_due"})


def cancellation_mode() -> str:
    """``CANCELLATION_MODE``: ``at_period_end`` (default; also for an unknown value) or ``immediately``."""
    return get_settings().cancellation_mode


def offer_for(ch: PlanChanger, caller: Caller, sub: Any) -> RetentionOffer | None:
    return eligible_offer(ch.catalog, sub, lambda offer_id: ch.offers.used(caller.account_id, offer_id))


def cancel(ch: PlanChanger, caller: Caller, req: CancelRequest, key: IdempotencyKey, request_id: str) -> CancelResponse:
    with ch._lease(caller.account_id):
        _, sub = ch._subscription(caller, "subscription.cancel", request_id, req.subscription_id, CANCELABLE)
        before = ch.plan_state(sub)
        if g(sub, "cancel_at_period_end") or g(sub, "cancel_at"):
            raise Conflict(code="already_canceling", message="Your subscription is already set to end.")
        offer = offer_for(ch, caller, sub)
        if offer is not None and not req.decline_offer:
            ch._record(caller, "subscription.cancel", request_id, before, before, "offer_shown", offer=offer.id)
            return CancelResponse(status="offer", offer=_offer_view(offer), plan=before)
        details: dict[str, Any] = {"feedback": req.feedback}
        credit: int | None = None
        final_invoice: str | None = None
        if req.comment:
            details["comment"] = req.comment
        schedule_id = oid(g(sub, "schedule"))
        if schedule_id:
            ch.billing.release_schedule(schedule_id, key.stripe("schedule.release"))
        if cancellation_mode() == "immediately":
            updated = ch.billing.cancel_subscription(
                str(sub.get("id")),
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
            final = g(updated, "latest_invoice")
            if isinstance(final, dict) and g(final, "billing_reason") == "subscription_update":
                final_invoice = oid(final)
                credit = max(-int(g(final, "total") or 0), 0)
        else:
            updated = ch.billing.update_subscription(
                str(sub.get("id")),
                {"cancel_at_period_end": True, "cancellation_details": details},
                key.stripe("subscription.cancel"),
            )
            status = "canceling"
            cancel_at = g(updated, "cancel_at") or period_end_of(updated)
        after = ch.plan_state(updated)
        ch._record(caller, "subscription.cancel", request_id, before, after, feedback=req.feedback, cancel_at=cancel_at)
        count("SubscriptionCanceled")
        return CancelResponse(
            status=status,  # type: ignore[arg-type]
            cancel_at=cancel_at,
            plan=after,
            credit_amount=credit,
            final_invoice_id=final_invoice,
        )


def accept_offer(
    ch: PlanChanger, caller: Caller, req: RetentionOfferRequest, key: IdempotencyKey, request_id: str
) -> RetentionOfferResponse:
    offer = ch.catalog.retention_offer
    if offer is None or (req.offer_id and req.offer_id != offer.id):
        raise NotFound(code="offer_not_found", message="This offer is not available.")
    fingerprint = request_fingerprint(key.base)
    with ch._lease(caller.account_id):
        _, sub = ch._subscription(caller, "subscription.retention_offer", request_id, req.subscription_id, CANCELABLE)
        before = ch.plan_state(sub)
        claimed_by = ch.offers.claimed_by(caller.account_id, offer.id) if offer.once_per_customer else None
        if claimed_by and claimed_by != fingerprint:
            raise Conflict(code="offer_already_used", message="The retention offer has already been used.")
        if before.plan_id not in offer.plans or (g(sub, "discounts") and claimed_by != fingerprint):
            raise Conflict(code="offer_not_available", message="This offer is not available for your plan.")
        ch.offers.claim(caller.account_id, offer.id, fingerprint, str(sub.get("id")), offer.coupon.id)
        try:
            coupon = ch.billing.ensure_coupon(offer.coupon, derive_key("catalog", f"coupon:{offer.coupon.id}"))
            params: dict[str, Any] = {"discounts": [{"coupon": coupon}]}
            if g(sub, "cancel_at_period_end"):
                params["cancel_at_period_end"] = False
            updated = ch.billing.update_subscription(
                str(sub.get("id")), params, key.stripe("subscription.retention_offer")
            )
        except (BadInput, Conflict, NotFound, PaymentFailed):
            ch.offers.unclaim(caller.account_id, offer.id, fingerprint)
            raise
        after = ch.plan_state(updated)
        ch._record(
            caller,
            "subscription.retention_offer",
            request_id,
            before,
            after,
            offer=offer.id,
            coupon=offer.coupon.id,
        )
        count("RetentionOfferAccepted")
        return RetentionOfferResponse(
            status="applied", offer=_offer_view(offer), plan=after, next_payment=ch._next_payment(updated)
        )


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
        params: dict[str, Any] = {"cancel_at_period_end": False}
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


def _offer_view(offer: RetentionOffer) -> RetentionOfferView:
    return RetentionOfferView(
        id=offer.id,
        description=offer.description,
        percent_off=offer.coupon.percent_off,
        duration=offer.coupon.duration,
        duration_in_months=offer.coupon.duration_in_months,
    )
