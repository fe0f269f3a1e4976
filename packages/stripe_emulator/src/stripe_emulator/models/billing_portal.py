"""The customer portal: configurations and sessions.

The stored shape of each object: the public fields as stripe-python 16 declares them on its resource class
(endive; nested objects and lists of them as plain dicts, references as ids, enums as `str`), then the
emulator's private `_`-keys, which `Backend.render` strips. `tests/contract/test_models.py` holds the public
fields to the SDK's annotations; `models/__init__.py` has the conventions.
"""

from __future__ import annotations

from typing import Any

from .base import StoredObject


class PortalConfiguration(StoredObject, total=False):
    """A portal configuration (`bpc_`). Stripe: `stripe.billing_portal.Configuration`."""

    active: bool
    application: str | None
    business_profile: dict[str, Any]
    default_return_url: str | None
    features: dict[str, Any]
    is_default: bool
    livemode: bool
    login_page: dict[str, Any]
    metadata: dict[str, str] | None
    name: str | None
    updated: int


class PortalSession(StoredObject, total=False):
    """A portal session (`bps_`); its page is `/portal/session/{id}`. Stripe: `stripe.billing_portal.Session`."""

    after_expiration: dict[str, Any] | None
    configuration: str
    customer: str
    customer_account: str | None
    flow: dict[str, Any] | None
    livemode: bool
    locale: str | None
    on_behalf_of: str | None
    return_url: str | None
    url: str
    _url_expires_at: int
    """The URL must be opened before this (5 minutes after creation)."""
    _opened_at: int | None
    """When the page was first opened (usable for an hour from then)."""
    _completed: bool
    """Its `flow_data` flow was completed; the page shows the home view from then on."""
    _notice: str | None
    """A one-time message for the next page view (after an action)."""
    _offer_declined: bool
    """The customer declined the retention offer of the cancel flow."""
