"""Subscriptions: create, retrieve, update, cancel, pause, resume, list, search (thin wrappers over billing/).

Plain functions for other modules: `create_subscription(b, params, request_id=None)`,
`update_subscription(b, sub_id, params, request_id=None)`, `cancel_subscription(b, sub_id, params, ...)`,
`pause_subscription(...)`, `resume_subscription(...)`; each returns the stored subscription dict.
"""

from __future__ import annotations

from ..billing.cancel import cancel_subscription
from ..billing.pause import pause_subscription
from ..billing.resume import resume_subscription
from ..billing.subscription_create import create_subscription
from ..billing.subscription_update import update_subscription

__all__ = [
    "cancel_subscription",
    "create_subscription",
    "pause_subscription",
    "resume_subscription",
    "update_subscription",
]
