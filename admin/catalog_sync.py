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
from typing import Any, cast

import stripe
from billing_core.catalog.model import Catalog, get_catalog, load_catalog
from billing_core.errors import BillingError
from billing_core.stripe_gateway import StripeGateway
from billing_core.stripe_ownership import derive_key
from stripe import RequestOptions
from stripe.params import (
    CouponCreateParams,
    PriceCreateParams,
    PriceUpdateParams,
    ProductCreateParams,
    ProductUpdateParams,
)

from admin.catalog_actions import Action, SyncPlan
from admin.catalog_planner import CatalogPlanner
from admin.stripe_access import admin_gateway


class CatalogSync(CatalogPlanner):
    """Plans (:class:`admin.catalog_planner.CatalogPlanner`) and applies the catalog's products, prices and coupon."""

    # -- applying ------------------------------------------------------------------------------
    def apply(self, plan: SyncPlan, run_id: str | None = None) -> dict[str, str]:
        """Run the plan's writes in order; returns lookup_key -> active price id for the whole catalog."""
        run = run_id or uuid.uuid4().hex
        products = dict(plan.products)
        prices = dict(plan.prices)

        def key(action: Action) -> RequestOptions:
            return {"idempotency_key": derive_key(f"catalog-sync:{run}", f"{action.kind}:{action.target}")}

        for action in plan.actions:
            self._apply_one(action, key(action), products, prices)
        return prices

    def _apply_one(
        self, action: Action, opts: RequestOptions, products: dict[str, str], prices: dict[str, str]
    ) -> None:
        """One write of the plan; ``products`` and ``prices`` learn the ids it creates."""
        if action.kind == "create_product":
            create_product = cast("ProductCreateParams", action.params)  # the kind names its params (WriteParams)
            created = self._write(
                "products.create", lambda c: c.v1.products.create(params=create_product, options=opts)
            )
            products[str(action.plan_id)] = str(created.id)
        elif action.kind == "update_product":
            update_product = cast("ProductUpdateParams", action.params)
            self._write(
                "products.update",
                lambda c: c.v1.products.update(str(action.object_id), params=update_product, options=opts),
            )
        elif action.kind in ("create_price", "move_price"):
            params: PriceCreateParams = {
                **cast("PriceCreateParams", action.params),
                "product": products[str(action.plan_id)],
            }
            created = self._write("prices.create", lambda c: c.v1.prices.create(params=params, options=opts))
            prices[str(action.lookup_key)] = str(created.id)
        elif action.kind == "set_default_price":
            default: ProductUpdateParams = {"default_price": prices[str(action.lookup_key)]}
            self._write(
                "products.update",
                lambda c: c.v1.products.update(str(action.object_id), params=default, options=opts),
            )
        elif action.kind in ("archive_price", "reactivate_price"):
            update_price = cast("PriceUpdateParams", action.params)
            updated = self._write(
                "prices.update",
                lambda c: c.v1.prices.update(str(action.object_id), params=update_price, options=opts),
            )
            if action.kind == "reactivate_price":
                prices[str(action.lookup_key)] = str(updated.id)
        elif action.kind == "create_coupon":
            create_coupon = cast("CouponCreateParams", action.params)
            self._write("coupons.create", lambda c: c.v1.coupons.create(params=create_coupon, options=opts))
        else:  # pragma: no cover - the planner only makes the kinds above
            raise ValueError(action.kind)

    def _write(self, operation: str, fn: Callable[[stripe.StripeClient], Any]) -> Any:
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
