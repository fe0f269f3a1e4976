"""Pause and resume-from-pause: ``POST /billing/subscription/pause[/preview]``, ``/resume[/preview]``.

Entry points other modules call (the cancellation flow offers a pause through the same functions):
:func:`pause_preview` and :func:`pause` (``pause(ch, caller, req, key, request_id)``), :func:`resume_preview`,
:func:`resume` (a paused subscription resumes now; otherwise the cancellation's resume runs).

What a pause sends to Stripe (``POST /v1/subscriptions/{id}/pause``, stripe-python 16's
``SubscriptionPauseParams``): ``bill_for.unused_time_from=now`` with ``invoicing_behavior=invoice``: the unused
time of the current period is credited at once, on an invoice whose negative total goes to the customer's
balance, so the credit is an exact Stripe figure the preview shows (``create_preview`` with
``subscription_details.pause``; Stripe has no preview for ``pending_invoice_item``). Nothing is billed while
paused. Stripe's pause takes no resume date and no proration date: the credit is worked out at the second of the
pause, so a preview shows the credit as of its own second (the two are equal under a test clock; in real time
they differ by the seconds between preview and confirm); the answer carries the credit actually made.

Resuming (now, or automatically on ``resumes_at`` by ``billing_core.pause.PauseResumer``) uses
``billing_cycle_anchor=now`` and ``payment_behavior=resume_on_payment_success``: a new period starts at the
resume, billed in full less the balance the pause left; a failed payment leaves the subscription paused (not past
due) with the resumption invoice open for Stripe's retries or for paying it from the page.

Refused with a clear 409 before any Stripe write: not active (trial, past due, unpaid, paused, ended), a pending
cancellation, a pending update, a scheduled plan change (a schedule attached), classic billing mode
(``billing_mode_classic``: an operator runs ``make migrate-billing-mode``), a plan without ``pause`` in the
catalog. Stripe's own refusal (its code is not documented, so matched on the HTTP status and message) maps to the
same codes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import stripe
from billing_core.errors import BadInput, Conflict, NotFound
from billing_core.idempotency import IdempotencyKey
from billing_core.identity import Caller
from billing_core.observability import count
from billing_core.pause import PAUSE_PARAMS, add_periods, pause_metadata, paused_at
from billing_core.stripe_fields import as_dict
from billing_core.stripe_fields import field as g
from billing_core.stripe_fields import object_id as oid

from plan_change.cards import usable_payment_method
from plan_change.money import DISCOUNT_EXPAND, balance_after, invoice_money, renewal_after_reset
from plan_change.pause_models import (
    InvoicePreview,
    PausePreviewResponse,
    PauseRequest,
    PauseResponse,
)

if TYPE_CHECKING:
    from billing_core.catalog.plans import PauseRules
    from stripe.params import (
        InvoiceCreatePreviewParams,
        InvoiceCreatePreviewParamsSubscriptionDetails,
        SubscriptionPauseParams,
    )

    from plan_change.logic import PlanChanger

ANY_LIVE = frozenset({"active", "trialing", "past_due", "unpaid", "paused", "incomplete"})


def already_paused() -> Conflict:
    return Conflict(code="already_paused", message="Your subscription is already paused.")


def classic_mode() -> Conflict:
    return Conflict(
        code="billing_mode_classic",
        message="This subscription must be moved to flexible billing before it can be paused. Ask us to migrate it.",
    )


def change_scheduled() -> Conflict:
    return Conflict(code="change_scheduled", message="A plan change is scheduled. Undo it first, then pause.")


def _check_pausable(ch: PlanChanger, sub: Any) -> PauseRules:
    status = str(g(sub, "status"))
    if status == "paused":
        raise already_paused()
    if status in ("past_due", "unpaid"):
        raise Conflict(code="subscription_past_due", message="Pay the overdue invoice before pausing.")
    if status == "trialing":
        raise Conflict(
            code="pause_not_during_trial", message="A trial cannot be paused. Cancel it or wait until it ends."
        )
    if status != "active":
        raise Conflict(code="subscription_not_pausable", message="Your subscription cannot be paused right now.")
    if g(sub, "cancel_at_period_end") or g(sub, "cancel_at"):
        raise Conflict(code="subscription_canceling", message="Resume your subscription before pausing it.")
    if g(sub, "pending_update"):
        raise Conflict(code="change_pending", message="A previous change is waiting for its payment.")
    if oid(g(sub, "schedule")):
        raise change_scheduled()
    if g(sub, "billing_mode", "type") != "flexible":
        raise classic_mode()
    plan = ch.plan_state(sub)
    found = ch.catalog.plan(plan.plan_id) if plan.plan_id else None
    if found is None or found.pause is None:
        raise Conflict(code="pause_not_available", message="Your plan cannot be paused.")
    ch._single_item(sub)
    return found.pause


def _interval(ch: PlanChanger, sub: Any) -> str:
    _, key = ch._single_item(sub)
    return ch.catalog.price(key)[1].interval


def _resume_date(req: PauseRequest, rules: PauseRules, start: int, interval: str) -> int:
    """The date the pause ends, from ``start`` (now, or the pause's own start on a retried request)."""
    if req.periods is not None:
        if req.periods not in rules.durations:
            raise BadInput(code="invalid_pause_duration", message="This pause length is not offered.", param="periods")
        return add_periods(start, interval, req.periods)
    assert req.resume_at is not None
    if not start < req.resume_at <= add_periods(start, interval, rules.longest):
        raise BadInput(
            code="invalid_resume_at",
            message="Choose a resume date in the future, within the longest pause offered.",
            param="resume_at",
        )
    return req.resume_at


def stripe_refusal(exc: stripe.InvalidRequestError) -> Conflict | None:
    """Stripe's refusal of a pause (a 400; Stripe documents no error code, so the message decides which 409)."""
    if exc.http_status != 400 or exc.code == "resource_missing":
        return None
    message = str(exc.user_message or "").lower()
    if "billing mode" in message or "billing_mode" in message or "flexible" in message:
        return classic_mode()
    if "schedule" in message:
        return change_scheduled()
    if "`paused`" in message or "already paused" in message:
        return already_paused()
    return Conflict(code="subscription_not_pausable", message="Your subscription cannot be paused right now.")


def _call_pause(ch: PlanChanger, sub_id: str, key: str) -> Any:
    def run(client: stripe.StripeClient) -> Any:
        try:
            params: SubscriptionPauseParams = {**PAUSE_PARAMS, "expand": ["latest_invoice"]}
            return client.v1.subscriptions.pause(sub_id, params=params, options={"idempotency_key": key})
        except stripe.InvalidRequestError as exc:
            refused = stripe_refusal(exc)
            if refused is not None:
                raise refused from None
            raise

    return as_dict(ch.billing.gw.call("subscriptions.pause", run))


def preview_for(ch: PlanChanger, sub: Any, details: InvoiceCreatePreviewParamsSubscriptionDetails) -> Any | None:
    try:
        return ch.billing.preview_invoice(
            {
                "customer": str(oid(g(sub, "customer"))),
                "subscription": str(g(sub, "id")),
                "subscription_details": details,
                "expand": DISCOUNT_EXPAND,
            }
        )
    except NotFound:
        return None  # Stripe has no invoice to show (nothing credited)


def invoice_preview(invoice: Any, currency: str) -> InvoicePreview:
    money = invoice_money(invoice)
    return InvoicePreview(
        currency=str(money.currency or currency),
        lines=money.lines,
        subtotal=money.subtotal,
        discount_total=money.discount_total,
        total_excluding_tax=money.total_excluding_tax,
        tax=money.tax,
        total=money.total,
        balance_applied=money.balance_applied,
        amount_due=money.amount_due,
    )


def _is_credit_of(invoice: Any, started: int) -> bool:
    """The invoice the pause made: the credit for unused time (negative), dated at the pause."""
    created = g(invoice, "created")
    return (
        isinstance(invoice, dict)
        and int(g(invoice, "total") or 0) < 0
        and isinstance(created, int)
        and abs(created - started) <= 60
    )


def _renewal(ch: PlanChanger, sub: Any) -> Any | None:
    """Stripe's upcoming invoice of the running subscription (its full-period lines and discounts)."""
    params: InvoiceCreatePreviewParams = {
        "customer": str(oid(g(sub, "customer"))),
        "subscription": str(g(sub, "id")),
        "expand": DISCOUNT_EXPAND,
    }
    try:
        return ch.billing.preview_invoice(params)  # discounts expanded: which repeat at the resume
    except NotFound:
        return None


def _at_resume(upcoming: Any | None, resume_at: int, balance: int) -> int | None:
    """The resumption invoice's amount due: the renewal's full-period lines and the discounts still running on
    ``resume_at``, less ``balance`` (the credit kept). Tax is not part of it."""
    if upcoming is None:
        return None
    return renewal_after_reset(upcoming, resume_at, balance=balance)


# ----------------------------------------------------------------------------------------------------------
# POST /billing/subscription/pause/preview and /pause
# ----------------------------------------------------------------------------------------------------------
def pause_preview(ch: PlanChanger, caller: Caller, req: PauseRequest, request_id: str) -> PausePreviewResponse:
    customer_id, sub = ch._subscription(caller, "subscription.pause", request_id, req.subscription_id, ANY_LIVE)
    rules = _check_pausable(ch, sub)
    interval = _interval(ch, sub)
    now = ch.billing.now_for(sub)
    resume_at = _resume_date(req, rules, now, interval)
    customer = ch.billing.customer(customer_id)
    invoice = preview_for(ch, sub, {"pause": PAUSE_PARAMS})
    credit = invoice_preview(invoice, ch.catalog.currency) if invoice is not None else None
    balance = balance_after(invoice) if invoice is not None else int(g(customer, "balance") or 0)
    plan = ch.plan_state(sub)
    return PausePreviewResponse(
        resumes_at=resume_at,
        periods=req.periods,
        durations=list(rules.durations),
        interval=interval,
        credit=credit,
        credit_amount=max(-credit.total, 0) if credit else 0,
        balance_after=balance,
        amount_due_at_resume=_at_resume(_renewal(ch, sub), resume_at, balance),
        currency=credit.currency if credit else ch.catalog.currency,
        plan=plan,
        features_while_paused=ch.catalog.paused_features(plan.plan_id),
        payment_method_required=usable_payment_method(sub, customer) is None,
    )


def pause(ch: PlanChanger, caller: Caller, req: PauseRequest, key: IdempotencyKey, request_id: str) -> PauseResponse:
    with ch._lease(caller.account_id):
        customer_id, sub = ch._subscription(caller, "subscription.pause", request_id, req.subscription_id, ANY_LIVE)
        sub_id = str(g(sub, "id"))
        before = ch.plan_state(sub)
        amount_at_resume: int | None = None
        upcoming: Any | None = None
        if g(sub, "status") == "paused":
            # A retry of this request after the pause went through (the metadata write failed): Stripe replays the
            # pause under the same key; a pause made by anything else is refused as already paused (H6).
            found = ch.catalog.plan(before.plan_id) if before.plan_id else None
            if found is None or found.pause is None:
                raise already_paused()
            rules = found.pause
            paused = _call_pause(ch, sub_id, key.stripe("subscription.pause"))
        else:
            rules = _check_pausable(ch, sub)
            _resume_date(req, rules, ch.billing.now_for(sub), _interval(ch, sub))  # bad input: before any write
            upcoming = _renewal(ch, sub)  # read before the pause: a paused subscription has no upcoming invoice
            paused = _call_pause(ch, sub_id, key.stripe("subscription.pause"))
        started = paused_at(paused) or ch.billing.now_for(sub)
        resume_at = _resume_date(req, rules, started, _interval(ch, sub))
        invoice = g(paused, "latest_invoice")
        credit_invoice = invoice if _is_credit_of(invoice, started) else None
        if g(sub, "status") != "paused":
            balance = (
                balance_after(credit_invoice)
                if credit_invoice
                else int(g(ch.billing.customer(customer_id), "balance") or 0)
            )
            amount_at_resume = _at_resume(upcoming, resume_at, balance)
        ch.billing.update_subscription(
            sub_id, {"metadata": pause_metadata(started, resume_at)}, key.stripe("subscription.pause.metadata")
        )
        after = ch.plan_state(paused)
        credit = max(-int(g(credit_invoice, "total") or 0), 0) if credit_invoice else 0
        ch._record(caller, "subscription.pause", request_id, before, after, resumes_at=resume_at, credit=credit)
        count("SubscriptionPaused")
        return PauseResponse(
            status="paused",
            resumes_at=resume_at,
            plan=after,
            credit_amount=credit,
            credit_invoice_id=oid(credit_invoice) if credit_invoice else None,
            amount_due_at_resume=amount_at_resume,
            features_while_paused=ch.catalog.paused_features(after.plan_id),
        )
