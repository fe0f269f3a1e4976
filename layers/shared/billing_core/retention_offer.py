"""The catalog's retention offer: who may see it, and the record that it was taken (``ACCOUNT#<id>``/``OFFER#<id>``).

One offer item per customer and offer, written with a conditional put so the offer is used once:

* plan_change claims it when a user accepts the offer through our API (``claimed_by`` = the request's
  fingerprint, so a retry of that request may claim it again) and unclaims it when Stripe refused the coupon;
* the webhook records it when the coupon shows up on a subscription after the hosted portal's cancel flow
  (``claimed_by`` = ``stripe-event:<evt id>``; an existing item is left as it is);
* plan_change (cancel) and portal_session (the portal's cancel flow) offer it only while :func:`eligible_offer`
  says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from billing_core.catalog.model import Catalog
from billing_core.catalog.plans import RetentionOffer
from billing_core.entitlements import catalog_item
from billing_core.errors import Conflict
from billing_core.observability import count, logger
from billing_core.store.base import ConditionFailed, TableStore
from billing_core.store.keys import account_pk, key, offer_sk
from billing_core.stripe_fields import field as g

#: ``claimed_by`` of an item written from a Stripe event (plan_change writes its request fingerprint there).
CLAIMED_BY_PREFIX = "stripe-event:"


def plan_of(subscription: Any, catalog: Catalog) -> str | None:
    """The catalog plan of a subscription (its first item whose price is in the catalog), or None."""
    _, lookup_key = catalog_item(subscription, catalog)
    found = catalog.find_price(lookup_key)
    return found[0].id if found else None


def eligible_offer(catalog: Catalog, subscription: Any, used: Callable[[str], bool]) -> RetentionOffer | None:
    """The offer to show before a cancellation, or None.

    Offered when the catalog has one and a ``coupon`` retention rule (a catalog with only ``retention_offer``
    has one for every reason), the subscription's plan qualifies (the offer's plans and the rule's, if it names
    any), the subscription carries no discount, and (for a once-per-customer offer) ``used(offer_id)`` says this
    customer has not taken it yet. The store is read last, only when everything else allows the offer. The
    hosted portal's cancel flow uses this: Stripe shows the coupon whatever reason is picked there.
    """
    offer = catalog.retention_offer
    rule = next((r for r in catalog.retention_rules if r.offer == "coupon"), None)
    if offer is None or rule is None:
        return None
    plan = plan_of(subscription, catalog)
    if plan not in offer.plans or (rule.plans and plan not in rule.plans) or g(subscription, "discounts"):
        return None
    if rule.once_per_customer and used(offer.id):
        return None
    return offer


class RetentionOfferStore(TableStore):
    """``ACCOUNT#<id>``/``OFFER#<offer id>`` items."""

    def claimed_by(self, account_id: str, offer_id: str) -> str | None:
        """Who took the offer (a request fingerprint or ``stripe-event:<id>``), or None when it was never used."""
        item = self._get(account_pk(account_id), offer_sk(offer_id), "offer.get")
        return item.get("claimed_by", {}).get("S", "unknown") if item else None

    def used(self, account_id: str, offer_id: str) -> bool:
        return self.claimed_by(account_id, offer_id) is not None

    def claim(self, account_id: str, offer_id: str, fingerprint: str, subscription_id: str, coupon: str) -> None:
        """Record the offer as used by this request; ``Conflict(offer_already_used)`` when another one used it."""
        try:
            self._put(
                self._item(account_id, offer_id, fingerprint, subscription_id, coupon),
                "offer.claim",
                condition="attribute_not_exists(pk) OR claimed_by = :me",
                values={":me": {"S": fingerprint}},
            )
        except ConditionFailed:
            raise Conflict(code="offer_already_used", message="The retention offer has already been used.") from None

    def unclaim(self, account_id: str, offer_id: str, fingerprint: str) -> None:
        """Undo ``claim`` after Stripe refused the coupon (best effort)."""
        mine = self._keyed(
            account_pk(account_id), offer_sk(offer_id), "claimed_by = :me", values={":me": {"S": fingerprint}}
        )
        self._attempt(lambda c: c.delete_item(**mine))

    def record_from_event(
        self, account_id: str, offer_id: str, subscription_id: str, coupon: str, event_id: str
    ) -> bool:
        """Record an offer taken in the hosted portal; False when it was already recorded (by anyone)."""
        try:
            self._put(
                self._item(account_id, offer_id, CLAIMED_BY_PREFIX + event_id, subscription_id, coupon),
                "offer.record",
                condition="attribute_not_exists(pk)",
            )
        except ConditionFailed:
            return False
        count("RetentionOfferRecorded")
        logger.info("retention offer recorded from a subscription event", extra={"offer": offer_id})
        return True

    def _item(
        self, account_id: str, offer_id: str, claimed_by: str, subscription_id: str, coupon: str
    ) -> dict[str, Any]:
        return {
            **key(account_pk(account_id), offer_sk(offer_id)),
            "claimed_by": {"S": claimed_by},
            "subscription_id": {"S": subscription_id},
            "coupon": {"S": coupon},
            "claimed_at": {"N": str(int(self.clock()))},
        }
