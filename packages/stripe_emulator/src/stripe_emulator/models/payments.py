"""Payment methods, setup and payment intents, and charges.

The stored shape of each object: the public fields as stripe-python 16 declares them on its resource class
(endive; nested objects and lists of them as plain dicts, references as ids, enums as `str`), then the
emulator's private `_`-keys, which `Backend.render` strips. `tests/contract/test_models.py` holds the public
fields to the SDK's annotations; `models/__init__.py` has the conventions.
"""

from __future__ import annotations

from typing import Any

from .base import StoredObject


class PaymentMethod(StoredObject, total=False):
    """A card payment method (`pm_`), from a test token. Stripe: `stripe.PaymentMethod`."""

    acss_debit: dict[str, Any] | None
    affirm: dict[str, Any] | None
    afterpay_clearpay: dict[str, Any] | None
    alipay: dict[str, Any] | None
    allow_redisplay: str | None
    alma: dict[str, Any] | None
    amazon_pay: dict[str, Any] | None
    au_becs_debit: dict[str, Any] | None
    bacs_debit: dict[str, Any] | None
    bancontact: dict[str, Any] | None
    billie: dict[str, Any] | None
    billing_details: dict[str, Any]
    bizum: dict[str, Any] | None
    blik: dict[str, Any] | None
    boleto: dict[str, Any] | None
    card: dict[str, Any] | None
    card_present: dict[str, Any] | None
    cashapp: dict[str, Any] | None
    crypto: dict[str, Any] | None
    custom: dict[str, Any] | None
    customer: str | None
    customer_account: str | None
    customer_balance: dict[str, Any] | None
    eps: dict[str, Any] | None
    fpx: dict[str, Any] | None
    giropay: dict[str, Any] | None
    grabpay: dict[str, Any] | None
    ideal: dict[str, Any] | None
    interac_present: dict[str, Any] | None
    kakao_pay: dict[str, Any] | None
    klarna: dict[str, Any] | None
    konbini: dict[str, Any] | None
    kr_card: dict[str, Any] | None
    link: dict[str, Any] | None
    livemode: bool
    mb_way: dict[str, Any] | None
    metadata: dict[str, str] | None
    mobilepay: dict[str, Any] | None
    multibanco: dict[str, Any] | None
    naver_pay: dict[str, Any] | None
    nz_bank_account: dict[str, Any] | None
    oxxo: dict[str, Any] | None
    p24: dict[str, Any] | None
    pay_by_bank: dict[str, Any] | None
    payco: dict[str, Any] | None
    paynow: dict[str, Any] | None
    paypal: dict[str, Any] | None
    paypay: dict[str, Any] | None
    payto: dict[str, Any] | None
    pix: dict[str, Any] | None
    promptpay: dict[str, Any] | None
    radar_options: dict[str, Any] | None
    revolut_pay: dict[str, Any] | None
    samsung_pay: dict[str, Any] | None
    satispay: dict[str, Any] | None
    scalapay: dict[str, Any] | None
    sepa_debit: dict[str, Any] | None
    sequra: dict[str, Any] | None
    sofort: dict[str, Any] | None
    sunbit: dict[str, Any] | None
    swish: dict[str, Any] | None
    twint: dict[str, Any] | None
    type: str
    upi: dict[str, Any] | None
    us_bank_account: dict[str, Any] | None
    wechat_pay: dict[str, Any] | None
    zip: dict[str, Any] | None
    _behaviour: str
    """What the test card does when charged or set up (`ok`, a decline, 3-D Secure ...; `resources/test_cards.py`)."""
    _token: str
    """The test token it came from (`pm_card_visa` ...)."""
    _detached: bool
    """Detached: detaching is permanent, it can never be attached again."""


