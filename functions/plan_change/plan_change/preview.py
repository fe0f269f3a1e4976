"""POST /billing/subscription/preview: the exact money of a plan change, from Stripe's invoice preview (H1, H2).

What the change sends to Stripe (the same parameters ``PlanChanger.change`` sends later, see ``update_params``):

* during a trial the change **keeps the trial** unless the caller asked ``end_trial``: new items, no proration,
  no anchor reset, nothing due now; the preview is the first invoice at the trial end. Under endive Stripe refuses
  a ``billing_cycle_anchor`` before ``trial_end`` (error ``subscription_update_trial_after_billing_cycle_anchor``,
  on ``subscriptions.update`` and ``invoices.create_preview``), so an interval change in a trial never resets it;
* ``end_trial``: ``trial_end="now"`` (and ``billing_cycle_anchor=now`` when the interval changes): the new plan is
  invoiced now, which the preview shows in ``amount_due_now``;
* outside a trial, ``immediate`` changes are invoiced now (``always_invoice`` at the stored ``proration_date``,
  anchor reset when the interval changes); ``period_end`` changes bill nothing now and the preview is the first
  invoice on the new plan.

A change that charges now needs a card Stripe can charge (``cards.usable_payment_method``); the preview says so in
``payment_method_required`` and the change is refused without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from billing_core.accounts.seats import check_capacity
from billing_core.accounts.store import AccountStore
from billing_core.entitlements import period_end_of
from billing_core.errors import Conflict
from billing_core.identity import Caller
from billing_core.store.plan_change import PREVIEW_TTL_S, StoredPreview
from billing_core.stripe_fields import field as g
from billing_core.stripe_fields import object_id as oid

from plan_change.cards import usable_payment_method
from plan_change.models import PlanState, PreviewRequest, PreviewResponse
from plan_change.money import (
    DISCOUNT_EXPAND,
    balance_after,
    balance_before,
    discount_names,
    invoice_money,
    renewal_after_reset,
)

if TYPE_CHECKING:
    from stripe.params import InvoiceCreatePreviewParamsSubscriptionDetails, SubscriptionUpdateParams

    from plan_change.logic import PlanChanger


CHANGEABLE = frozenset({"active", "trialing"})


@dataclass(frozen=True)
class ChangePlan:
    """How one change is sent to Stripe, decided at preview time and stored with it."""

    item_id: str
    price_id: str
    quantity: int
    immediate: bool
    keep_trial: bool
    end_trial: bool
    reset_anchor: bool
    proration_date: int


def update_params(plan: ChangePlan) -> SubscriptionUpdateParams:
    """The ``subscriptions.update`` parameters of a change applied now (``subscription_details`` of its preview:
    :func:`preview_details`)."""
    params: SubscriptionUpdateParams = {
        "items": [{"id": plan.item_id, "price": plan.price_id, "quantity": plan.quantity}]
    }
    if plan.keep_trial or not plan.immediate:
        params["proration_behavior"] = "none"
        return params
    params["proration_behavior"] = "always_invoice"
    params["proration_date"] = plan.proration_date
    if plan.end_trial:
        params["trial_end"] = "now"
    if plan.reset_anchor:
        params["billing_cycle_anchor"] = {"type": "now"}
    return params


def preview_details(plan: ChangePlan) -> InvoiceCreatePreviewParamsSubscriptionDetails:
    """:func:`update_params` as an invoice preview's ``subscription_details``: the same keys (items, proration
    behavior and date, trial end, billing cycle anchor), each one a preview accepts with the same meaning."""
    return cast("InvoiceCreatePreviewParamsSubscriptionDetails", update_params(plan))


def stored_plan(preview: StoredPreview) -> ChangePlan:
    """The change exactly as previewed (B9: ``change`` sends only what the server stored)."""
    return ChangePlan(
        item_id=preview.item_id,
        price_id=preview.to_price_id,
        quantity=preview.to_quantity,
        immediate=preview.timing == "immediate",
        keep_trial=preview.trialing and not preview.end_trial,
        end_trial=preview.end_trial,
        reset_anchor=preview.reset_anchor,
        proration_date=preview.proration_date,
    )


def is_trialing(sub: Any, now: int) -> bool:
    trial_end = g(sub, "trial_end")
    return g(sub, "status") == "trialing" and isinstance(trial_end, int) and trial_end > now


def customer_of(sub: Any) -> str:
    customer = g(sub, "customer")
    return str(oid(customer))


def first_charge_date(invoice: Any, fallback: int | None) -> int | None:
    """When the previewed invoice falls due: its recurring lines' period start (trial end, period end)."""
    starts = [
        g(line, "period", "start")
        for line in g(invoice, "lines", "data") or []
        if not g(line, "parent", "subscription_item_details", "proration")
    ]
    found = [s for s in starts if isinstance(s, int)]
    return min(found) if found else fallback


