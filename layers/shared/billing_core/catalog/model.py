"""The catalog (``Catalog``): its plans and rules, and the questions asked of it; ``get_catalog()`` loads it once.

The parts it is made of are ``billing_core.catalog.plans``.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, model_validator

from billing_core.catalog.plans import (
    CANCEL_REASONS,
    ChangeKind,
    Plan,
    PlanChange,
    Price,
    Retention,
    RetentionOffer,
    RetentionRule,
    Rule,
    Transitions,
    Trial,
    _Model,
)
from billing_core.errors import BadInput, ConfigurationError, Conflict
from billing_core.settings import get_environment


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
                reasons=CANCEL_REASONS,
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
