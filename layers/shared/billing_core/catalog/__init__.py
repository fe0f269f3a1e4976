"""The plan catalog as code (ADR 0007).

One JSON file (``CATALOG_PATH``, default: ``demo.json`` next to this module) lists the plans by Stripe
price ``lookup_key``: tier rank, interval, amount, features and limits, seats, the transition rules, the
trial and the retention offer. It is validated on load. The same file drives catalog sync (products,
prices, coupon), the portal configuration, the plan picker and the entitlement flags.

Usage::

    catalog = get_catalog()
    plan, price = catalog.price("pro_monthly")          # BadInput("unknown_price") if not in the catalog (B2)
    change = catalog.transition("starter_monthly", "pro_monthly", quantity=1)
    change.timing                                       # "immediate" | "period_end"
    catalog.allowed_changes("pro_monthly")              # what the plan picker offers
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from billing_core.errors import BadInput, ConfigurationError, Conflict
from billing_core.settings import get_environment

Interval = Literal["month", "year"]
Timing = Literal["immediate", "period_end"]
Rule = Literal["immediate", "period_end", "deny"]
ChangeKind = Literal[
    "upgrade", "downgrade", "longer_interval", "shorter_interval", "lateral", "seats_increase", "seats_decrease"
]

LookupKey = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,200}$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Price(_Model):
    lookup_key: LookupKey
    interval: Interval
    unit_amount: Annotated[int, Field(ge=0)]
    """Amount per unit (per seat for per-seat plans) in the currency's minor unit."""

    @property
    def monthly_amount(self) -> float:
        return self.unit_amount / 12 if self.interval == "year" else float(self.unit_amount)


class PauseRules(_Model):
    """How a plan may be paused (``Plan.pause``): the offered lengths and what stays usable meanwhile."""

    durations: tuple[Annotated[int, Field(ge=1, le=12)], ...] = (1, 2, 3)
    """Pause lengths offered, in billing periods of the subscription's price (months or years)."""
    entitlements: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,64}$")] = "none"
    """``none`` (nothing while paused) or the name of one of the catalog's ``feature_sets`` (e.g. read-only)."""

    @model_validator(mode="after")
    def _durations(self) -> PauseRules:
        if not self.durations or len(set(self.durations)) != len(self.durations):
            raise ValueError("pause durations must be distinct and not empty")
        return self

    @property
    def longest(self) -> int:
        return max(self.durations)


class Plan(_Model):
    id: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,64}$")]
    name: Annotated[str, Field(min_length=1, max_length=80)]
    description: str = ""
    tier: Annotated[int, Field(ge=0)]
    per_seat: bool = False
    min_seats: Annotated[int, Field(ge=1)] = 1
    max_seats: Annotated[int, Field(ge=1)] = 1
    features: tuple[str, ...] = ()
    limits: dict[str, int] = Field(default_factory=dict)
    prices: tuple[Price, ...]
    seat_policy: Literal["strict", "auto"] = "strict"
    """What a team invitation does when every seat is taken: ``strict`` refuses it (with the price of one more
    seat); ``auto`` (per-seat plans only) asks an owner or billing admin to buy one more seat after an exact
    preview of it (docs/adr/0010-billing-accounts.md)."""
    pause: PauseRules | None = None
    """None: this plan cannot be paused."""

    @model_validator(mode="after")
    def _seats(self) -> Plan:
        if not self.prices:
            raise ValueError(f"plan {self.id} has no prices")
        if self.per_seat and self.max_seats < self.min_seats:
            raise ValueError(f"plan {self.id}: max_seats < min_seats")
        if not self.per_seat and (self.min_seats != 1 or self.max_seats != 1):
            raise ValueError(f"plan {self.id}: seats only apply to per-seat plans")
        if self.seat_policy == "auto" and not self.per_seat:
            raise ValueError(f"plan {self.id}: seat_policy 'auto' needs a per-seat plan (seats to buy)")
        return self

    def price_for(self, interval: Interval) -> Price | None:
        return next((p for p in self.prices if p.interval == interval), None)


class Transitions(_Model):
    upgrade: Rule = "immediate"
    downgrade: Rule = "period_end"
    longer_interval: Rule = "immediate"
    shorter_interval: Rule = "period_end"
    lateral: Rule = "deny"
    seats_increase: Rule = "immediate"
    seats_decrease: Rule = "period_end"


class Trial(_Model):
    days: Annotated[int, Field(ge=1, le=730)]
    plans: tuple[str, ...]
    once_per_customer: bool = True


class Coupon(_Model):
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]{1,64}$")]
    name: str
    percent_off: Annotated[float, Field(gt=0, le=100)]
    duration: Literal["once", "repeating", "forever"]
    duration_in_months: Annotated[int, Field(ge=1, le=36)] | None = None

    @model_validator(mode="after")
    def _months(self) -> Coupon:
        if (self.duration == "repeating") != (self.duration_in_months is not None):
            raise ValueError("duration_in_months is required exactly when duration is 'repeating'")
        return self


