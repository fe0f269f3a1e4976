"""Apply a previewed plan change, and undo a scheduled one.

* ``immediate`` changes: ``proration_behavior=always_invoice`` + ``payment_behavior=pending_if_incomplete``, so the
  plan only changes once the invoice is paid; a declined invoice is voided so nothing is left to pay later (H2);
  3-D Secure answers ``requires_action`` with the payment's client secret;
* ``period_end`` changes: a two-phase subscription schedule (made ``from_subscription``, keeping the phase
  discounts), released at the switch;
* the change applies exactly what the server stored with the preview (price, quantity, proration date: B9), and
  anything that moved since the preview is 409 ``preview_stale``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from billing_core.accounts.seats import check_capacity
from billing_core.accounts.store import AccountStore
from billing_core.entitlements import subscription_items
from billing_core.errors import BadInput, BillingError, Conflict, NotFound, PaymentFailed
from billing_core.idempotency import IdempotencyKey
from billing_core.identity import Caller
from billing_core.observability import count, logger
from billing_core.payment_step import payment_action
from billing_core.store.plan_change import StoredPreview, request_fingerprint
from billing_core.stripe_fields import field as g
from billing_core.stripe_fields import object_id as oid

from plan_change.cancellation import CANCELABLE
from plan_change.cards import PaymentMethodRequired, usable_payment_method
from plan_change.models import ChangeRequest, ChangeResponse, PlanState, ScheduledChangeReleased
from plan_change.preview import CHANGEABLE, is_trialing, reject_pending, stored_plan, update_params

if TYPE_CHECKING:
    from stripe.params import SubscriptionScheduleUpdateParamsPhase, SubscriptionScheduleUpdateParamsPhaseDiscount

    from plan_change.logic import PlanChanger


def change(ch: PlanChanger, caller: Caller, req: ChangeRequest, key: IdempotencyKey, request_id: str) -> ChangeResponse:
    preview = ch.store.get_preview(caller.account_id, req.preview_id)  # foreign/missing -> 404, expired -> 409
    # Members may have joined since the preview: a team never pays for fewer seats than it uses.
    check_capacity(caller.account_id, ch.catalog.price(preview.to_lookup_key)[0], preview.to_quantity,
                   ch.store.sibling(AccountStore))  # fmt: skip
    fingerprint = request_fingerprint(key.base)
    with ch._lease(caller.account_id):
        customer_id, sub = ch._subscription(caller, "subscription.change", request_id, req.subscription_id, CHANGEABLE)
        if str(sub.get("id")) != preview.subscription_id:
            raise stale_preview()
        replay = preview.consumed_by == fingerprint
        if not replay:
            reject_pending(sub)
            item, from_key = ch._single_item(sub)
            if (
                str(item.get("id")) != preview.item_id
                or from_key != preview.from_lookup_key
                or int(g(item, "quantity") or 1) != preview.from_quantity
            ):
                raise stale_preview()
            now = ch.billing.now_for(sub)
            if preview.timing == "immediate" and now >= preview.period_end:
                raise stale_preview()  # B9: the stored proration date left the current period
            if is_trialing(sub, now) != preview.trialing:
                raise stale_preview()  # the trial ended (or began) since the preview: its money no longer holds
            if preview.timing == "immediate" and preview.amount_due_now > 0:
                # H2: a charge needs a card Stripe can use, checked before any Stripe write.
                if usable_payment_method(sub, ch.billing.customer(customer_id)) is None:
                    ch._record(
                        caller,
                        "subscription.change",
                        request_id,
                        ch.plan_state(sub),
                        ch.plan_state(sub),
                        "payment_method_required",
                    )
                    raise PaymentMethodRequired()
        ch.store.consume_preview(caller.account_id, preview.preview_id, fingerprint)
        before = ch.plan_state(sub)
        if preview.timing == "immediate":
            return _apply_now(ch, caller, sub, preview, key, request_id, before, fingerprint)
        return _schedule(ch, caller, sub, preview, key, request_id, before)


def _apply_now(
    ch: PlanChanger,
    caller: Caller,
    sub: Any,
    preview: StoredPreview,
    key: IdempotencyKey,
    request_id: str,
    before: PlanState,
    fingerprint: str,
) -> ChangeResponse:
    target = _target_state(ch, preview, sub)
    params = update_params(stored_plan(preview))
    params["payment_behavior"] = "pending_if_incomplete"
    params["expand"] = ["latest_invoice"]
    try:
        schedule_id = oid(g(sub, "schedule"))
        if schedule_id:  # a pending period-end change is replaced by this one
            ch.billing.release_schedule(schedule_id, key.stripe("schedule.release"))
        updated = ch.billing.update_subscription(str(sub.get("id")), params, key.stripe("subscription.update"))
    except PaymentFailed as err:
        ch.store.release_preview(caller.account_id, preview.preview_id, fingerprint)
        _void_pending(ch, str(sub.get("id")), key)
        ch._record(
            caller,
            "subscription.change",
            request_id,
            before,
            before,
            "payment_failed",
            decline_code=err.decline_code,
        )
        raise
    except (BadInput, Conflict, NotFound):
        ch.store.release_preview(caller.account_id, preview.preview_id, fingerprint)
        raise
    invoice = g(updated, "latest_invoice")
    if isinstance(invoice, dict) and g(invoice, "billing_reason") != "subscription_update":
        invoice = None  # nothing was invoiced by this change (e.g. a kept trial)
    invoice_id = oid(invoice)
    if g(updated, "pending_update"):
        state = ch._payment_state(invoice_id)
        payment = payment_action(
            state.intent_status,
            state.client_secret,
            payment_intent=state.payment_intent,
            invoice=invoice_id,
            payment_method=oid(g(updated, "default_payment_method")),
        )
        if payment is not None and payment.status == "requires_action":
            ch._record(
                caller,
                "subscription.change",
                request_id,
                before,
                before,
                "requires_action",
                target=target.price_lookup_key,
            )
            return ChangeResponse(
                status="requires_action",
                change_kind=preview.kind,
                before=before,
                after=before,
                invoice_id=invoice_id,
                amount_invoiced=int(g(invoice, "amount_due") or 0) if not isinstance(invoice, str) else None,
                payment=payment,
            )
        # H2: Stripe keeps the failed invoice open until the pending update expires (up to 23 h; Stripe's
        # "Pending updates reference"), and paying it later would apply the change unseen: void it now.
        if invoice_id and state.invoice_status == "open":
            ch.billing.void_invoice(invoice_id, key.stripe("invoice.void"))
        ch.store.release_preview(caller.account_id, preview.preview_id, fingerprint)
        ch._record(
            caller,
            "subscription.change",
            request_id,
            before,
            before,
            "payment_failed",
            intent_status=state.intent_status,
            voided_invoice=invoice_id,
        )
        count("PlanChangePaymentFailed")
        raise PaymentFailed(decline_code=state.intent_status or "payment_failed")
    after = ch.plan_state(updated)
    ch._record(caller, "subscription.change", request_id, before, after, invoice_id=invoice_id)
    count("PlanChanged")
    return ChangeResponse(
        status="applied",
        change_kind=preview.kind,
        before=before,
        after=after,
        effective_at=preview.proration_date,
        invoice_id=invoice_id,
        amount_invoiced=int(g(invoice, "amount_due") or 0)
        if invoice is not None and not isinstance(invoice, str)
        else None,
    )


def _void_pending(ch: PlanChanger, subscription_id: str, key: IdempotencyKey) -> None:
    """After a refused update: void the open invoice of a pending update, if Stripe left one (H2)."""
    try:
        current = ch.billing.subscription(subscription_id)
        invoice_id = oid(g(current, "latest_invoice"))
        if g(current, "pending_update") and invoice_id:
            if g(ch.billing.invoice(invoice_id), "status") == "open":
                ch.billing.void_invoice(invoice_id, key.stripe("invoice.void"))
    except BillingError:
        logger.warning("could not check for an open invoice after a declined change")


def _target_state(ch: PlanChanger, preview: StoredPreview, sub: Any) -> PlanState:
    plan, _ = ch.catalog.price(preview.to_lookup_key)
    return PlanState(
        plan_id=plan.id,
        price_lookup_key=preview.to_lookup_key,
        quantity=preview.to_quantity,
        status=g(sub, "status"),
    )


def _schedule(
    ch: PlanChanger,
    caller: Caller,
    sub: Any,
    preview: StoredPreview,
    key: IdempotencyKey,
    request_id: str,
    before: PlanState,
) -> ChangeResponse:
    """Downgrade / shorter interval / fewer seats: two schedule phases, released after the switch."""
    item = next(i for i in subscription_items(sub) if str(i.get("id")) == preview.item_id)
    current_price_id = oid(g(item, "price"))
    _, to_price = ch.catalog.price(preview.to_lookup_key)
    schedule_id = oid(g(sub, "schedule"))
    schedule = (
        ch.billing.schedule(schedule_id)
        if schedule_id
        else ch.billing.create_schedule_from(str(sub.get("id")), key.stripe("schedule.create"))
    )
    phases = g(schedule, "phases") or []
    start = g(schedule, "current_phase", "start_date") or (g(phases[0], "start_date") if phases else None)
    discounts = _phase_discounts(phases[0] if phases else None)
    first: SubscriptionScheduleUpdateParamsPhase = {
        # an item always has a price (stripe-python's SubscriptionItem.price is not optional)
        "items": [{"price": cast(str, current_price_id), "quantity": preview.from_quantity}],
        "start_date": int(start or g(item, "current_period_start") or preview.proration_date),
        "end_date": preview.period_end,
    }
    second: SubscriptionScheduleUpdateParamsPhase = {
        "items": [{"price": preview.to_price_id, "quantity": preview.to_quantity}],
        "duration": {"interval": to_price.interval, "interval_count": 1},
    }
    if g(sub, "status") == "trialing" and g(sub, "trial_end"):
        first["trial_end"] = int(g(sub, "trial_end"))
    if discounts:
        first["discounts"] = discounts
        second["discounts"] = discounts
    ch.billing.update_schedule(
        str(g(schedule, "id")),
        {"phases": [first, second], "end_behavior": "release", "proration_behavior": "none"},
        key.stripe("schedule.update"),
    )
    after = _target_state(ch, preview, sub)
    ch._record(caller, "subscription.change", request_id, before, after, scheduled_at=preview.period_end)
    count("PlanChangeScheduled")
    return ChangeResponse(
        status="scheduled",
        change_kind=preview.kind,
        before=before,
        after=after,
        effective_at=preview.period_end,
    )


def release_scheduled_change(
    ch: PlanChanger, caller: Caller, key: IdempotencyKey, request_id: str, subscription_id: str | None
) -> ScheduledChangeReleased:
    with ch._lease(caller.account_id):
        _, sub = ch._subscription(caller, "subscription.scheduled_change", request_id, subscription_id, CANCELABLE)
        schedule_id = oid(g(sub, "schedule"))
        if not schedule_id:
            raise NotFound(code="no_scheduled_change", message="There is no scheduled change to undo.")
        ch.billing.release_schedule(schedule_id, key.stripe("schedule.release"))
        state = ch.plan_state(sub)
        ch._record(caller, "subscription.scheduled_change.release", request_id, state, state, schedule=schedule_id)
        return ScheduledChangeReleased(status="released", plan=state)


def stale_preview() -> Conflict:
    """409 `preview_stale`: what the preview priced is not what Stripe has now."""
    return Conflict(code="preview_stale", message="Your subscription changed since this preview. Preview again.")


def _phase_discounts(phase: Any) -> list[SubscriptionScheduleUpdateParamsPhaseDiscount]:
    """A phase's discounts as phase params: each by its coupon, else its discount, else its promotion code."""
    out: list[SubscriptionScheduleUpdateParamsPhaseDiscount] = []
    for discount in g(phase, "discounts") or []:
        if coupon := oid(g(discount, "coupon")):
            out.append({"coupon": coupon})
        elif discount_id := oid(g(discount, "discount")):
            out.append({"discount": discount_id})
        elif promotion_code := oid(g(discount, "promotion_code")):
            out.append({"promotion_code": promotion_code})
    return out
