"""Which retention offer a cancellation gets: one pure function over the catalog's ``retention`` rules.

:func:`choose_offer` walks the rules in catalog order and answers the first one that lists the reason and is
eligible for this subscription, or None (then the customer cancels without an offer):

* ``pause`` - the plan can be paused (its ``pause`` rules in the catalog; the offer's lengths are its
  ``pause.durations``, or those of them the rule lists), and the subscription is ``active``, not already set to
  end or paused, has no schedule attached (a pending plan change) and is not in ``classic`` billing mode (Stripe
  pauses only flexible-mode subscriptions without a schedule: stripe-python 16 ``Subscription.pause``; the pause
  route refuses the same cases);
* ``cheaper_plan`` - the subscription is ``active`` or ``trialing`` on a catalog price, has no schedule attached,
  and the catalog allows a downgrade to a price that costs less per period in the same interval (the closest
  one below the current amount: :func:`cheaper_price`);
* ``coupon`` - the catalog's ``retention_offer``: the plan is one of its plans and the subscription carries no
  discount (as :func:`billing_core.retention_offer.eligible_offer` always did).

Every offer is once per customer when its rule says so: ``used(offer_id)`` (the ``OFFER#<id>`` item: the offer
was accepted before) is asked last, only for a rule that otherwise fits, so a cancellation reads the store at
most once per matching rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from billing_core.catalog.model import Catalog
from billing_core.catalog.plans import OfferKind, RetentionOffer, RetentionRule
from billing_core.entitlements import catalog_item
from billing_core.stripe_fields import field as g

PAUSE_OFFER_ID = "pause"
CHEAPER_PLAN_OFFER_ID = "cheaper_plan"


@dataclass(frozen=True)
class Situation:
    """What the rules look at, read from the subscription (:func:`situation_of`)."""

    reason: str
    status: str | None
    plan_id: str | None = None
    price_lookup_key: str | None = None
    quantity: int = 1
    has_discount: bool = False
    has_schedule: bool = False
    canceling: bool = False
    billing_mode: str | None = None


@dataclass(frozen=True)
class Offer:
    kind: OfferKind
    id: str
    """The offer's id for the once-per-customer record: ``pause``, ``cheaper_plan`` or the coupon offer's id."""
    periods: tuple[int, ...] = ()
    to_lookup_key: str | None = None
    to_quantity: int | None = None
    coupon: RetentionOffer | None = None


def situation_of(catalog: Catalog, subscription: Any, reason: str) -> Situation:
    item, lookup_key = catalog_item(subscription, catalog)
    found = catalog.find_price(lookup_key)
    quantity = g(item, "quantity")
    return Situation(
        reason=reason,
        status=g(subscription, "status"),
        plan_id=found[0].id if found else None,
        price_lookup_key=lookup_key if found else None,
        quantity=quantity if isinstance(quantity, int) and quantity > 0 else 1,
        has_discount=bool(g(subscription, "discounts")),
        has_schedule=bool(g(subscription, "schedule")),
        canceling=bool(g(subscription, "cancel_at_period_end") or g(subscription, "cancel_at")),
        billing_mode=g(subscription, "billing_mode", "type"),
    )


def choose_offer(catalog: Catalog, situation: Situation, used: Callable[[str], bool]) -> Offer | None:
    """The offer to show for this reason, or None (see the module docstring for the rules)."""
    for rule in catalog.retention_rules:
        if situation.reason not in rule.reasons:
            continue
        if rule.plans and situation.plan_id not in rule.plans:
            continue
        offer = _candidate(catalog, rule, situation)
        if offer is None:
            continue
        if rule.once_per_customer and used(offer.id):
            continue
        return offer
    return None


def _candidate(catalog: Catalog, rule: RetentionRule, s: Situation) -> Offer | None:
    if rule.offer == "pause":
        plan = catalog.plan(s.plan_id) if s.plan_id else None
        if plan is None or plan.pause is None:
            return None
        periods = tuple(n for n in plan.pause.durations if not rule.periods or n in rule.periods)
        pausable = s.status == "active" and not s.canceling and not s.has_schedule and s.billing_mode != "classic"
        return Offer(kind="pause", id=PAUSE_OFFER_ID, periods=periods) if pausable and periods else None
    if rule.offer == "cheaper_plan":
        if s.status not in ("active", "trialing") or s.has_schedule or s.canceling or s.price_lookup_key is None:
            return None
        target = cheaper_price(catalog, s.price_lookup_key, s.quantity)
        if target is None:
            return None
        return Offer(kind="cheaper_plan", id=CHEAPER_PLAN_OFFER_ID, to_lookup_key=target[0], to_quantity=target[1])
    coupon = catalog.retention_offer
    if coupon is None or s.plan_id not in coupon.plans or s.has_discount or s.canceling:
        return None
    if s.status not in ("active", "trialing", "past_due"):
        return None
    return Offer(kind="coupon", id=coupon.id, coupon=coupon)


def cheaper_price(catalog: Catalog, lookup_key: str, quantity: int) -> tuple[str, int] | None:
    """The allowed downgrade closest below the current amount per period, in the same interval.

    Amounts compare ``unit_amount * seats`` (a per-seat target keeps the seat count within its limits). None
    when no allowed downgrade costs less.
    """
    found = catalog.find_price(lookup_key)
    if found is None:
        return None
    current_plan, current = found
    current_amount = current.unit_amount * (quantity if current_plan.per_seat else 1)
    best: tuple[int, str, int] | None = None
    for change in catalog.allowed_changes(lookup_key):
        if change.kind != "downgrade":
            continue
        plan, price = catalog.price(change.to_lookup_key)
        if price.interval != current.interval:
            continue
        seats = min(max(quantity, plan.min_seats), plan.max_seats) if plan.per_seat else 1
        amount = price.unit_amount * seats
        if amount < current_amount and (best is None or amount > best[0]):
            best = (amount, price.lookup_key, seats)
    return (best[1], best[2]) if best else None