def preview_change(ch: PlanChanger, caller: Caller, req: PreviewRequest, request_id: str) -> PreviewResponse:
    target_plan, target_price = ch.catalog.price(req.price_lookup_key)  # B2: before any Stripe call
    if req.quantity is not None:
        ch.catalog.check_quantity(target_plan, req.quantity)
    customer_id, sub = ch._subscription(caller, "subscription.preview", request_id, req.subscription_id, CHANGEABLE)
    reject_pending(sub)
    item, from_key = ch._single_item(sub)
    from_plan, from_price = ch.catalog.price(from_key)
    from_qty = int(g(item, "quantity") or 1)
    to_qty = req.quantity or ch._default_quantity(target_plan, from_plan, from_qty)
    check_capacity(caller.account_id, target_plan, to_qty, ch.store.sibling(AccountStore))  # a team's seats in use
    change = ch.catalog.transition(from_key, target_price.lookup_key, from_qty, to_qty)
    price_id = ch.billing.price_id(target_price.lookup_key)
    now = ch.billing.now_for(sub)
    period_end = int(g(item, "current_period_end") or period_end_of(sub) or now)
    trialing = is_trialing(sub, now)
    if req.end_trial and not trialing:
        raise Conflict(code="not_trialing", message="Your subscription is not in a trial, so there is none to end.")
    end_trial = trialing and req.end_trial
    immediate = end_trial or change.timing == "immediate"
    if oid(g(sub, "schedule")):
        # Stripe's preview of this change still follows the attached schedule (its next phase bills the scheduled
        # plan), while applying it releases or rewrites the schedule: the next payment shown would not be the one
        # charged. The scheduled change is undone first (DELETE /billing/subscription/scheduled-change).
        raise Conflict(
            code="change_scheduled",
            message="A plan change is already scheduled. Undo it first, then make this change.",
        )
    plan = ChangePlan(
        item_id=str(item.get("id")),
        price_id=price_id,
        quantity=to_qty,
        immediate=immediate,
        keep_trial=trialing and not end_trial,
        end_trial=end_trial,
        reset_anchor=immediate and not (trialing and not end_trial) and target_price.interval != from_price.interval,
        proration_date=now,
    )
    details = preview_details(plan)
    invoice = ch.billing.preview_invoice(
        {
            "customer": customer_of(sub),
            "subscription": sub.get("id"),
            "subscription_details": details,
            "expand": DISCOUNT_EXPAND,
        }
    )
    money = invoice_money(invoice, discount_names(sub))
    charges_now = immediate and not plan.keep_trial
    if charges_now:
        amount_due_now = money.amount_due
        if plan.reset_anchor or plan.end_trial:
            ends = [ln.period_end for ln in money.lines if ln.kind == "item" and ln.period_end]
            next_billing: int | None = max(ends) if ends else None
            next_amount = (
                renewal_after_reset(invoice, next_billing, balance=balance_after(invoice)) if next_billing else None
            )
        else:
            renewal = ch.billing.upcoming_invoice(
                customer_of(sub), str(sub.get("id")), preview_details(_no_charge(plan))
            )
            next_billing = first_charge_date(renewal, period_end) if renewal is not None else None
            next_amount = int(g(renewal, "amount_due") or 0) if renewal is not None else None
    elif not immediate and target_price.interval != from_price.interval:
        # Stripe previews an interval change as a restart now; the scheduled switch bills the same new-price
        # line (and the discounts still running then) at the period end instead.
        amount_due_now = 0
        next_billing = period_end
        next_amount = renewal_after_reset(invoice, period_end, balance=balance_before(invoice))
    else:
        amount_due_now = 0
        next_billing = first_charge_date(invoice, period_end)
        next_amount = money.amount_due
    card = None
    if amount_due_now > 0 or (plan.keep_trial and next_amount):
        card = usable_payment_method(sub, ch.billing.customer(customer_id))
    created = int(ch.clock())
    stored = StoredPreview(
        preview_id=ch.store.new_preview_id(),
        subscription_id=str(sub.get("id")),
        item_id=plan.item_id,
        from_lookup_key=from_key,
        from_quantity=from_qty,
        to_lookup_key=target_price.lookup_key,
        to_price_id=price_id,
        to_quantity=to_qty,
        kind=change.kind,
        timing="immediate" if immediate else "period_end",
        proration_date=now,
        period_end=period_end,
        reset_anchor=plan.reset_anchor,
        amount_due_now=amount_due_now,
        created_at=created,
        expires_at=created + PREVIEW_TTL_S,
        trialing=trialing,
        end_trial=end_trial,
    )
    ch.store.put_preview(caller.account_id, stored)
    return PreviewResponse(
        preview_id=stored.preview_id,
        expires_at=stored.expires_at,
        change_kind=change.kind,
        timing=stored.timing,
        effective_at=now if immediate else period_end,
        current=ch.plan_state(sub),
        target=PlanState(
            plan_id=target_plan.id,
            price_lookup_key=target_price.lookup_key,
            quantity=to_qty,
            status="active" if end_trial else g(sub, "status"),
        ),
        currency=str(money.currency or ch.catalog.currency),
        amount_due_now=amount_due_now,
        lines_invoice="due_now" if charges_now else "next_invoice",
        subtotal=money.subtotal,
        discount_total=money.discount_total,
        total_excluding_tax=money.total_excluding_tax,
        tax=money.tax,
        total=money.total,
        balance_applied=money.balance_applied,
        lines=money.lines,
        discounts_in_line_amounts=money.discounts_in_line_amounts,
        unit_amount=target_price.unit_amount,
        new_recurring_amount=target_price.unit_amount * to_qty,
        new_interval=target_price.interval,
        next_billing_date=next_billing,
        next_invoice_amount=next_amount,
        proration_date=now,
        trialing=trialing,
        ends_trial=end_trial,
        trial_end=int(g(sub, "trial_end")) if plan.keep_trial else None,
        payment_method_required=amount_due_now > 0 and card is None,
        payment_method_needed_by=next_billing if plan.keep_trial and next_amount and card is None else None,
    )


def _no_charge(plan: ChangePlan) -> ChangePlan:
    """The same items without proration: Stripe's preview of it is the renewal after the change."""
    return ChangePlan(
        item_id=plan.item_id,
        price_id=plan.price_id,
        quantity=plan.quantity,
        immediate=False,
        keep_trial=False,
        end_trial=False,
        reset_anchor=False,
        proration_date=plan.proration_date,
    )


def reject_pending(sub: Any) -> None:
    if g(sub, "pending_update"):
        raise Conflict(code="change_pending", message="A previous change is waiting for its payment.")
    if g(sub, "cancel_at_period_end") or g(sub, "cancel_at"):
        raise Conflict(code="subscription_canceling", message="Resume your subscription before changing it.")
