"""Customers and what hangs off them: tax IDs and customer sessions.

The stored shape of each object: the public fields as stripe-python 16 declares them on its resource class
(endive; nested objects and lists of them as plain dicts, references as ids, enums as `str`), then the
emulator's private `_`-keys, which `Backend.render` strips. `tests/contract/test_models.py` holds the public
fields to the SDK's annotations; `models/__init__.py` has the conventions.
"""

from __future__ import annotations

from typing import Any

from .base import StoredObject


class Customer(StoredObject, total=False):
    """A customer (`cus_`); once deleted, Stripe's deleted stub (`deleted: true`). Stripe: `stripe.Customer`."""

    address: dict[str, Any] | None
    balance: int | None
    business_name: str | None
    cash_balance: dict[str, Any] | None
    currency: str | None
    customer_account: str | None
    default_source: str | None
    deleted: bool | None
    delinquent: bool | None
    description: str | None
    discount: dict[str, Any] | None
    email: str | None
    individual_name: str | None
    invoice_credit_balance: dict[str, str] | None
    invoice_prefix: str | None
    invoice_settings: dict[str, Any] | None
    livemode: bool
    metadata: dict[str, str] | None
    name: str | None
    next_invoice_sequence: int | None
    phone: str | None
    preferred_locales: list[str] | None
    shipping: dict[str, Any] | None
    sources: dict[str, Any] | None
    subscriptions: dict[str, Any] | None
    tax: dict[str, Any] | None
    tax_exempt: str | None
    tax_ids: dict[str, Any] | None
    test_clock: str | None


class TaxId(StoredObject, total=False):
    """A customer's tax ID (`txi_`). Stripe: `stripe.TaxId`."""

    country: str | None
    customer: str | None
    customer_account: str | None
    deleted: bool | None
    livemode: bool
    owner: dict[str, Any] | None
    type: str
    value: str
    verification: dict[str, Any] | None
    _verify_at: float | None
    """When a `pending` verification settles (seconds since the epoch); None once settled."""


class CustomerSession(StoredObject, total=False):
    """A customer session (its `client_secret` is `cuss_secret_...`). Stripe: `stripe.CustomerSession`."""

    client_secret: str
    components: dict[str, Any] | None
    customer: str
    customer_account: str | None
    expires_at: int
    livemode: bool
