"""The retention offer accepted outside our API (in Stripe's hosted portal): record it like plan_change does.

plan_change writes ``USER#<sub>``/``OFFER#<offer id>`` when a user accepts the catalog's retention offer through
our API; plan_change and portal_session read it so the offer is used once per customer. A customer can also take
the offer inside the hosted portal's cancel flow (portal_session hands the coupon to Stripe), and then only a
subscription event tells us. When a ``customer.subscription.created|updated`` event carries discounts, the
subscription's discounts are read back from Stripe (the event names discounts by id; state comes from Stripe)
and, when one of them is the offer's coupon, the item is written with a conditional put: an existing item (from
plan_change, or an earlier delivery) is left as it is, so redeliveries and replays write nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from billing_core import aws
from billing_core.catalog import Catalog, get_catalog
from billing_core.directory import CustomerDirectory, dynamo_error, user_pk
from billing_core.observability import count, logger
from billing_core.settings import get_settings
from billing_core.stripe_gateway import StripeGateway, get_gateway
from botocore.exceptions import BotoCoreError, ClientError

#: Subscription events whose object may show a newly applied discount.
OFFER_EVENT_TYPES = frozenset({"customer.subscription.created", "customer.subscription.updated"})
#: ``claimed_by`` of an item written here (plan_change writes its request fingerprint there).
CLAIMED_BY_PREFIX = "stripe-event:"


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def _id(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    found = _get(value, "id")
    return found if isinstance(found, str) else None


def discount_coupon(discount: Any) -> str | None:
    """The coupon id of an expanded discount (``source.coupon`` in endive; ``coupon`` in older versions)."""
    return _id(_get(_get(discount, "source"), "coupon")) or _id(_get(discount, "coupon"))


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
        coupons = (discount_coupon(d) for d in _get(subscription, "discounts") or [])
        return [c for c in coupons if c]


class RetentionOfferRecorder:
    """Writes ``USER#<sub>``/``OFFER#<offer id>`` when a subscription carries the retention offer's coupon."""

    def __init__(
        self,
        discounts: Callable[[str], list[str]] | None = None,
        catalog: Catalog | None = None,
        table_name: str | None = None,
        dynamodb: Any | None = None,
        directory: CustomerDirectory | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.discounts = discounts or StripeDiscountReader()
        self._catalog = catalog
        self._table = table_name
        self._dynamodb = dynamodb
        self._directory = directory  # the billing table and client the webhook already uses
        self.clock = clock

    @property
    def catalog(self) -> Catalog:
        return self._catalog or get_catalog()

    @property
    def table(self) -> str:
        if self._table:
            return self._table
        return self._directory.table if self._directory is not None else get_settings().table_name

    @property
    def dynamodb(self) -> Any:
        if self._dynamodb is not None:
            return self._dynamodb
        return self._directory.dynamodb if self._directory is not None else aws.client("dynamodb")

    def observe(
        self, event_type: str, event_id: str, obj: Mapping[str, Any], sub: str, before_write: Callable[[], None]
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
        return self._put(sub, offer.id, subscription_id, coupon, event_id)

    def _put(self, sub: str, offer_id: str, subscription_id: str, coupon: str, event_id: str) -> bool:
        try:
            self.dynamodb.put_item(
                TableName=self.table,
                Item={
                    "pk": {"S": user_pk(sub)},
                    "sk": {"S": f"OFFER#{offer_id}"},
                    "claimed_by": {"S": CLAIMED_BY_PREFIX + event_id},
                    "subscription_id": {"S": subscription_id},
                    "coupon": {"S": coupon},
                    "claimed_at": {"N": str(int(self.clock()))},
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False  # already recorded (by plan_change or an earlier delivery)
            raise dynamo_error(exc, "offer.record") from None
        except BotoCoreError as exc:
            raise dynamo_error(exc, "offer.record") from None
        count("RetentionOfferRecorded")
        logger.info("retention offer recorded from a subscription event", extra={"offer": offer_id})
        return True