class RetentionOffer(_Model):
    id: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,64}$")]
    description: str
    coupon: Coupon
    once_per_customer: bool = True
    plans: tuple[str, ...]


#: Why a customer cancels: Stripe's ``cancellation_details.feedback`` values, plus ``temporary`` (a break, sent to
#: Stripe as ``unused``; stripe-python 16 ``SubscriptionCancelParamsCancellationDetails.feedback``).
CancelReason = Literal[
    "temporary",
    "too_expensive",
    "switched_service",
    "missing_features",
    "unused",
    "customer_service",
    "low_quality",
    "too_complex",
    "other",
]
CANCEL_REASONS: tuple[str, ...] = CancelReason.__args__  # type: ignore[attr-defined]
OfferKind = Literal["pause", "cheaper_plan", "coupon"]


class RetentionRule(_Model):
    """One offer of the cancellation flow, shown for the listed reasons (the first eligible rule wins)."""

    offer: OfferKind
    reasons: tuple[CancelReason, ...]
    periods: tuple[Annotated[int, Field(ge=1, le=12)], ...] = ()
    """``pause``: offer only these of the plan's ``pause.durations`` (empty: all of them)."""
    plans: tuple[str, ...] = ()
    """The plans this offer is shown on (empty: every plan; ``coupon`` uses the retention offer's plans)."""
    once_per_customer: bool = True

    @model_validator(mode="after")
    def _shape(self) -> RetentionRule:
        if not self.reasons:
            raise ValueError(f"retention rule {self.offer} lists no reasons")
        if self.periods and self.offer != "pause":
            raise ValueError("periods apply to the pause offer only")
        return self


class Retention(_Model):
    rules: tuple[RetentionRule, ...]


class PlanChange(_Model):
    """One allowed move from a current price to a target price."""

    to_lookup_key: str
    plan_id: str
    kind: ChangeKind
    timing: Timing