class SetupIntent(StoredObject, total=False):
    """A setup intent (`seti_`). Stripe: `stripe.SetupIntent`."""

    allowed_payment_method_types: list[str] | None
    application: str | None
    attach_to_self: bool | None
    automatic_payment_methods: dict[str, Any] | None
    cancellation_reason: str | None
    client_secret: str | None
    customer: str | None
    customer_account: str | None
    description: str | None
    excluded_payment_method_types: list[str] | None
    flow_directions: list[str] | None
    last_setup_error: dict[str, Any] | None
    latest_attempt: str | None
    livemode: bool
    managed_payments: dict[str, Any] | None
    mandate: str | None
    metadata: dict[str, str] | None
    next_action: dict[str, Any] | None
    on_behalf_of: str | None
    payment_method: str | None
    payment_method_configuration_details: dict[str, Any] | None
    payment_method_options: dict[str, Any] | None
    payment_method_types: list[str]
    single_use_mandate: str | None
    status: str
    usage: str
    _return_url: str | None
    """The `return_url` given, for the 3-D Secure redirect."""


class PaymentIntent(StoredObject, total=False):
    """A payment intent (`pi_`). Stripe: `stripe.PaymentIntent`."""

    allowed_payment_method_types: list[str] | None
    amount: int
    amount_capturable: int
    amount_details: dict[str, Any] | None
    amount_received: int
    application: str | None
    application_fee_amount: int | None
    automatic_payment_methods: dict[str, Any] | None
    canceled_at: int | None
    cancellation_reason: str | None
    capture_method: str
    client_secret: str | None
    confirmation_method: str
    currency: str
    customer: str | None
    customer_account: str | None
    description: str | None
    excluded_payment_method_types: list[str] | None
    hooks: dict[str, Any] | None
    last_payment_error: dict[str, Any] | None
    latest_charge: str | None
    livemode: bool
    managed_payments: dict[str, Any] | None
    metadata: dict[str, str]
    next_action: dict[str, Any] | None
    on_behalf_of: str | None
    payment_details: dict[str, Any] | None
    payment_method: str | None
    payment_method_configuration_details: dict[str, Any] | None
    payment_method_options: dict[str, Any] | None
    payment_method_types: list[str]
    payment_record: str | None
    presentment_details: dict[str, Any] | None
    processing: dict[str, Any] | None
    receipt_email: str | None
    review: str | None
    setup_future_usage: str | None
    shipping: dict[str, Any] | None
    source: str | None
    statement_descriptor: str | None
    statement_descriptor_suffix: str | None
    status: str
    transfer_data: dict[str, Any] | None
    transfer_group: str | None
    _invoice: str | None
    """The invoice this intent pays, if any (endive has no public `invoice` field on it)."""


class Charge(StoredObject, total=False):
    """A charge (`ch_`), one per payment attempt. Stripe: `stripe.Charge`."""

    amount: int
    amount_captured: int
    amount_refunded: int
    application: str | None
    application_fee: str | None
    application_fee_amount: int | None
    authorization_code: str | None
    balance_transaction: str | None
    billing_details: dict[str, Any]
    calculated_statement_descriptor: str | None
    captured: bool
    currency: str
    customer: str | None
    description: str | None
    disputed: bool
    failure_balance_transaction: str | None
    failure_code: str | None
    failure_message: str | None
    fraud_details: dict[str, Any] | None
    level3: dict[str, Any] | None
    livemode: bool
    metadata: dict[str, str]
    on_behalf_of: str | None
    outcome: dict[str, Any] | None
    paid: bool
    payment_intent: str | None
    payment_method: str | None
    payment_method_details: dict[str, Any] | None
    presentment_details: dict[str, Any] | None
    radar_options: dict[str, Any] | None
    receipt_email: str | None
    receipt_number: str | None
    receipt_url: str | None
    refunded: bool
    refunds: dict[str, Any] | None
    review: str | None
    shipping: dict[str, Any] | None
    source: dict[str, Any] | None
    source_transfer: str | None
    statement_descriptor: str | None
    statement_descriptor_suffix: str | None
    status: str
    transfer: str | None
    transfer_data: dict[str, Any] | None
    transfer_group: str | None
