"""Response models of billing_read (the public contract of the read routes)."""

from __future__ import annotations

from typing import Literal

from billing_core.models import ResponseModel


class Address(ResponseModel):
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None


class TaxIdView(ResponseModel):
    id: str
    type: str
    value: str
    verification_status: str | None = None


class CustomerView(ResponseModel):
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    preferred_locale: str | None = None
    #: Stripe's ``preferred_locales`` in order (the page picks its language from the first one it has).
    preferred_locales: list[str] = []
    address: Address | None = None
    tax_ids: list[TaxIdView] = []


class DiscountView(ResponseModel):
    name: str | None = None
    percent_off: float | None = None
    amount_off: int | None = None
    currency: str | None = None
    ends_at: int | None = None


class ScheduledChange(ResponseModel):
    price_lookup_key: str | None = None
    plan_id: str | None = None
    plan_name: str | None = None
    quantity: int | None = None
    effective_at: int | None = None


class SubscriptionView(ResponseModel):
    id: str
    status: str
    plan_id: str | None = None
    plan_name: str | None = None
    price_lookup_key: str | None = None
    unit_amount: int | None = None
    currency: str | None = None
    interval: str | None = None
    quantity: int | None = None
    trial_end: int | None = None
    current_period_end: int | None = None
    next_billing_date: int | None = None
    next_invoice_amount: int | None = None
    cancel_at_period_end: bool = False
    cancel_at: int | None = None
    scheduled_change: ScheduledChange | None = None
    discount: DiscountView | None = None
    paused: bool = False
    paused_at: int | None = None
    resumes_at: int | None = None
    """While paused: when it resumes by itself (None: paused without a date, e.g. in the hosted portal).
    ``next_billing_date``/``next_invoice_amount`` are then the resumption: that date, and what resuming bills."""
    pause_durations: list[int] = []
    """The pause lengths offered (billing periods) when the subscription can be paused now; empty otherwise."""


class PaymentMethodView(ResponseModel):
    id: str
    brand: str | None = None
    last4: str | None = None
    exp_month: int | None = None
    exp_year: int | None = None
    is_default: bool = False
    expiring_soon: bool = False


class InvoiceView(ResponseModel):
    id: str
    number: str | None = None
    created: int
    total: int
    amount_due: int
    amount_remaining: int
    currency: str
    status: str | None = None
    subscription_id: str | None = None
    invoice_pdf: str | None = None
    hosted_invoice_url: str | None = None


class EntitlementsView(ResponseModel):
    source: Literal["stored", "derived", "none"]
    plan: str | None = None
    status: str
    entitled: bool
    features: list[str] = []
    limits: dict[str, int] = {}
    period_end: int | None = None
    cancel_at_period_end: bool = False
    past_due_since: int | None = None
    grace_until: int | None = None
    paused: bool = False
    resumes_at: int | None = None


class DunningView(ResponseModel):
    past_due: bool = False
    past_due_since: int | None = None
    amount_due: int = 0
    currency: str | None = None
    open_invoice: InvoiceView | None = None


class BillingOverview(ResponseModel):
    has_customer: bool
    customer: CustomerView | None = None
    subscriptions: list[SubscriptionView] = []
    payment_methods: list[PaymentMethodView] = []
    invoices: list[InvoiceView] = []
    entitlements: EntitlementsView
    dunning: DunningView = DunningView()


class InvoicePage(ResponseModel):
    invoices: list[InvoiceView]
    has_more: bool
    next_cursor: str | None = None


class PriceOption(ResponseModel):
    lookup_key: str
    interval: str
    unit_amount: int
    currency: str
    current: bool = False
    change_kind: str | None = None
    """``upgrade``, ``downgrade``, ``longer_interval`` ... when the caller may move here; None otherwise."""
    change_timing: Literal["immediate", "period_end"] | None = None


class PlanView(ResponseModel):
    id: str
    name: str
    description: str
    tier: int
    per_seat: bool
    min_seats: int
    max_seats: int
    features: list[str]
    limits: dict[str, int]
    trial_days: int | None = None
    current: bool = False
    prices: list[PriceOption]


class CurrentPlan(ResponseModel):
    plan_id: str | None
    price_lookup_key: str | None
    quantity: int | None
    status: str
    subscription_id: str


class PlansResponse(ResponseModel):
    currency: str
    current: CurrentPlan | None = None
    can_subscribe: bool
    plans: list[PlanView]
