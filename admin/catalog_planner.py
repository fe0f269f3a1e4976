"""The catalog sync's planning half: read Stripe's products, prices and coupon, compare them with the catalog.

No writes: :class:`CatalogPlanner.plan` returns a :class:`admin.catalog_actions.SyncPlan`; applying it is
``admin.catalog_sync.CatalogSync``.
"""

from __future__ import annotations

from typing import Any

from billing_core.catalog.model import Catalog, get_catalog
from billing_core.catalog.plans import Coupon, Plan, Price
from billing_core.errors import NotFound
from billing_core.stripe_fields import field as g
from billing_core.stripe_fields import object_id as _id
from billing_core.stripe_gateway import StripeGateway
from stripe.params import PriceCreateParams, ProductUpdateParams

from admin.catalog_actions import (
    Action,
    SyncPlan,
    coupon_params,
    money,
    price_active,
    price_matches,
    price_params,
    product_metadata,
    product_params,
)
from admin.stripe_access import metadata_of

_LOOKUP_KEYS_PER_LIST = 10  # Stripe's limit for prices.list(lookup_keys=...)


class CatalogPlanner:
    """Compares the catalog with Stripe. Adapters are arguments for tests."""

    def __init__(self, gateway: StripeGateway, catalog: Catalog | None = None) -> None:
        self.gw = gateway
        self.catalog = catalog or get_catalog()

    # -- reading -------------------------------------------------------------------------------
    def _prices_by_lookup_key(self) -> dict[str, Any]:
        keys = list(self.catalog.lookup_keys)
        found: dict[str, Any] = {}
        for start in range(0, len(keys), _LOOKUP_KEYS_PER_LIST):
            chunk = keys[start : start + _LOOKUP_KEYS_PER_LIST]
            page = self.gw.call(
                "prices.list",
                lambda c: c.v1.prices.list(params={"lookup_keys": chunk, "limit": 100}),  # noqa: B023 - called at once, in this iteration
            )
            for price in page.auto_paging_iter():
                if price.lookup_key:
                    found[str(price.lookup_key)] = price
        return found

    def _products_by_plan(self) -> dict[str, Any]:
        products = self.gw.call("products.list", lambda c: c.v1.products.list(params={"limit": 100}))
        out: dict[str, Any] = {}
        for product in products.auto_paging_iter():
            plan_id = metadata_of(product).get("plan_id")
            if plan_id and (plan_id not in out or (product.active and not out[plan_id].active)):
                out[str(plan_id)] = product
        return out

    def _active_prices_of(self, product_id: str) -> list[Any]:
        page = self.gw.call(
            "prices.list",
            lambda c: c.v1.prices.list(params={"product": product_id, "active": True, "limit": 100}),
        )
        return list(page.auto_paging_iter())

    # -- planning ------------------------------------------------------------------------------
    def plan(self) -> SyncPlan:
        """Compare the catalog with Stripe; no writes."""
        catalog = self.catalog
        result = SyncPlan()
        by_key = self._prices_by_lookup_key()
        by_plan: dict[str, Any] | None = None
        for plan in catalog.plans:
            product = None
            for price in plan.prices:
                existing = by_key.get(price.lookup_key)
                if existing is not None:
                    existing_product = str(_id(existing.product))
                    product = self.gw.call(
                        "products.retrieve",
                        lambda c: c.v1.products.retrieve(existing_product),  # noqa: B023 - called at once, in this iteration
                    )
                    break
            if product is None:
                if by_plan is None:
                    by_plan = self._products_by_plan()
                product = by_plan.get(plan.id)
            self._plan_product(plan, product, result)
            product_id = _id(product)
            for price in plan.prices:
                self._plan_price(plan, price, by_key.get(price.lookup_key), product, result)
            if product_id:
                self._plan_orphans(plan, product_id, by_key, result)
        if catalog.retention_offer is not None:
            self._plan_coupon(catalog.retention_offer.coupon, result)
        return result

    def _plan_product(self, plan: Plan, product: Any, result: SyncPlan) -> None:
        want = product_params(plan, self.catalog)
        if product is None:
            result.actions.append(
                Action("create_product", plan.id, f"+ product {plan.id} ({plan.name})", want, plan_id=plan.id)
            )
            return
        result.products[plan.id] = str(product.id)
        changes: ProductUpdateParams = {}
        if product.name != want["name"]:
            changes["name"] = want["name"]
        if (g(product, "description") or "") != want["description"]:
            changes["description"] = want["description"]
        metadata = metadata_of(product)
        wanted_metadata = product_metadata(plan)
        if any(metadata.get(k) != v for k, v in wanted_metadata.items()):
            changes["metadata"] = wanted_metadata
        if not product.active:
            changes["active"] = True
        if changes:
            result.actions.append(
                Action(
                    "update_product",
                    plan.id,
                    f"~ product {plan.id} ({product.id}): {', '.join(sorted(changes))}",
                    changes,
                    object_id=str(product.id),
                    plan_id=plan.id,
                )
            )

    def _plan_price(self, plan: Plan, price: Price, existing: Any, product: Any, result: SyncPlan) -> None:
        currency = self.catalog.currency
        params = price_params(plan, price, self.catalog)
        amount = f"{money(price.unit_amount, currency)}/{price.interval}"
        product_id = _id(product)
        if existing is None:
            result.actions.append(
                Action(
                    "create_price",
                    price.lookup_key,
                    f"+ price {price.lookup_key} {amount}",
                    params,
                    plan_id=plan.id,
                    lookup_key=price.lookup_key,
                )
            )
            return
        if price_matches(existing, price, currency, product_id):
            if existing.active:
                result.prices[price.lookup_key] = str(existing.id)
            else:
                result.actions.append(
                    Action(
                        "reactivate_price",
                        price.lookup_key,
                        f"~ price {price.lookup_key} ({existing.id}): re-activate",
                        price_active(True),
                        object_id=str(existing.id),
                        lookup_key=price.lookup_key,
                    )
                )
            return
        old = f"{money(int(existing.unit_amount or 0), str(existing.currency))}/{g(existing, 'recurring', 'interval')}"
        moved: PriceCreateParams = {**params, "transfer_lookup_key": True}
        result.actions.append(
            Action(
                "move_price",
                price.lookup_key,
                f"~ price {price.lookup_key}: {old} -> {amount} (new price, lookup key moves from {existing.id})",
                moved,
                object_id=str(existing.id),
                plan_id=plan.id,
                lookup_key=price.lookup_key,
            )
        )
        if product is not None and _id(g(product, "default_price")) == existing.id:
            result.actions.append(
                Action(
                    "set_default_price",
                    plan.id,
                    f"~ product {plan.id}: default price -> the new {price.lookup_key} price",
                    object_id=_id(product),
                    plan_id=plan.id,
                    lookup_key=price.lookup_key,
                )
            )
        if existing.active:
            result.actions.append(
                Action(
                    "archive_price",
                    str(existing.id),
                    f"- archive price {existing.id} (old {price.lookup_key})",
                    price_active(False),
                    object_id=str(existing.id),
                    lookup_key=price.lookup_key,
                )
            )

    def _plan_orphans(self, plan: Plan, product_id: str, by_key: dict[str, Any], result: SyncPlan) -> None:
        """Active prices of ours that lost their lookup key (an interrupted move): archive them."""
        planned = {a.object_id for a in result.actions if a.kind == "archive_price"}
        holders = {str(p.id) for p in by_key.values()}
        for stripe_price in self._active_prices_of(product_id):
            key = metadata_of(stripe_price).get("catalog_lookup_key")
            if not key or stripe_price.lookup_key or str(stripe_price.id) in holders | planned:
                continue
            result.actions.append(
                Action(
                    "archive_price",
                    str(stripe_price.id),
                    f"- archive price {stripe_price.id} (old {key}, lost its lookup key)",
                    price_active(False),
                    object_id=str(stripe_price.id),
                    lookup_key=str(key),
                )
            )

    def _plan_coupon(self, coupon: Coupon, result: SyncPlan) -> None:
        try:
            existing = self.gw.call("coupons.retrieve", lambda c: c.v1.coupons.retrieve(coupon.id))
        except NotFound:
            existing = None
        if existing is None:
            result.actions.append(
                Action(
                    "create_coupon",
                    coupon.id,
                    f"+ coupon {coupon.id} ({coupon.name})",
                    coupon_params(coupon),
                )
            )
            return
        same = (
            float(g(existing, "percent_off") or 0) == float(coupon.percent_off)
            and g(existing, "duration") == coupon.duration
            and g(existing, "duration_in_months") == coupon.duration_in_months
        )
        if not same:
            result.errors.append(
                f"coupon {coupon.id} exists with other terms; coupons are immutable: "
                "give the retention offer a new coupon id in the catalog"
            )
