"""Request and response models of payment_methods (the public contract of its routes)."""

from __future__ import annotations

from typing import Annotated, Literal

from billing_core.models import RequestModel, ResponseModel
from pydantic import Field

#: Stripe ids the client may name (validated before any call; anything else is 422).
PaymentMethodId = Annotated[str, Field(pattern=r"^pm_[A-Za-z0-9_]{1,250}$")]
InvoiceId = Annotated[str, Field(pattern=r"^in_[A-Za-z0-9_]{1,250}$")]


class PayInvoiceRequest(RequestModel):
    """``payment_method``: one of the caller's saved cards; omitted -> the caller's default card."""

    payment_method: PaymentMethodId | None = None


class SetupIntentResponse(ResponseModel):
    setup_intent: str
    client_secret: str
    """For ``stripe.confirmCardSetup`` / the Payment Element; never logged."""
    publishable_key: str
    usage: str


class CardView(ResponseModel):
    id: str
    brand: str | None = None
    last4: str | None = None
    exp_month: int | None = None
    exp_year: int | None = None


class InvoicePaymentResult(ResponseModel):
    invoice: str
    status: Literal["paid", "requires_action", "declined", "processing"]
    amount: int
    currency: str | None = None
    reason: str | None = None
    """``declined`` only: a safe reason code (``card_declined``, ``insufficient_funds``, ``expired_card``...)."""
    message: str | None = None
    payment_intent: str | None = None
    client_secret: str | None = None
    """``requires_action`` only: pass to ``stripe.confirmCardPayment`` (or ``handleNextAction``) with
    ``publishable_key`` to finish 3-D Secure; the invoice is paid when Stripe confirms it."""
    publishable_key: str | None = None


class DefaultPaymentMethodResponse(ResponseModel):
    default_payment_method: CardView
    subscriptions_updated: list[str]
    overdue_invoices: list[InvoicePaymentResult]
    """One entry per overdue invoice tried with the new default, oldest first (stops at the first one not paid)."""


class RemovedPaymentMethodResponse(ResponseModel):
    removed: CardView
