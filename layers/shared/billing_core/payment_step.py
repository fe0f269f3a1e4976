"""The one shape every answer that may leave a payment to the customer carries: ``payment`` (``PaymentAction``).

Subscribe (``POST /billing/subscription``), plan change (``POST /billing/subscription/change``, and the cheaper-plan
offer's ``change``), resume from a pause and paying an invoice (``POST /billing/invoices/{id}/pay``, and each of
``overdue_invoices`` after a new default card) answer ``payment`` when, and only when, the customer must act to
finish a payment: the invoice's PaymentIntent waits for 3-D Secure (``requires_action``; ``requires_confirmation``
too, which a client finishes the same way) or for a payment method (``requires_payment_method``: a first invoice
without a card). Otherwise ``payment`` is null: the payment succeeded, is processing, or nothing was charged.

``client_secret`` is the invoice's ``confirmation_secret.client_secret`` (Stripe API basil and later; the
PaymentIntent's client secret) for ``PaymentSheet`` / ``stripe.confirmPayment`` / ``handleNextAction``, with
``publishable_key``. A mobile SDK that finishes it is told the outcome by Stripe; the product learns it from the
webhook (``invoice.paid``), as for a payment finished on the web page.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict

from billing_core.models import ResponseModel
from billing_core.settings import get_settings

#: PaymentIntent statuses that wait for the customer, and what the client does for each.
_CUSTOMER_STEPS: dict[str, Literal["requires_action", "requires_payment_method"]] = {
    "requires_action": "requires_action",
    "requires_confirmation": "requires_action",
    "requires_payment_method": "requires_payment_method",
}


class PaymentAction(ResponseModel):
    """A payment the customer must finish in Stripe's SDK (present only then)."""

    model_config = ConfigDict(
        extra="forbid",
        use_attribute_docstrings=True,
        json_schema_extra={
            "examples": [
                {
                    "status": "requires_action",
                    "client_secret": "pi_3QExample_secret_Ab12Cd34Ef56",
                    "payment_intent": "pi_3QExample",
                    "payment_intent_status": "requires_action",
                    "invoice": "in_1QExample",
                    "payment_method": "pm_1QExample",
                    "publishable_key": "pk_test_51Example",
                }
            ]
        },
    )

    status: Literal["requires_action", "requires_payment_method"]
    """``requires_action``: authenticate (3-D Secure) with ``handleNextAction`` / PaymentSheet;
    ``requires_payment_method``: collect a card and confirm (PaymentSheet, ``stripe.confirmPayment``)."""
    client_secret: str
    """The invoice payment's client secret (``latest_invoice.confirmation_secret.client_secret``); never log it."""
    payment_intent: str | None = None
    payment_intent_status: str
    """Stripe's PaymentIntent status as read after the attempt (``requires_action``, ``requires_confirmation``,
    ``requires_payment_method``)."""
    invoice: str | None = None
    payment_method: str | None = None
    """The card the attempt used, when there was one."""
    publishable_key: str


def payment_action(
    intent_status: str | None,
    client_secret: str | None,
    *,
    payment_intent: str | None = None,
    invoice: str | None = None,
    payment_method: str | None = None,
) -> PaymentAction | None:
    """The customer's step for a PaymentIntent in ``intent_status``, or None when there is none to take."""
    step = _CUSTOMER_STEPS.get(intent_status or "")
    if step is None or not client_secret or intent_status is None:
        return None
    return PaymentAction(
        status=step,
        client_secret=client_secret,
        payment_intent=payment_intent,
        payment_intent_status=intent_status,
        invoice=invoice,
        payment_method=payment_method,
        publishable_key=get_settings().stripe_publishable_key,
    )
