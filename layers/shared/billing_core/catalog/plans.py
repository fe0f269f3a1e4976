"""The parts of the catalog: a plan and its prices, seats and pause rules, the transition rules, the trial, the
retention offer and its rules, and one classified plan change. Validated by pydantic on load."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
CANCEL_REASONS: tuple[str, ...] = CancelReason.__args__  # type: ignore[attr-defined]  # a Literal's values, read at run time
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
