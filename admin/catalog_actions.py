"""The catalog sync's plan: the writes (``Action``) it would make and what Stripe already has right."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from billing_core.catalog.model import Catalog
from billing_core.catalog.plans import Coupon, Plan, Price
from billing_core.stripe_fields import field as g
from billing_core.stripe_fields import object_id as _id
from stripe.params import (
    CouponCreateParams,
    PriceCreateParams,
    PriceUpdateParams,
    ProductCreateParams,
    ProductUpdateParams,
)

from admin.stripe_access import MANAGED_BY

#: What an action sends, by kind: create_product ``ProductCreateParams``; update_product ``ProductUpdateParams``;
#: create_price / move_price ``PriceCreateParams`` (the product id added when it is known); archive_price /
#: reactivate_price ``PriceUpdateParams``; create_coupon ``CouponCreateParams``; set_default_price none.
WriteParams = ProductCreateParams | ProductUpdateParams | PriceCreateParams | PriceUpdateParams | CouponCreateParams


def _no_params() -> ProductUpdateParams:
    return {}


@dataclass(frozen=True)
class Action:
    """One write. ``kind``: create_product, update_product, create_price, move_price, archive_price,
    reactivate_price, set_default_price, create_coupon."""

    kind: str
    target: str
    description: str
    params: WriteParams = field(default_factory=_no_params)
    object_id: str | None = None
    plan_id: str | None = None
    lookup_key: str | None = None


@dataclass
class SyncPlan:
    actions: list[Action] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: lookup_key -> price id for prices that are already right.
    prices: dict[str, str] = field(default_factory=dict)
    #: plan id -> product id for existing products.
    products: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.actions

    def render(self) -> str:
        if self.empty and not self.errors:
            return "catalog sync: no changes"
        lines = [f"catalog sync plan ({len(self.actions)} change{'s' if len(self.actions) != 1 else ''}):"]
        lines += [f"  {a.description}" for a in self.actions]
        lines += [f"  ! {e}" for e in self.errors]
        return "\n".join(lines)


def money(amount: int, currency: str) -> str:
    return f"{amount / 100:.2f} {currency.upper()}"


def price_matches(stripe_price: Any, price: Price, currency: str, product_id: str | None) -> bool:
    """True when an existing Stripe price already is this catalog price (prices are immutable)."""
    return (
        g(stripe_price, "currency") == currency
        and g(stripe_price, "unit_amount") == price.unit_amount
        and g(stripe_price, "recurring", "interval") == price.interval
        and (g(stripe_price, "recurring", "interval_count") or 1) == 1
        and (g(stripe_price, "recurring", "usage_type") or "licensed") == "licensed"
        and (product_id is None or _id(g(stripe_price, "product")) == product_id)
    )


def product_metadata(plan: Plan) -> dict[str, str]:
    return {"plan_id": plan.id, "managed_by": MANAGED_BY}


def product_params(plan: Plan, catalog: Catalog) -> ProductCreateParams:
    return {"name": plan.name, "description": plan.description or plan.name, "metadata": product_metadata(plan)}


def price_params(plan: Plan, price: Price, catalog: Catalog) -> PriceCreateParams:
    return {
        "currency": catalog.currency,
        "unit_amount": price.unit_amount,
        "recurring": {"interval": price.interval, "usage_type": "licensed"},
        "lookup_key": price.lookup_key,
        "nickname": f"{plan.name} ({price.interval}ly)",
        "metadata": {"plan_id": plan.id, "catalog_lookup_key": price.lookup_key, "managed_by": MANAGED_BY},
    }


def coupon_params(coupon: Coupon) -> CouponCreateParams:
    params: CouponCreateParams = {
        "id": coupon.id,
        "name": coupon.name,
        "percent_off": coupon.percent_off,
        "duration": coupon.duration,
        "metadata": {"managed_by": MANAGED_BY},
    }
    if coupon.duration_in_months is not None:
        params["duration_in_months"] = coupon.duration_in_months
    return params


def price_active(active: bool) -> PriceUpdateParams:
    """Archive (``False``) or re-activate (``True``) a price."""
    return {"active": active}
