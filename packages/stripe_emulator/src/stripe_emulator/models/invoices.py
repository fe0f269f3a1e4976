"""Invoices, their lines, and invoice items.

The stored shape of each object: the public fields as stripe-python 16 declares them on its resource class
(endive; nested objects and lists of them as plain dicts, references as ids, enums as `str`), then the
emulator's private `_`-keys, which `Backend.render` strips. `tests/contract/test_models.py` holds the public
fields to the SDK's annotations; `models/__init__.py` has the conventions.
"""

from __future__ import annotations

from typing import Any

from .base import StoredObject


class Invoice(StoredObject, total=False):
    """An invoice (`in_`). Stripe: `stripe.Invoice`."""

    account_country: str | None
    account_name: str | None
    account_tax_ids: list[str] | None
    amount_due: int
    amount_overpaid: int
    amount_paid: int
    amount_paid_off_stripe: int | None
    amount_remaining: int
    amount_shipping: int
    application: str | None
    attempt_count: int
    attempted: bool
    auto_advance: bool | None
    automatic_tax: dict[str, Any]
    automatically_finalizes_at: int | None
    billing_reason: str | None
    collection_method: str
    confirmation_secret: dict[str, Any] | None
    currency: str
    custom_fields: list[dict[str, Any]] | None
    customer: str | None
    customer_account: str | None
    customer_address: dict[str, Any] | None
    customer_email: str | None
    customer_name: str | None
    customer_phone: str | None
    customer_shipping: dict[str, Any] | None
    customer_tax_exempt: str | None
    customer_tax_ids: list[dict[str, Any]] | None
    default_payment_method: str | None
    default_source: str | None
    default_tax_rates: list[dict[str, Any]]
    deleted: bool | None
    description: str | None
    discounts: list[str]
    due_date: int | None
    effective_at: int | None
    ending_balance: int | None
    footer: str | None
    from_invoice: dict[str, Any] | None
    hosted_invoice_url: str | None
    invoice_pdf: str | None
    issuer: dict[str, Any]
    last_finalization_error: dict[str, Any] | None
    latest_revision: str | None
    lines: dict[str, Any]
    livemode: bool
    metadata: dict[str, str] | None
    next_payment_attempt: int | None
    number: str | None
    on_behalf_of: str | None
    parent: dict[str, Any] | None
    payment_settings: dict[str, Any]
    payments: dict[str, Any] | None
    period_end: int
    period_start: int
    post_payment_credit_notes_amount: int
    pre_payment_credit_notes_amount: int
    receipt_number: str | None
    rendering: dict[str, Any] | None
    shipping_cost: dict[str, Any] | None
    shipping_details: dict[str, Any] | None
    starting_balance: int
    statement_descriptor: str | None
    status: str | None
    status_details: dict[str, Any] | None
    status_transitions: dict[str, Any]
    subtotal: int
    subtotal_excluding_tax: int | None
    test_clock: str | None
    threshold_reason: dict[str, Any] | None
    total: int
    total_discount_amounts: list[dict[str, Any]] | None
    total_excluding_tax: int | None
    total_pretax_credit_amounts: list[dict[str, Any]] | None
    total_taxes: list[dict[str, Any]] | None
    webhooks_delivered_at: int | None
    _payment_intent: str
    """The payment intent that collects it (created at finalization)."""
    _automatic: bool
    """Collected automatically (renewals): a failure starts the retry schedule."""
    _retries_done: int
    """Automatic payment retries made so far."""
    _first_failure_at: int
    """When the first payment attempt failed (the retry schedule counts from it)."""
    _pending_for: str
    """The subscription whose pending update this invoice pays."""
    _resumption_for: str
    """The paused subscription this invoice resumes."""


class InvoiceLineItem(StoredObject, total=False):
    """A line of an invoice (`il_`), stored inside the invoice's `lines`. Stripe: `stripe.InvoiceLineItem`."""

    amount: int
    currency: str
    description: str | None
    discount_amounts: list[dict[str, Any]] | None
    discountable: bool
    discounts: list[str]
    invoice: str | None
    livemode: bool
    metadata: dict[str, str]
    parent: dict[str, Any] | None
    period: dict[str, Any]
    pretax_credit_amounts: list[dict[str, Any]] | None
    pricing: dict[str, Any] | None
    quantity: int | None
    quantity_decimal: str | None
    subscription: str | None
    subtotal: int
    taxes: list[dict[str, Any]] | None
    _fixed_discounts: list[dict[str, Any]] | None
    """Discount amounts fixed when the line was made (a flexible-mode credit keeps the discounts of the charge it
    reverses).
    """


class InvoiceItem(StoredObject, total=False):
    """An invoice item (`ii_`), pending until an invoice takes it. Stripe: `stripe.InvoiceItem`."""

    amount: int
    currency: str
    customer: str
    customer_account: str | None
    date: int
    deleted: bool | None
    description: str | None
    discountable: bool
    discounts: list[str] | None
    frozen_fields: list[str] | None
    invoice: str | None
    invoicing_rules: list[dict[str, Any]] | None
    livemode: bool
    metadata: dict[str, str] | None
    net_amount: int | None
    parent: dict[str, Any] | None
    period: dict[str, Any]
    pricing: dict[str, Any] | None
    proration: bool
    proration_details: dict[str, Any] | None
    quantity: int
    quantity_decimal: str
    tax_rates: list[dict[str, Any]] | None
    test_clock: str | None
    _fixed_discounts: list[dict[str, Any]] | None
    """As on `InvoiceLineItem`, copied to the line it becomes."""
    _deleted: bool
    """Deleted: no longer picked up by the next invoice."""
