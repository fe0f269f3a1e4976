"""Request and response models of plan_change (the public contract of the subscription routes).

Request models forbid unknown fields (B3: ``proration_behavior``, ``coupon``, ``trial_end``, ``metadata`` ... are
set by the server alone -> 422). No request carries a customer id; an optional ``subscription_id`` is only ever
compared with the caller's own subscription (A2: anything else is 404).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from billing_core.catalog.plans import CancelReason
from billing_core.models import RequestModel, ResponseModel
from billing_core.payment_step import PaymentAction
from pydantic import Field, field_validator

LookupKey = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,200}$")]
Quantity = Annotated[int, Field(ge=1, le=10_000)]
SubscriptionId = Annotated[str, Field(pattern=r"^sub_[A-Za-z0-9]{1,250}$")]
PreviewId = Annotated[str, Field(pattern=r"^pv_[A-Za-z0-9_\-]{16,64}$")]

COMMENT_MAX = 500
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

ChangeKind = Literal[
    "upgrade", "downgrade", "longer_interval", "shorter_interval", "lateral", "seats_increase", "seats_decrease"
]
Timing = Literal["immediate", "period_end"]


# ---------------------------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------------------------
class PreviewRequest(RequestModel):
    price_lookup_key: LookupKey
    quantity: Quantity | None = None
    """Seats for per-seat plans; defaults to the current seat count (or the plan minimum)."""
    subscription_id: SubscriptionId | None = None
    end_trial: bool = False
    """During a trial: ``false`` (default) keeps the trial (the change applies now, the first payment stays at the
    trial end); ``true`` ends the trial now and charges the new plan at once (shown in ``amount_due_now``)."""


class ChangeRequest(RequestModel):
    preview_id: PreviewId
    subscription_id: SubscriptionId | None = None


class SubscriptionRef(RequestModel):
    """Body of resume / retention-offer: optional, only to double-check which subscription is meant."""

    subscription_id: SubscriptionId | None = None


class RetentionOfferRequest(SubscriptionRef):
    offer_id: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,64}$")] | None = None
    """The offer the cancel answer showed (absent: the catalog's coupon offer)."""
    preview_id: PreviewId | None = None
    """The ``cheaper_plan`` offer: the preview it showed, applied exactly as previewed."""


class CancelRequest(RequestModel):
    feedback: CancelReason
    """Why: Stripe's ``cancellation_details.feedback`` enum plus ``temporary`` (sent to Stripe as ``unused``);
    the reason picks the retention offer (``billing_core.retention.offers``)."""
    comment: Annotated[str, Field(max_length=COMMENT_MAX)] | None = None
    decline_offer: bool = False
    subscription_id: SubscriptionId | None = None

    @field_validator("comment")
    @classmethod
    def _no_control_characters(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if _CONTROL.search(value):
            raise ValueError("control characters are not allowed")
        return value or None


class SubscribeRequest(RequestModel):
    price_lookup_key: LookupKey
    quantity: Quantity | None = None


# ---------------------------------------------------------------------------------------------------------------
# Responses
# ---------------------------------------------------------------------------------------------------------------
class PlanState(ResponseModel):
    plan_id: str | None = None
    price_lookup_key: str | None = None
    quantity: int | None = None
    status: str | None = None


class PreviewLine(ResponseModel):
    kind: Literal["item", "proration", "discount"] = "item"
    """``item``/``proration``: an invoice line before discounts; ``discount``: one applied discount (negative)."""
    description: str | None = None
    amount: int
    proration: bool = False
    period_start: int | None = None
    period_end: int | None = None
    discount_id: str | None = None


class PreviewResponse(ResponseModel):
    """The exact money of a change, from Stripe's invoice preview (H1).

    ``lines`` describe one invoice: the one the change creates now (``lines_invoice="due_now"``) or, when
    nothing is charged now (trial kept, change at the period end), the next invoice (``"next_invoice"``).
    They add up: ``sum(item + proration lines) == subtotal``; ``subtotal + sum(discount lines) ==
    total_excluding_tax``; ``total_excluding_tax + tax == total``; ``total + balance_applied`` is that invoice's
    amount due, i.e. ``amount_due_now`` (due now) or ``next_invoice_amount`` (next invoice).
    """

    preview_id: str
    expires_at: int
    change_kind: ChangeKind
    timing: Timing
    effective_at: int
    """When the change takes effect (now = the proration date, or the current period end)."""
    current: PlanState
    target: PlanState
    currency: str
    amount_due_now: int
    """What the change invoices now (0 when the trial is kept or the change waits for the period end)."""
    lines_invoice: Literal["due_now", "next_invoice"]
    subtotal: int
    discount_total: int = 0
    total_excluding_tax: int
    tax: int
    total: int
    balance_applied: int = 0
    """The customer's credit balance used on that invoice (<= 0)."""
    lines: list[PreviewLine]
    discounts_in_line_amounts: list[str] = []
    """Discounts Stripe already netted into the proration lines' amounts (flexible billing's default
    ``proration_discounts=included``), by name: no row of their own, their money is inside the lines."""
    unit_amount: int
    """The new price per unit (per seat for per-seat plans), before discounts and tax."""
    new_recurring_amount: int
    """Per period on the new plan (``unit_amount * quantity``), before discounts and tax."""
    new_interval: str
    next_billing_date: int | None = None
    next_invoice_amount: int | None = None
    """The first invoice after this change (after discounts), on ``next_billing_date``."""
    proration_date: int
    trialing: bool = False
    ends_trial: bool = False
    """True when the change ends the trial now (the preview was asked with ``end_trial``)."""
    trial_end: int | None = None
    """While a kept trial runs: when it ends (= ``next_billing_date``, the first payment)."""
    payment_method_required: bool = False
    """The change charges now and the subscription has no usable card: add one before applying (H2)."""
    payment_method_needed_by: int | None = None
    """No usable card is on file and a payment falls due on this date (the trial end): add one before it."""


class ChangeResponse(ResponseModel):
    status: Literal["applied", "scheduled", "requires_action"]
    change_kind: ChangeKind
    before: PlanState
    after: PlanState
    effective_at: int | None = None
    invoice_id: str | None = None
    amount_invoiced: int | None = None
    payment: PaymentAction | None = Field(
        default=None,
        description=(
            "Only with ``requires_action``: the invoice of an upgrade charged now waits for 3-D Secure; the "
            "change applies when the customer finishes it (``billing_core.payment_step``); a decline is 402 "
            "and changes nothing."
        ),
    )


class ScheduledChangeReleased(ResponseModel):
    status: Literal["released"]
    plan: PlanState


class RetentionOfferView(ResponseModel):
    """The offer matched to the reason: ``coupon`` (percent off), ``pause`` (for one of ``periods`` billing
    periods, through ``POST /billing/subscription/pause``) or ``cheaper_plan`` (the exact ``preview`` of the
    move, accepted with its ``preview_id``)."""

    id: str
    kind: Literal["coupon", "pause", "cheaper_plan"] = "coupon"
    description: str = ""
    percent_off: float | None = None
    duration: str | None = None
    duration_in_months: int | None = None
    periods: list[int] | None = None
    preview: PreviewResponse | None = None


class NextPayment(ResponseModel):
    """Stripe's upcoming invoice for the subscription (``invoices.create_preview``), after discounts."""

    amount: int
    date: int | None = None
    currency: str | None = None


class CancelResponse(ResponseModel):
    status: Literal["offer", "canceling", "canceled"]
    offer: RetentionOfferView | None = None
    cancel_at: int | None = None
    plan: PlanState
    credit_amount: int | None = None
    """Immediate cancellation: the prorated credit for the unused time, kept on the customer's balance."""
    final_invoice_id: str | None = None


class RetentionOfferResponse(ResponseModel):
    status: Literal["applied", "scheduled", "requires_action"]
    """``applied`` (the coupon, or a plan change made now), ``scheduled`` (the cheaper plan from the period
    end), ``requires_action`` (the plan change waits for a payment step: ``change.payment``)."""
    offer: RetentionOfferView
    plan: PlanState
    next_payment: NextPayment | None = None
    """The next invoice with the offer's discount applied."""
    change: ChangeResponse | None = None
    """The ``cheaper_plan`` offer: the plan change it made."""


class ResumeResponse(ResponseModel):
    status: Literal["resumed", "requires_action"]
    """``requires_action``: resuming a paused subscription needs 3-D Secure (``payment``); it stays paused
    until that payment succeeds."""
    plan: PlanState
    current_period_end: int | None = None
    next_payment: NextPayment | None = None
    invoice_id: str | None = None
    """Resuming a paused subscription: its resumption invoice."""
    amount_invoiced: int | None = None
    payment: PaymentAction | None = Field(
        default=None,
        description=("Only with ``requires_action``: the resumption invoice waits for 3-D Secure."),
    )


class SubscribeResponse(ResponseModel):
    status: Literal["active", "trialing", "requires_action", "requires_payment_method"]
    subscription_id: str
    plan: PlanState
    trial_end: int | None = None
    payment: PaymentAction | None = Field(
        default=None,
        description=(
            "Only with ``requires_action`` (the default card needs 3-D Secure) or "
            "``requires_payment_method`` (no card: collect one and pay the first invoice, e.g. with "
            "PaymentSheet); null when it is paid or a trial started. An unfinished first payment leaves the "
            "subscription ``incomplete`` (Stripe expires it after 23 hours; subscribing again cancels it)."
        ),
    )
    payment_method_needed_by: int | None = None
    """A trial started without a usable card: a card is needed before this date (the trial end)."""
