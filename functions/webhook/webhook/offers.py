"""The retention offer accepted outside our API (in Stripe's hosted portal): record it like plan_change does.

plan_change records the offer (:mod:`billing_core.retention_offer`) when a user accepts the catalog's retention
offer through our API; plan_change and portal_session read it so the offer is used once per customer. A customer
can also take the offer inside the hosted portal's cancel flow (portal_session hands the coupon to Stripe), and
then only a subscription event tells us. When a ``customer.subscription.created|updated`` event carries
discounts, the subscription's discounts are read back from Stripe (the event names discounts by id; state comes
from Stripe) and, when one of them is the offer's coupon, the offer is recorded with a conditional put: an
existing record (from plan_change, or an earlier delivery) is left as it is, so redeliveries and replays write
nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from billing_core.catalog.model import Catalog, get_catalog
from billing_core.directory import CustomerDirectory
from billing_core.retention_offer import CLAIMED_BY_PREFIX, RetentionOfferStore
from billing_core.store.base import DynamoDBClient
from billing_core.stripe_fields import field, object_id
from billing_core.stripe_gateway import StripeGateway, get_gateway

#: Subscription events whose object may show a newly applied discount.
OFFER_EVENT_TYPES = frozenset({"customer.subscription.created", "customer.subscription.updated"})
__all__ = ["CLAIMED_BY_PREFIX", "OFFER_EVENT_TYPES", "RetentionOfferRecorder", "StripeDiscountReader"]


def discount_coupon(discount: Any) -> str | None:
    """The coupon id of an expanded discount (``source.coupon`` in endive; ``coupon`` in older versions)."""
    return object_id(field(discount, "source", "coupon")) or object_id(field(discount, "coupon"))


class StripeDiscountReader:
    """The coupon ids of a subscription's discounts, read from Stripe (one call, ``expand[]=discounts``)."""

    def __init__(self, gateway: StripeGateway | None = None) -> None:
        self._gateway = gateway

    def __call__(self, subscription_id: str) -> list[str]:
        gateway = self._gateway or get_gateway()
        subscription = gateway.call(
            "subscriptions.retrieve",
            lambda c: c.v1.subscriptions.retrieve(subscription_id, params={"expand": ["discounts"]}),
        )
        coupons = (discount_coupon(d) for d in field(subscription, "discounts") or [])
        return [c for c in coupons if c]


class RetentionOfferRecorder:
    """Records the offer when a subscription carries the retention offer's coupon."""

    def __init__(
        self,
        discounts: Callable[[str], list[str]] | None = None,
        catalog: Catalog | None = None,
        table_name: str | None = None,
        dynamodb: DynamoDBClient | None = None,
        directory: CustomerDirectory | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.discounts = discounts or StripeDiscountReader()
        self._catalog = catalog
        if directory is not None and table_name is None and dynamodb is None:
            # the billing table and client the webhook already uses
            self.store = directory.sibling(RetentionOfferStore)
            self.store.clock = clock
        else:
            self.store = RetentionOfferStore(table_name, dynamodb, clock)

    @property
    def catalog(self) -> Catalog:
        return self._catalog or get_catalog()

    def observe(
        self, event_type: str, event_id: str, obj: Mapping[str, Any], account_id: str, before_write: Callable[[], None]
    ) -> bool:
        """Record the offer if this subscription event shows its coupon; True when an item was written."""
        offer = self.catalog.retention_offer
        if offer is None or event_type not in OFFER_EVENT_TYPES:
            return False
        listed = obj.get("discounts")
        subscription_id = obj.get("id")
        if not listed or not isinstance(listed, list) or not isinstance(subscription_id, str):
            return False
        coupon = offer.coupon.id
        expanded = [discount_coupon(d) for d in listed if isinstance(d, Mapping)]
        if len(expanded) == len(listed):
            coupons = [c for c in expanded if c]
        else:
            before_write()
            coupons = self.discounts(subscription_id)
        if coupon not in coupons:
            return False
        before_write()
        return self.store.record_from_event(account_id, offer.id, subscription_id, coupon, event_id)
