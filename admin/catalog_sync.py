"""Catalog sync: Stripe products, prices and the retention coupon from the catalog file.

``python -m admin.catalog_sync [--dry-run] [--catalog PATH]`` (Make target ``sync-catalog``).

* One product per catalog plan, found again by a price of the plan (its ``lookup_key``) or by
  ``metadata.plan_id``; created when missing; name, description and metadata kept in step.
* One recurring price per catalog price, found by ``lookup_key``. Prices are immutable: when the amount,
  currency, interval or product differs, a new price is created with ``transfer_lookup_key=true`` (the key
  moves atomically) and the old price is archived. An archived price that matches is re-activated.
  Active prices that carry ``metadata.catalog_lookup_key`` but lost the key (a run that died between the two
  steps) are archived too.
* The retention offer's coupon is created when missing. Coupons are immutable: a coupon with the catalog's id
  but other terms is reported as an error (give the new terms a new coupon id in the catalog).

The plan is printed first; ``--dry-run`` stops there. A second run finds nothing to do ("no changes"). Prices
that are no longer in the catalog are left alone (existing subscribers keep them).

Stripe access: ``STRIPE_SECRET_KEY`` (a test key for Stripe test mode) or the secret named by
``STRIPE_SECRET_NAME``; ``STRIPE_API_BASE`` points at the emulator. A live key is refused unless ``STAGE=prod``.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from billing_core.catalog import Catalog, Coupon, Plan, Price, get_catalog, load_catalog
from billing_core.errors import BillingError, ConfigurationError, NotFound
from billing_core.settings import Settings, read_settings
from billing_core.stripe_client import build_stripe_client
from billing_core.stripe_fields import as_dict
from billing_core.stripe_fields import field as g
from billing_core.stripe_fields import object_id as _id
from billing_core.stripe_gateway import StripeGateway
from billing_core.stripe_ownership import derive_key
from billing_core.stripe_secrets import read_secret, stripe_key_from_secret

MANAGED_BY = "billing-self-service"
_LOOKUP_KEYS_PER_LIST = 10  # Stripe's limit for prices.list(lookup_keys=...)


# --------------------------------------------------------------------------------------------------
# Stripe access for the commands
# --------------------------------------------------------------------------------------------------
def admin_gateway(settings: Settings | None = None) -> StripeGateway:
    """A gateway for operator commands: ``STRIPE_SECRET_KEY`` or the ``STRIPE_SECRET_NAME`` secret."""
    env = settings or read_settings()
    key = env.stripe_secret_key
    if not key:
        if not env.stripe_secret_name:
            raise ConfigurationError(message_for_logs="set STRIPE_SECRET_KEY or STRIPE_SECRET_NAME")
        key = stripe_key_from_secret(read_secret(env.stripe_secret_name))
    if "_live_" in key[:8] and env.stage != "prod":
        raise ConfigurationError(message_for_logs=f"a live Stripe key in stage {env.stage!r}; refusing to run")
    return StripeGateway(client=build_stripe_client(key, env.stripe_api_base))


def metadata_of(obj: Any) -> dict[str, Any]:
    """An object's metadata as a plain dict."""
    return as_dict(g(obj, "metadata") or {})


# --------------------------------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Action:
    """One write. ``kind``: create_product, update_product, create_price, move_price, archive_price,
    reactivate_price, set_default_price, create_coupon."""

    kind: str
    target: str
    description: str
    params: dict[str, Any] = field(default_factory=dict)
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


def _money(amount: int, currency: str) -> str:
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


def product_params(plan: Plan, catalog: Catalog) -> dict[str, Any]:
    return {
        "name": plan.name,
        "description": plan.description or plan.name,
        "metadata": {"plan_id": plan.id, "managed_by": MANAGED_BY},
    }


def price_params(plan: Plan, price: Price, catalog: Catalog) -> dict[str, Any]:
    return {
        "currency": catalog.currency,
        "unit_amount": price.unit_amount,
        "recurring": {"interval": price.interval, "usage_type": "licensed"},
        "lookup_key": price.lookup_key,
        "nickname": f"{plan.name} ({price.interval}ly)",
        "metadata": {"plan_id": plan.id, "catalog_lookup_key": price.lookup_key, "managed_by": MANAGED_BY},
    }


def coupon_params(coupon: Coupon) -> dict[str, Any]:
    params: dict[str, Any] = {
        "id": coupon.id,
        "name": coupon.name,
        "percent_off": coupon.percent_off,
        "duration": coupon.duration,
        "metadata": {"managed_by": MANAGED_BY},
    }
    if coupon.duration_in_months is not None:
        params["duration_in_months"] = coupon.duration_in_months
    return params


