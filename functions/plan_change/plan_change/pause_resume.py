"""Resume a paused subscription now: ``POST /billing/subscription/resume/preview`` and ``/resume``.

``resume`` is the one entry of ``POST /billing/subscription/resume``: a paused subscription resumes now (below),
any other one has its pending cancellation undone (``plan_change.cancellation.resume``).

Resuming sends ``billing_cycle_anchor=now`` and ``payment_behavior=resume_on_payment_success``
(``billing_core.pause.RESUME_PARAMS``, stripe-python 16's ``SubscriptionResumeParams``): a new period starts now,
billed in full less the credit the pause left, and the preview is Stripe's own (``create_preview`` with
``subscription_details.resume_at=now``). A failed payment leaves the subscription paused (not past due): the
answer is 402 and the resumption invoice stays open for Stripe's retries or for paying it from the page; 3-D
Secure answers ``requires_action`` with what Stripe.js needs. A second resume while that invoice is open (another
tab, or the automatic resume on the pause's date) is refused with ``resume_pending`` (H6); Stripe itself refuses
a second resumption invoice too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from billing_core.entitlements import period_end_of
from billing_core.errors import BadInput, Conflict, PaymentFailed
from billing_core.idempotency import IdempotencyKey
from billing_core.identity import Caller
from billing_core.observability import count
from billing_core.pause import RESUME_PARAMS, cleared_metadata, paused_at, resumes_at
from billing_core.payment_step import payment_action
from billing_core.stripe_fields import as_dict
from billing_core.stripe_fields import field as g
from billing_core.stripe_fields import object_id as oid

from plan_change import cancellation
from plan_change.cards import usable_payment_method
from plan_change.models import ResumeResponse
from plan_change.pause import ANY_LIVE, invoice_preview, preview_for
from plan_change.pause_models import ResumePreviewResponse

if TYPE_CHECKING:
    from plan_change.logic import PlanChanger


# ----------------------------------------------------------------------------------------------------------
# POST /billing/subscription/resume/preview and /resume (paused)
# ----------------------------------------------------------------------------------------------------------
def _paused_subscription(
    ch: PlanChanger, caller: Caller, action: str, request_id: str, subscription_id: str | None
) -> tuple[str, Any]:
    customer_id, sub = ch._subscription(caller, action, request_id, subscription_id, ANY_LIVE)
    if g(sub, "status") != "paused":
        raise Conflict(code="not_paused", message="Your subscription is not paused.")
    return customer_id, sub


def _open_resumption(ch: PlanChanger, sub: Any) -> str | None:
    invoice_id = oid(g(sub, "latest_invoice"))
    if not invoice_id:
        return None
    invoice = ch.billing.invoice(invoice_id)
    created = g(invoice, "created")
    if g(invoice, "status") == "open" and isinstance(created, int) and created >= (paused_at(sub) or 0):
        return invoice_id
    return None


NEEDS_CARD = "Add a card under Payment methods to resume, then try again."


def resume_pending() -> Conflict:
    return Conflict(
        code="resume_pending",
        message="Your subscription is already resuming: its payment is open. Pay it from your invoices, "
        "or update your card.",
    )


def resume_preview(
    ch: PlanChanger, caller: Caller, request_id: str, subscription_id: str | None
) -> ResumePreviewResponse:
    customer_id, sub = _paused_subscription(ch, caller, "subscription.resume", request_id, subscription_id)
    if _open_resumption(ch, sub):
        raise resume_pending()
    invoice = preview_for(ch, sub, {"resume_at": "now"})
    if invoice is None:
        raise Conflict(code="not_paused", message="Your subscription is not paused.")
    money = invoice_preview(invoice, ch.catalog.currency)
    ends = [ln.period_end for ln in money.lines if ln.kind == "item" and ln.period_end]
    customer = ch.billing.customer(customer_id)
    return ResumePreviewResponse(
        invoice=money,
        amount_due_now=money.amount_due,
        next_billing_date=max(ends) if ends else None,
        resumes_at=resumes_at(sub),
        plan=ch.plan_state(sub),
        payment_method_required=money.amount_due > 0 and usable_payment_method(sub, customer) is None,
    )


def resume(
    ch: PlanChanger, caller: Caller, key: IdempotencyKey, request_id: str, subscription_id: str | None
) -> ResumeResponse:
    """Resume now when paused; otherwise undo a pending cancellation (``cancellation.resume``)."""
    _, peek = ch._subscription(caller, "subscription.resume", request_id, subscription_id, ANY_LIVE)
    if g(peek, "status") != "paused":
        return cancellation.resume(ch, caller, key, request_id, subscription_id)
    with ch._lease(caller.account_id):
        customer_id, sub = _paused_subscription(ch, caller, "subscription.resume", request_id, subscription_id)
        if _open_resumption(ch, sub):
            # H6: the automatic resume (or another tab) got there first
            raise resume_pending()
        if usable_payment_method(sub, ch.billing.customer(customer_id)) is None:
            preview = preview_for(ch, sub, {"resume_at": "now"})
            if preview is not None and int(g(preview, "amount_due") or 0) > 0:
                raise Conflict(
                    code="payment_method_required",
                    message="Add a card under Payment methods to resume, then try again.",
                )
        before = ch.plan_state(sub)
        sub_id = str(g(sub, "id"))
        try:
            resumed = as_dict(
                ch.billing.gw.call(
                    "subscriptions.resume",
                    lambda c: c.v1.subscriptions.resume(
                        sub_id,
                        params={**RESUME_PARAMS, "expand": ["latest_invoice"]},
                        options={"idempotency_key": key.stripe("subscription.resume_paused")},
                    ),
                )
            )
        except BadInput:
            # Stripe refused: the automatic resume got there between our read and this call (H6).
            current = ch.billing.subscription(sub_id)
            if g(current, "status") != "paused":
                raise Conflict(code="not_paused", message="Your subscription is not paused.") from None
            if _open_resumption(ch, current):
                raise resume_pending() from None
            raise
        invoice = g(resumed, "latest_invoice")
        invoice_id = oid(invoice)
        amount = int(g(invoice, "amount_due") or 0) if isinstance(invoice, dict) else None
        if g(resumed, "status") == "paused":
            state = ch._payment_state(invoice_id)
            payment = payment_action(
                state.intent_status, state.client_secret, payment_intent=state.payment_intent, invoice=invoice_id
            )
            if payment is not None and payment.status == "requires_action":
                ch._record(caller, "subscription.resume", request_id, before, before, "requires_action")
                return ResumeResponse(
                    status="requires_action",
                    plan=before,
                    invoice_id=invoice_id,
                    amount_invoiced=amount,
                    payment=payment,
                )
            ch._record(
                caller, "subscription.resume", request_id, before, before, "payment_failed", invoice_id=invoice_id
            )
            count("PauseResumePaymentFailed")
            raise PaymentFailed(decline_code=state.intent_status or "payment_failed")
        ch.billing.update_subscription(
            sub_id, {"metadata": cleared_metadata()}, key.stripe("subscription.resume_paused.metadata")
        )
        after = ch.plan_state(resumed)
        ch._record(caller, "subscription.resume", request_id, before, after, invoice_id=invoice_id)
        count("SubscriptionResumedFromPause")
        return ResumeResponse(
            status="resumed",
            plan=after,
            current_period_end=period_end_of(resumed),
            next_payment=ch._next_payment(resumed),
            invoice_id=invoice_id,
            amount_invoiced=amount,
        )
