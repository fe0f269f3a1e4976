"""What the customer portal's configurations, flows and sessions share: the flow types, the cancellation
reasons, and the subscription a session may act on with its items and prices."""

from __future__ import annotations

from typing import Any, cast

from ..backend import Backend
from ..errors import invalid_request
from ..models.subscriptions import Subscription, SubscriptionItem

FLOW_TYPES = (
    "customer_update",
    "payment_method_update",
    "subscription_cancel",
    "subscription_pause",
    "subscription_update",
    "subscription_update_confirm",
)


AFTER_COMPLETION_TYPES = ("hosted_confirmation", "portal_homepage", "redirect")


CANCEL_REASONS = (
    "customer_service",
    "low_quality",
    "missing_features",
    "other",
    "switched_service",
    "too_complex",
    "too_expensive",
    "unused",
)


PORTABLE_STATUSES = ("active", "trialing", "past_due")


def portable_subscription(b: Backend, sub_id: Any, customer_id: str, param: str) -> Subscription:
    if not sub_id:
        raise invalid_request(f"Missing required param: {param}.", param=param)
    sub = b.get(sub_id, "subscription", param=param)
    if sub.get("customer") != customer_id:
        raise invalid_request(f"The subscription {sub_id} does not belong to the customer {customer_id}.", param=param)
    if sub.get("status") not in PORTABLE_STATUSES:
        raise invalid_request(
            f"The subscription {sub_id} has a status of `{sub.get('status')}`. The customer portal can only be used "
            "with subscriptions that are active, trialing or past_due.",
            param=param,
        )
    return sub


def subscription_items(b: Backend, sub: Subscription) -> list[SubscriptionItem]:
    """The subscription's items as dicts, whether the subscription stores them embedded or by id."""
    items = sub.get("items")
    data = items.get("data", []) if isinstance(items, dict) else (items or [])
    out: list[SubscriptionItem] = []
    for it in data:
        if isinstance(it, str):
            it = b.objects.get(it)
        if isinstance(it, dict):
            out.append(cast(SubscriptionItem, it))  # an item, embedded or stored
    return out


def price_id_of(item: SubscriptionItem) -> str:
    price = item.get("price")
    return str(price["id"] if isinstance(price, dict) else price)
