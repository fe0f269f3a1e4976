"""Subscription items (`/v1/subscription_items`): list, retrieve, create, update, delete through the
subscription engine, so prorations and events match an update of the subscription itself."""

from __future__ import annotations

_PASS = ("proration_behavior", "proration_date", "payment_behavior")
