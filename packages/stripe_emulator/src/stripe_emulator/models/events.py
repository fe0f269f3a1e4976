"""Events, webhook endpoints and test clocks.

The stored shape of each object: the public fields as stripe-python 16 declares them on its resource class
(endive; nested objects and lists of them as plain dicts, references as ids, enums as `str`), then the
emulator's private `_`-keys, which `Backend.render` strips. `tests/contract/test_models.py` holds the public
fields to the SDK's annotations; `models/__init__.py` has the conventions.
"""

from __future__ import annotations

from typing import Any

from .base import StoredObject


class Event(StoredObject, total=False):
    """An event (`evt_`); `data.object` is a snapshot rendered when it was emitted. Stripe: `stripe.Event`."""

    account: str | None
    api_version: str | None
    context: str | None
    data: dict[str, Any]
    livemode: bool
    pending_webhooks: int
    request: dict[str, Any] | None
    type: str
    _webhook_status: dict[str, str]
    """Delivery state per webhook endpoint id (`pending`, `delivered`, `failed`)."""


class WebhookEndpoint(StoredObject, total=False):
    """A webhook endpoint (`we_`). Stripe: `stripe.WebhookEndpoint`."""

    api_version: str | None
    application: str | None
    deleted: bool | None
    description: str | None
    enabled_events: list[str]
    livemode: bool
    metadata: dict[str, str]
    secret: str | None
    status: str
    url: str
    _secret: str
    """The signing secret (`whsec_`); Stripe shows it only in the create answer."""


class TestClock(StoredObject, total=False):
    """A test clock (`clock_`). Stripe: `stripe.test_helpers.TestClock`."""

    deleted: bool | None
    deletes_after: int
    frozen_time: int
    livemode: bool
    name: str | None
    status: str
    status_details: dict[str, Any]