class Catalog(_Model):
    version: int
    currency: Annotated[str, Field(pattern=r"^[a-z]{3}$")]
    plans: tuple[Plan, ...]
    transitions: Transitions = Transitions()
    trial: Trial | None = None
    retention_offer: RetentionOffer | None = None
    """The coupon offered by the ``coupon`` retention rule (and by the hosted portal's cancel flow)."""
    feature_sets: dict[Annotated[str, Field(pattern=r"^[a-z0-9_]{1,64}$")], tuple[str, ...]] = Field(
        default_factory=dict
    )
    """Named feature sets (e.g. ``read_only``) a paused plan may keep (``PauseRules.entitlements``)."""
    retention: Retention | None = None
    """Which offer each cancellation reason gets; without it a ``retention_offer`` alone is offered for every
    reason (catalogs written before the rules existed keep their behaviour)."""

    @model_validator(mode="after")
    def _unique(self) -> Catalog:
        plan_ids = [p.id for p in self.plans]
        if len(set(plan_ids)) != len(plan_ids):
            raise ValueError("duplicate plan id")
        keys = [price.lookup_key for p in self.plans for price in p.prices]
        if len(set(keys)) != len(keys):
            raise ValueError("duplicate price lookup_key")
        for plan in self.plans:
            if len({p.interval for p in plan.prices}) != len(plan.prices):
                raise ValueError(f"plan {plan.id} has two prices with the same interval")
        known = set(plan_ids)
        for ref in (self.trial.plans if self.trial else ()) + (
            self.retention_offer.plans if self.retention_offer else ()
        ):
            if ref not in known:
                raise ValueError(f"unknown plan {ref!r} referenced")
        for plan in self.plans:
            name = plan.pause.entitlements if plan.pause else "none"
            if name != "none" and name not in self.feature_sets:
                raise ValueError(f"plan {plan.id}: unknown pause feature set {name!r}")
        for rule in self.retention.rules if self.retention else ():
            for ref in rule.plans:
                if ref not in known:
                    raise ValueError(f"unknown plan {ref!r} referenced")
            if rule.offer == "coupon" and self.retention_offer is None:
                raise ValueError("a coupon retention rule needs the catalog's retention_offer")
        offers = [rule.offer for rule in self.retention.rules] if self.retention else []
        if len(set(offers)) != len(offers):
            raise ValueError("each retention offer may appear in one rule only")
        return self

    @property
    def retention_rules(self) -> tuple[RetentionRule, ...]:
        """The rules in order; a catalog with only ``retention_offer`` offers its coupon for every reason."""
        if self.retention is not None:
            return self.retention.rules
        if self.retention_offer is None:
            return ()
        return (
            RetentionRule(
                offer="coupon",
                reasons=CANCEL_REASONS,  # type: ignore[arg-type]
                once_per_customer=self.retention_offer.once_per_customer,
            ),
        )

    # -- lookups -------------------------------------------------------------------------------
    def plan(self, plan_id: str) -> Plan | None:
        return next((p for p in self.plans if p.id == plan_id), None)

    def find_price(self, lookup_key: str | None) -> tuple[Plan, Price] | None:
        """The plan and price for a lookup key, or None when it is not in the catalog."""
        for plan in self.plans:
            for price in plan.prices:
                if price.lookup_key == lookup_key:
                    return plan, price
        return None

    def price(self, lookup_key: str) -> tuple[Plan, Price]:
        """The plan and price for a lookup key; ``BadInput("unknown_price")`` otherwise (B2)."""
        found = self.find_price(lookup_key)
        if found is None:
            raise BadInput(code="unknown_price", message="This price is not available.", param="price")
        return found

    @property
    def lookup_keys(self) -> tuple[str, ...]:
        return tuple(price.lookup_key for plan in self.plans for price in plan.prices)

    def paused_features(self, plan_id: str | None) -> list[str]:
        """What a paused subscription to ``plan_id`` keeps (``pause.entitlements``): nothing, or a named set."""
        plan = self.plan(plan_id) if plan_id else None
        name = plan.pause.entitlements if plan and plan.pause else "none"
        return list(self.feature_sets.get(name, ())) if name != "none" else []

    def trial_days(self, plan_id: str) -> int | None:
        return self.trial.days if self.trial and plan_id in self.trial.plans else None

    def check_quantity(self, plan: Plan, quantity: int) -> None:
        """``BadInput("invalid_quantity")`` unless the seat count fits the plan."""
        if plan.per_seat:
            if not plan.min_seats <= quantity <= plan.max_seats:
                raise BadInput(
                    code="invalid_quantity",
                    message=f"{plan.name} needs between {plan.min_seats} and {plan.max_seats} seats.",
                    param="quantity",
                )
        elif quantity != 1:
            raise BadInput(code="invalid_quantity", message="This plan has no seats.", param="quantity")

    # -- transitions -----------------------------------------------------------------------------
    def classify(self, from_key: str, to_key: str, from_quantity: int = 1, to_quantity: int = 1) -> ChangeKind | None:
        """What kind of change moving between two catalog prices is (None: no change)."""
        src_plan, src = self.price(from_key)
        dst_plan, dst = self.price(to_key)
        if src.lookup_key == dst.lookup_key:
            if to_quantity == from_quantity:
                return None
            return "seats_increase" if to_quantity > from_quantity else "seats_decrease"
        if src_plan.id == dst_plan.id:
            return "longer_interval" if dst.interval == "year" else "shorter_interval"
        if dst_plan.tier > src_plan.tier:
            return "upgrade"
        if dst_plan.tier < src_plan.tier:
            return "downgrade"
        return "lateral"

    def transition(self, from_key: str, to_key: str, from_quantity: int = 1, to_quantity: int = 1) -> PlanChange:
        """The allowed change, or ``BadInput`` (unknown price / seats) / ``Conflict`` (not allowed)."""
        dst_plan, _ = self.price(to_key)
        self.check_quantity(dst_plan, to_quantity)
        kind = self.classify(from_key, to_key, from_quantity, to_quantity)
        if kind is None:
            raise Conflict(code="no_change", message="You are already on this plan.")
        rule: Rule = getattr(self.transitions, kind)
        if rule == "deny":
            raise Conflict(code="change_not_allowed", message="This plan change is not available.")
        return PlanChange(to_lookup_key=to_key, plan_id=dst_plan.id, kind=kind, timing=rule)

    def allowed_changes(self, from_key: str | None) -> list[PlanChange]:
        """Every price the caller may move to from ``from_key`` (all prices when there is no plan)."""
        if from_key is None or self.find_price(from_key) is None:
            return [
                PlanChange(to_lookup_key=price.lookup_key, plan_id=plan.id, kind="upgrade", timing="immediate")
                for plan in self.plans
                for price in plan.prices
            ]
        changes = []
        src_plan, _ = self.price(from_key)
        for plan in self.plans:
            for price in plan.prices:
                if price.lookup_key == from_key:
                    continue
                quantity = plan.min_seats if plan.per_seat else 1
                try:
                    changes.append(self.transition(from_key, price.lookup_key, 1, quantity))
                except (Conflict, BadInput):
                    continue
        return changes


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Read and validate a catalog file (default: the demo catalog). Invalid -> ``ConfigurationError``."""
    try:
        if path is None:
            text = resources.files(__package__).joinpath("demo.json").read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        return Catalog.model_validate_json(text)
    except (OSError, ValidationError) as exc:
        raise ConfigurationError(message_for_logs=f"invalid catalog: {exc}") from None


@lru_cache(maxsize=1)
def get_catalog() -> Catalog:
    """The deployment's catalog (``CATALOG_PATH`` or the demo catalog), loaded once."""
    return load_catalog(get_environment().catalog_path)


def reset_catalog() -> None:
    get_catalog.cache_clear()
