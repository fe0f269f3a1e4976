"""Request and response models of plan_change (the public contract of the subscription routes).

Request models forbid unknown fields (B3: ``proration_behavior``, ``coupon``, ``trial_end``, ``metadata`` ... are
set by the server alone -> 422). No request carries a customer id; an optional ``subscription_id`` is only ever
compared with the caller's own subscription (A2: anything else is 404).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from billing_core.app_factory import RequestModel, ResponseModel
from pydantic import Field, field_validator

LookupKey = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,200}$")]
Quantity = Annotated[int, Field(ge=1, le=10_000)]
SubscriptionId = Annotated[str, Field(pattern=r"^sub_[A-Za-z0-9]{1,250}$")]
PreviewId = Annotated[str, Field(pattern=r"^pv_[A-Za-z0-9_\-]{16,64}$")]

#: Stripe's ``cancellation_details.feedback`` enum.
Feedback = Literal[
    "customer_service",
    "low_quality",
    "missing_features",
    "other",
    "switched_service",
    "too_complex",
    "too_expensive",
    "unused",
]
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


class ChangeRequest(RequestModel):
    preview_id: PreviewId
    subscription_id: SubscriptionId | None = None


class SubscriptionRef(RequestModel):
    """Body of resume / retention-offer: optional, only to double-check which subscription is meant."""

    subscription_id: SubscriptionId | None = None


class RetentionOfferRequest(SubscriptionRef):
    offer_id: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,64}$")] | None = None


class CancelRequest(RequestModel):
    feedback: Feedback
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
    description: str | None = None
    amount: int
    proration: bool = False
    period_start: int | None = None
    period_end: int | None = None


class PreviewResponse(ResponseModel):
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
    """What the change invoices now (0 for changes scheduled at period end)."""
    subtotal: int
    tax: int
    total: int
    lines: list[PreviewLine]
    new_recurring_amount: int
    """Per period on the new plan, before discounts and tax."""
    new_interval: str
    next_billing_date: int | None = None
    next_invoice_amount: int | None = None
    """For period-end changes: the first invoice on the new plan."""
    proration_date: int


class PaymentAction(ResponseModel):
    """What Stripe.js needs to finish a payment (``stripe.confirmCardPayment`` / ``handleNextAction``)."""

    client_secret: str
    status: str
    """The PaymentIntent status: ``requires_action`` (3-D Secure) or ``requires_payment_method``."""
    payment_method: str | None = None


class ChangeResponse(ResponseModel):
    status: Literal["applied", "scheduled", "requires_action"]
    change_kind: ChangeKind
    before: PlanState
    after: PlanState
    effective_at: int | None = None
    invoice_id: str | None = None
    amount_invoiced: int | None = None
    payment: PaymentAction | None = None


class ScheduledChangeReleased(ResponseModel):
    status: Literal["released"]
    plan: PlanState


class RetentionOfferView(ResponseModel):
    id: str
    description: str
    percent_off: float
    duration: str
    duration_in_months: int | None = None


class CancelResponse(ResponseModel):
    status: Literal["offer", "canceling", "canceled"]
    offer: RetentionOfferView | None = None
    cancel_at: int | None = None
    plan: PlanState


class RetentionOfferResponse(ResponseModel):
    status: Literal["applied"]
    offer: RetentionOfferView
    plan: PlanState


class ResumeResponse(ResponseModel):
    status: Literal["resumed"]
    plan: PlanState
    current_period_end: int | None = None


class SubscribeResponse(ResponseModel):
    status: Literal["active", "trialing", "requires_action", "requires_payment_method"]
    subscription_id: str
    plan: PlanState
    trial_end: int | None = None
    payment: PaymentAction | None = None
