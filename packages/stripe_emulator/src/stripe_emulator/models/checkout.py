"""Checkout sessions.

The stored shape of each object: the public fields as stripe-python 16 declares them on its resource class
(endive; nested objects and lists of them as plain dicts, references as ids, enums as `str`), then the
emulator's private `_`-keys, which `Backend.render` strips. `tests/contract/test_models.py` holds the public
fields to the SDK's annotations; `models/__init__.py` has the conventions.
"""

from __future__ import annotations

from typing import Any

from .base import StoredObject


class CheckoutSession(StoredObject, total=False):
    """A Checkout Session (`cs_`) in `mode=subscription`. Stripe: `stripe.checkout.Session`."""

    adaptive_pricing: dict[str, Any] | None
    after_expiration: dict[str, Any] | None
    allow_promotion_codes: bool | None
    allowed_payment_method_types: list[str] | None
    amount_subtotal: int | None
    amount_total: int | None
    automatic_tax: dict[str, Any]
    billing_address_collection: str | None
    branding_settings: dict[str, Any] | None
    cancel_url: str | None
    client_reference_id: str | None
    client_secret: str | None
    collected_information: dict[str, Any] | None
    consent: dict[str, Any] | None
    consent_collection: dict[str, Any] | None
    currency: str | None
    currency_conversion: dict[str, Any] | None
    custom_fields: list[dict[str, Any]]
    custom_text: dict[str, Any]
    customer: str | None
    customer_account: str | None
    customer_creation: str | None
    customer_details: dict[str, Any] | None
    customer_email: str | None
    discounts: list[dict[str, Any]] | None
    excluded_payment_method_types: list[str] | None
    expires_at: int
    integration_identifier: str | None
    invoice: str | None
    invoice_creation: dict[str, Any] | None
    line_items: dict[str, Any] | None
    livemode: bool
    locale: str | None
    managed_payments: dict[str, Any] | None
    metadata: dict[str, str] | None
    mode: str
    name_collection: dict[str, Any] | None
    optional_items: list[dict[str, Any]] | None
    origin_context: str | None
    payment_intent: str | None
    payment_link: str | None
    payment_method_collection: str | None
    payment_method_configuration_details: dict[str, Any] | None
    payment_method_options: dict[str, Any] | None
    payment_method_types: list[str]
    payment_status: str
    permissions: dict[str, Any] | None
    phone_number_collection: dict[str, Any] | None
    presentment_details: dict[str, Any] | None
    recovered_from: str | None
    redirect_on_completion: str | None
    return_url: str | None
    saved_payment_method_options: dict[str, Any] | None
    setup_intent: str | None
    shipping_address_collection: dict[str, Any] | None
    shipping_cost: dict[str, Any] | None
    shipping_options: list[dict[str, Any]]
    status: str | None
    submit_type: str | None
    subscription: str | None
    success_url: str | None
    tax_id_collection: dict[str, Any] | None
    total_details: dict[str, Any] | None
    ui_mode: str | None
    url: str | None
    wallet_options: dict[str, Any] | None
    _line_items: list[dict[str, Any]]
    """The line items (`{price, quantity}` and their rendered shape); listed by `GET .../line_items`, include-only in
    Stripe.
    """
    _subscription_data: dict[str, Any]
    """`subscription_data` as given: applied to the subscription that completion creates."""
