"""The catalog: products, prices, coupons and promotion codes.

The stored shape of each object: the public fields as stripe-python 16 declares them on its resource class
(endive; nested objects and lists of them as plain dicts, references as ids, enums as `str`), then the
emulator's private `_`-keys, which `Backend.render` strips. `tests/contract/test_models.py` holds the public
fields to the SDK's annotations; `models/__init__.py` has the conventions.
"""

from __future__ import annotations

from typing import Any

from .base import StoredObject


class Product(StoredObject, total=False):
    """A product (`prod_`). Stripe: `stripe.Product`."""

    active: bool
    default_price: str | None
    deleted: bool | None
    description: str | None
    images: list[str]
    livemode: bool
    marketing_features: list[dict[str, Any]]
    metadata: dict[str, str]
    name: str
    package_dimensions: dict[str, Any] | None
    shippable: bool | None
    statement_descriptor: str | None
    tax_code: str | None
    tax_details: dict[str, Any] | None
    type: str
    unit_label: str | None
    updated: int
    url: str | None


class Price(StoredObject, total=False):
    """A price (`price_`). Stripe: `stripe.Price`."""

    active: bool
    billing_scheme: str
    currency: str
    currency_options: dict[str, str] | None
    custom_unit_amount: dict[str, Any] | None
    deleted: bool | None
    livemode: bool
    lookup_key: str | None
    metadata: dict[str, str]
    nickname: str | None
    product: str
    recurring: dict[str, Any] | None
    tax_behavior: str | None
    tiers: list[dict[str, Any]] | None
    tiers_mode: str | None
    transform_quantity: dict[str, Any] | None
    type: str
    unit_amount: int | None
    unit_amount_decimal: str | None
    _tiers: list[dict[str, Any]] | None
    """The tiers given at creation; rendered as `tiers` only when `expand[]=tiers` names it (include-only in Stripe)."""


class Coupon(StoredObject, total=False):
    """A coupon (its id is the caller's or random). Stripe: `stripe.Coupon`."""

    amount_off: int | None
    applies_to: dict[str, Any] | None
    currency: str | None
    currency_options: dict[str, str] | None
    deleted: bool | None
    duration: str
    duration_in_months: int | None
    livemode: bool
    max_redemptions: int | None
    metadata: dict[str, str] | None
    name: str | None
    percent_off: float | None
    redeem_by: int | None
    times_redeemed: int
    valid: bool
    _deleted: bool
    """Deleted: missing for the API, still applied by discounts that already use it (as on Stripe)."""
    _applies_to: dict[str, Any] | None
    """`{products: [...]}`; rendered as `applies_to` only when expanded (include-only in Stripe)."""


class Discount(StoredObject, total=False):
    """A discount (`di_`): a coupon or promotion code applied to a subscription, invoice or customer. Stripe:
    `stripe.Discount`.
    """

    checkout_session: str | None
    customer: str | None
    customer_account: str | None
    deleted: bool | None
    end: int | None
    invoice: str | None
    invoice_item: str | None
    promotion_code: str | None
    source: dict[str, Any]
    start: int
    subscription: str | None
    subscription_item: str | None


class PromotionCode(StoredObject, total=False):
    """A promotion code (`promo_`). Stripe: `stripe.PromotionCode`."""

    active: bool
    code: str
    customer: str | None
    customer_account: str | None
    expires_at: int | None
    livemode: bool
    max_redemptions: int | None
    metadata: dict[str, str] | None
    promotion: dict[str, Any]
    restrictions: dict[str, Any]
    times_redeemed: int