class CatalogSync:
    """Plans and applies the catalog's products, prices and coupon. Adapters are arguments for tests."""

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
                lambda c, chunk=chunk: c.v1.prices.list(params={"lookup_keys": chunk, "limit": 100}),  # type: ignore[misc]
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
                        lambda c, pid=existing_product: c.v1.products.retrieve(pid),  # type: ignore[misc]
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
        changes: dict[str, Any] = {}
        if product.name != want["name"]:
            changes["name"] = want["name"]
        if (g(product, "description") or "") != want["description"]:
            changes["description"] = want["description"]
        metadata = metadata_of(product)
        if any(metadata.get(k) != v for k, v in want["metadata"].items()):
            changes["metadata"] = want["metadata"]
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
        amount = f"{_money(price.unit_amount, currency)}/{price.interval}"
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
                        {"active": True},
                        object_id=str(existing.id),
                        lookup_key=price.lookup_key,
                    )
                )
            return
        old = f"{_money(int(existing.unit_amount or 0), str(existing.currency))}/{g(existing, 'recurring', 'interval')}"
        result.actions.append(
            Action(
                "move_price",
                price.lookup_key,
                f"~ price {price.lookup_key}: {old} -> {amount} (new price, lookup key moves from {existing.id})",
                {**params, "transfer_lookup_key": True},
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
                    {"active": False},
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
                    {"active": False},
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

    # -- applying ------------------------------------------------------------------------------
    def apply(self, plan: SyncPlan, run_id: str | None = None) -> dict[str, str]:
        """Run the plan's writes in order; returns lookup_key -> active price id for the whole catalog."""
        run = run_id or uuid.uuid4().hex
        products = dict(plan.products)
        prices = dict(plan.prices)

        def key(action: Action) -> dict[str, str]:
            return {"idempotency_key": derive_key(f"catalog-sync:{run}", f"{action.kind}:{action.target}")}

        for action in plan.actions:
            opts = key(action)
            if action.kind == "create_product":
                created = self._write(
                    "products.create",
                    lambda c, a=action, o=opts: c.v1.products.create(params=a.params, options=o),  # type: ignore[misc]
                )
                products[str(action.plan_id)] = str(created.id)
            elif action.kind == "update_product":
                self._write(
                    "products.update",
                    lambda c, a=action, o=opts: c.v1.products.update(str(a.object_id), params=a.params, options=o),  # type: ignore[misc]
                )
            elif action.kind in ("create_price", "move_price"):
                params = {**action.params, "product": products[str(action.plan_id)]}
                created = self._write(
                    "prices.create",
                    lambda c, p=params, o=opts: c.v1.prices.create(params=p, options=o),  # type: ignore[misc]
                )
                prices[str(action.lookup_key)] = str(created.id)
            elif action.kind == "set_default_price":
                params = {"default_price": prices[str(action.lookup_key)]}
                self._write(
                    "products.update",
                    lambda c, a=action, p=params, o=opts: c.v1.products.update(str(a.object_id), params=p, options=o),  # type: ignore[misc]
                )
            elif action.kind in ("archive_price", "reactivate_price"):
                updated = self._write(
                    "prices.update",
                    lambda c, a=action, o=opts: c.v1.prices.update(str(a.object_id), params=a.params, options=o),  # type: ignore[misc]
                )
                if action.kind == "reactivate_price":
                    prices[str(action.lookup_key)] = str(updated.id)
            elif action.kind == "create_coupon":
                self._write(
                    "coupons.create",
                    lambda c, a=action, o=opts: c.v1.coupons.create(params=a.params, options=o),  # type: ignore[misc]
                )
            else:  # pragma: no cover - the planner only makes the kinds above
                raise ValueError(action.kind)
        return prices

    def _write(self, operation: str, fn: Callable[[Any], Any]) -> Any:
        return self.gw.call(operation, fn)

    def run(self, *, dry_run: bool = False, out: Callable[[str], None] = print) -> tuple[SyncPlan, dict[str, str]]:
        """Print the plan, then apply it (unless ``dry_run``)."""
        plan = self.plan()
        out(plan.render())
        if plan.errors:
            raise CatalogSyncError(plan.errors)
        if dry_run or plan.empty:
            return plan, dict(plan.prices)
        prices = self.apply(plan)
        out(f"catalog sync: applied {len(plan.actions)} change{'s' if len(plan.actions) != 1 else ''}")
        return plan, prices


class CatalogSyncError(Exception):
    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = list(errors)


def sync_catalog(gateway: StripeGateway, catalog: Catalog | None = None, *, quiet: bool = True) -> dict[str, str]:
    """Sync and return lookup_key -> price id (for the offline stack's seeding)."""
    _, prices = CatalogSync(gateway, catalog).run(out=(lambda _line: None) if quiet else print)
    return prices


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m admin.catalog_sync", description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="print the plan of changes and write nothing")
    parser.add_argument("--catalog", help="catalog file (default: CATALOG_PATH or the demo catalog)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        catalog = load_catalog(args.catalog) if args.catalog else get_catalog()
        CatalogSync(admin_gateway(), catalog).run(dry_run=args.dry_run)
    except CatalogSyncError as exc:
        print(f"catalog sync failed: {len(exc.errors)} error(s)", file=sys.stderr)
        return 2
    except BillingError as exc:
        print(
            f"catalog sync failed: {exc.code}: {exc.log_context.get('message_for_logs', exc.message)}", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
