"""Request and response models of payment_methods (the public contract of its routes)."""

from __future__ import annotations

from typing import Annotated, Literal

from billing_core.models import RequestModel, ResponseModel
from billing_core.payment_step import PaymentAction
from pydantic import ConfigDict, Field

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
    ``publishable_key`` to finish 3-D Secure; the invoice is paid when Stripe confirms it (the same as
    ``payment.client_secret``)."""
    publishable_key: str | None = None
    payment: PaymentAction | None = Field(
        default=None,
        description=(
            "Only with ``requires_action``: the step the customer must take, in the shape subscribe and plan "
            "change answer too (``billing_core.payment_step``); null when paid, processing or declined (a "
            "decline is 402)."
        ),
    )


class DefaultPaymentMethodResponse(ResponseModel):
    default_payment_method: CardView
    subscriptions_updated: list[str]
    overdue_invoices: list[InvoicePaymentResult]
    """One entry per overdue invoice tried with the new default, oldest first (stops at the first one not paid)."""


class RemovedPaymentMethodResponse(ResponseModel):
    removed: CardView


#: The Stripe SDK component a CustomerSession is for: PaymentSheet (``mobile_payment_element``), CustomerSheet
#: (``customer_sheet``) or Stripe.js's Payment Element (``payment_element``).
Component = Literal["mobile_payment_element", "customer_sheet", "payment_element"]


class CustomerSessionRequest(RequestModel):
    """The SDK component the session is for; the server decides the customer and what the SDK may do."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        use_attribute_docstrings=True,
        json_schema_extra={"examples": [{"component": "mobile_payment_element"}, {"component": "customer_sheet"}]},
    )

    component: Component


class CustomerSessionFeatures(ResponseModel):
    """What the SDK offers with this session (decided by the server, sent to Stripe as the component's features)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    save: bool
    """A new card can be saved (PaymentSheet's checkbox; CustomerSheet always saves through a SetupIntent)."""
    remove: bool
    """Saved cards can be removed in the SDK: false while a subscription that still bills has a default card."""
    redisplay: bool
    """The customer's saved cards are shown."""


class CustomerSessionResponse(ResponseModel):
    """Pass ``customer_session_client_secret`` with ``customer`` to PaymentSheet / CustomerSheet
    (``CustomerConfiguration(id, clientSecret)``) or to ``stripe.elements({customerSessionClientSecret})``, with
    ``publishable_key``. Create a new session when it expires (``expires_at``, about 30 minutes); never store or log
    the secret."""

    model_config = ConfigDict(
        extra="forbid",
        use_attribute_docstrings=True,
        json_schema_extra={
            "examples": [
                {
                    "component": "mobile_payment_element",
                    "customer_session_client_secret": "cuss_secret_QXhWeUEtZoDV8FHnNbPiBHmAkXKnqYLGMGq7LLf8ODSQ8gL",
                    "expires_at": 1767227400,
                    "customer": "cus_QXg1o8vcGmoR32",
                    "publishable_key": "pk_test_51Example",
                    "features": {"save": True, "remove": False, "redisplay": True},
                    "remove_blocked_by": "default_payment_method_in_use",
                }
            ]
        },
    )

    component: Component
    customer_session_client_secret: str
    expires_at: int
    """Unix seconds; Stripe's customer sessions last 30 minutes."""
    customer: str
    """The Stripe customer of the billing account (PaymentSheet's ``CustomerConfiguration`` id)."""
    publishable_key: str
    features: CustomerSessionFeatures
    remove_blocked_by: Literal["default_payment_method_in_use"] | None = None
    """Why ``features.remove`` is false: a subscription that still bills pays with a default card."""
