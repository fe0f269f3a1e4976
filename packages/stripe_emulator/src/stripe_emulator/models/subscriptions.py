"""Subscriptions, their items and schedules.

The stored shape of each object: the public fields as stripe-python 16 declares them on its resource class
(endive; nested objects and lists of them as plain dicts, references as ids, enums as `str`), then the
emulator's private `_`-keys, which `Backend.render` strips. `tests/contract/test_models.py` holds the public
fields to the SDK's annotations; `models/__init__.py` has the conventions.
"""

from __future__ import annotations

from typing import Any

from .base import StoredObject
from .catalog import Price


class Subscription(StoredObject, total=False):
    """A subscription (`sub_`). Stripe: `stripe.Subscription`."""

    application: str | None
    application_fee_percent: float | None
    automatic_tax: dict[str, Any]
    billing_cycle_anchor: int
    billing_cycle_anchor_config: dict[str, Any] | None
    billing_mode: dict[str, Any]
    billing_schedules: list[dict[str, Any]]
    billing_thresholds: dict[str, Any] | None
    cancel_at: int | None
    cancel_at_period_end: bool
    canceled_at: int | None
    cancellation_details: dict[str, Any] | None
    collection_method: str
    currency: str
    customer: str
    customer_account: str | None
    days_until_due: int | None
    default_payment_method: str | None
    default_source: str | None
    default_tax_rates: list[dict[str, Any]] | None
    description: str | None
    discounts: list[str]
    ended_at: int | None
    invoice_settings: dict[str, Any]
    items: dict[str, Any]
    latest_invoice: str | None
    livemode: bool
    managed_payments: dict[str, Any] | None
    metadata: dict[str, str]
    next_pending_invoice_item_invoice: int | None
    on_behalf_of: str | None
    pause_collection: dict[str, Any] | None
    payment_settings: dict[str, Any] | None
    pending_invoice_item_interval: dict[str, Any] | None
    pending_setup_intent: str | None
    pending_update: dict[str, Any] | None
    presentment_details: dict[str, Any] | None
    schedule: str | None
    start_date: int
    status: str
    status_details: dict[str, Any] | None
    test_clock: str | None
    transfer_data: dict[str, Any] | None
    trial_end: int | None
    trial_settings: dict[str, Any] | None
    trial_start: int | None
    _period: list[int]
    """`[start, end]` of the current period; each item's `current_period_start`/`_end` is rendered from it."""
    _interval: list[Any]
    """`[interval, interval_count]` of the items' prices (one interval per subscription)."""
    _debits: list[dict[str, Any]]
    """The ledger of what each item was debited for which span (`billing/billing_mode.py`): flexible-mode credits come
    from it.
    """
    _pending: dict[str, Any] | None
    """A pending update (`payment_behavior=pending_if_incomplete`): `{state, invoice, fields}`, applied when its
    invoice is paid.
    """
    _resumption: dict[str, Any] | None
    """An open resumption invoice and what to apply when it is paid (`billing/resume.py`)."""
    _resume_at: int | None
    """When a paused subscription resumes by itself (a portal pause with a duration)."""
    _trial_will_end_sent: bool
    """`customer.subscription.trial_will_end` was emitted for the current trial."""
    _incomplete_expires_at: int
    """When an `incomplete` subscription turns `incomplete_expired` (23 hours after creation)."""


class SubscriptionItem(StoredObject, total=False):
    """A subscription item (`si_`), stored inside its subscription's `items`. Stripe: `stripe.SubscriptionItem`."""

    billed_until: int | None
    billing_thresholds: dict[str, Any] | None
    current_period_end: int
    current_period_start: int
    current_trial: dict[str, Any] | None
    deleted: bool | None
    discounts: list[str]
    metadata: dict[str, str]
    plan: dict[str, Any]
    price: Price
    quantity: int | None
    subscription: str
    tax_rates: list[dict[str, Any]] | None


class SubscriptionSchedule(StoredObject, total=False):
    """A subscription schedule (`sub_sched_`). Stripe: `stripe.SubscriptionSchedule`."""

    application: str | None
    billing_mode: dict[str, Any]
    canceled_at: int | None
    completed_at: int | None
    current_phase: dict[str, Any] | None
    customer: str
    customer_account: str | None
    default_settings: dict[str, Any]
    end_behavior: str
    livemode: bool
    metadata: dict[str, str] | None
    pause_schedules: list[dict[str, Any]]
    phases: list[dict[str, Any]]
    released_at: int | None
    released_subscription: str | None
    status: str
    subscription: str | None
    test_clock: str | None
