"""Request and response models of pause and resume-from-pause (the public contract of those routes).

``PauseRequest`` names the pause length one way: ``periods`` (one of the plan's ``pause.durations`` in the
catalog, in billing periods of the subscription's price) or ``resume_at`` (a unix time in the future, at most the
longest duration away). Like every request model it forbids unknown fields (B3).
"""

from __future__ import annotations

from typing import Annotated, Literal

from billing_core.models import RequestModel, ResponseModel
from pydantic import Field, model_validator

from plan_change.models import PlanState, PreviewLine, SubscriptionId


class PauseRequest(RequestModel):
    periods: Annotated[int, Field(ge=1, le=12)] | None = None
    resume_at: Annotated[int, Field(ge=0, le=32_503_680_000)] | None = None
    subscription_id: SubscriptionId | None = None

    @model_validator(mode="after")
    def _one_length(self) -> PauseRequest:
        if (self.periods is None) == (self.resume_at is None):
            raise ValueError("give exactly one of periods or resume_at")
        return self


class InvoicePreview(ResponseModel):
    """One invoice's money (H1): ``sum(item + proration lines) == subtotal``; ``subtotal + sum(discount lines)
    == total_excluding_tax``; ``total_excluding_tax + tax == total``; ``total + balance_applied == amount_due``."""

    currency: str
    lines: list[PreviewLine]
    subtotal: int
    discount_total: int = 0
    total_excluding_tax: int
    tax: int
    total: int
    balance_applied: int = 0
    amount_due: int


class PausePreviewResponse(ResponseModel):
    """What pausing now does to billing.

    ``credit`` is the invoice pausing creates: a credit for the unused time of the current period, from now (its
    ``total`` is negative; ``credit_amount = -total`` goes to the customer's balance). None when nothing is
    credited. Nothing else is billed while paused. On ``resumes_at`` a new period starts, billed in full less
    the credit: ``amount_due_at_resume`` (before tax), charged to ``payment_method`` or, if that fails, the
    subscription stays paused.
    """

    resumes_at: int
    periods: int | None = None
    durations: list[int]
    interval: str
    credit: InvoicePreview | None = None
    credit_amount: int = 0
    balance_after: int = 0
    """The customer's balance after the credit (< 0: credit kept for the resumption invoice)."""
    amount_due_at_resume: int | None = None
    currency: str
    plan: PlanState
    features_while_paused: list[str] = []
    payment_method_required: bool = False
    """No usable card is on file: the resumption payment would fail (the pause is still allowed)."""


class PauseResponse(ResponseModel):
    status: Literal["paused"]
    resumes_at: int
    plan: PlanState
    credit_amount: int = 0
    credit_invoice_id: str | None = None
    amount_due_at_resume: int | None = None
    features_while_paused: list[str] = []


class ResumePreviewResponse(ResponseModel):
    """The resumption invoice "Resume now" creates (Stripe's ``create_preview`` with ``resume_at=now``):
    a new period from now, billed in full less the credit the pause left. ``amount_due_now`` is charged at once;
    when the payment fails the subscription stays paused."""

    invoice: InvoicePreview
    amount_due_now: int
    next_billing_date: int | None = None
    resumes_at: int | None = None
    """The date it would resume by itself (None: no date)."""
    plan: PlanState
    payment_method_required: bool = False
