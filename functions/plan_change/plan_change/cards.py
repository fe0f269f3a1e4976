"""Which card Stripe would charge for a subscription invoice, checked before any change that charges now (H2).

Stripe's order (stripe-python 16, ``Subscription.default_payment_method`` / ``default_source`` docstrings): the
subscription's ``default_payment_method``, then its ``default_source``, then the customer's
``invoice_settings.default_payment_method``, then the customer's ``default_source``. Without any of them the
invoice of a charge-now change stays open, so the product refuses the change before writing anything.
"""

from __future__ import annotations

from typing import Any

from billing_core.errors import Conflict
from billing_core.stripe_fields import field as g
from billing_core.stripe_fields import object_id as oid


def usable_payment_method(subscription: Any, customer: Any) -> str | None:
    """The payment method (or source) Stripe would use for the subscription's invoices, or None."""
    for value in (
        g(subscription, "default_payment_method"),
        g(subscription, "default_source"),
        g(customer, "invoice_settings", "default_payment_method"),
        g(customer, "default_source"),
    ):
        found = oid(value)
        if found:
            return found
    return None


class PaymentMethodRequired(Conflict):
    """409: the change charges now and there is no card to charge; nothing was written to Stripe."""

    code = "payment_method_required"
    message = "Add a card under Payment methods to pay for this change, then confirm it again."
