"""The Stripe Customer Portal configuration as code.

``python -m admin.portal_config [--dry-run]`` (Make target ``portal-config``) creates or updates the
billing portal configuration from the catalog, then stores its id in the billing table item
``CONFIG#portal``/``CONFIG`` (attribute ``configuration_id``), where ``portal_session`` reads it
(:func:`PortalConfigStore.configuration_id`). DynamoDB rather than SSM: the functions already read that
table, it works offline under moto, and the id changes only when this command runs.

What the configuration holds (all of it derived from the catalog and the environment):

* customer update: address, email, name, phone, tax id; invoice history; payment method update;
* cancel at period end (no proration) with all eight cancellation reasons (the retention coupon is handed to
  each cancel session by portal_session while the catalog's ``coupon`` retention rule allows it);
* subscription update: the catalog's products with their current prices (per-seat plans get an adjustable
  quantity between the plan's seat limits), price / quantity / promotion code updates, ``create_prorations``,
  downgrades scheduled at period end (``decreasing_item_amount``, ``shortening_interval``);
* business profile: ``PORTAL_HEADLINE`` (optional), ``PORTAL_PRIVACY_POLICY_URL`` and
  ``PORTAL_TERMS_OF_SERVICE_URL`` (default: ``APP_BASE_URL`` + ``/privacy`` and ``/terms``);
* default return URL: ``APP_BASE_URL`` + the first ``RETURN_PATH_PREFIXES`` entry;
* ``metadata.managed_by`` so a lost id can be found again.

Idempotent: the current configuration is compared with the desired one (only the fields managed here) and
updated only where they differ; a second run makes no write at all and prints "no changes". Prices are found by
``lookup_key``: run the catalog sync first.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from billing_core.catalog.model import Catalog, get_catalog, load_catalog
from billing_core.errors import BillingError, NotFound
from billing_core.observability import logger
from billing_core.store.portal_config import PortalConfigStore
from billing_core.stripe_gateway import StripeGateway
from billing_core.stripe_ownership import derive_key

from admin.portal_desired import (
    PortalSettings,
    catalog_prices,
    create_params,
    current_view,
    desired_view,
    update_params,
)
from admin.stripe_access import MANAGED_BY, admin_gateway, metadata_of


# --------------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------------
@dataclass
class PortalConfigResult:
    configuration_id: str | None
    action: str  # "created" | "updated" | "unchanged" | "would create" | "would update"
    changed_fields: list[str] = field(default_factory=list)
    stripe_writes: int = 0
    store_writes: int = 0

    def render(self) -> str:
        if self.action == "unchanged":
            return f"portal configuration {self.configuration_id}: no changes"
        fields = f" ({', '.join(self.changed_fields)})" if self.changed_fields else ""
        return f"portal configuration {self.configuration_id or '(new)'}: {self.action}{fields}"


class PortalConfigurator:
    def __init__(
        self,
        gateway: StripeGateway,
        store: PortalConfigStore | None = None,
        catalog: Catalog | None = None,
        settings: PortalSettings | None = None,
    ) -> None:
        self.gw = gateway
        self.store = store or PortalConfigStore()
        self.catalog = catalog or get_catalog()
        self.settings = settings or PortalSettings.from_env()

    def _find_existing(self) -> Any | None:
        stored = self.store.get()
        if stored:
            try:
                cfg = self.gw.call(
                    "billing_portal.configurations.retrieve",
                    lambda c: c.v1.billing_portal.configurations.retrieve(stored),
                )
                if cfg.active:
                    return cfg
            except NotFound:
                logger.warning("stored portal configuration not found", extra={"configuration_id": stored})
        page = self.gw.call(
            "billing_portal.configurations.list",
            lambda c: c.v1.billing_portal.configurations.list(params={"active": True, "limit": 100}),
        )
        for cfg in page.auto_paging_iter():
            if metadata_of(cfg).get("managed_by") == MANAGED_BY and not cfg.is_default:
                return cfg
        return None

    def run(self, *, dry_run: bool = False) -> PortalConfigResult:
        prices = catalog_prices(self.gw, self.catalog)
        desired = desired_view(self.catalog, prices, self.settings)
        existing = self._find_existing()
        run = uuid.uuid4().hex
        if existing is None:
            if dry_run:
                return PortalConfigResult(None, "would create", sorted(desired))
            create = create_params(desired)
            created = self.gw.call(
                "billing_portal.configurations.create",
                lambda c: c.v1.billing_portal.configurations.create(
                    params=create,
                    options={"idempotency_key": derive_key(f"portal-config:{run}", "create")},
                ),
            )
            self.store.put(str(created.id))
            return PortalConfigResult(str(created.id), "created", sorted(desired), 1, 1)
        cfg_id = str(existing.id)
        params = update_params(current_view(existing), desired)
        changed = sorted(params) + sorted(f"features.{n}" for n in params.get("features", {}))
        changed = [c for c in changed if c != "features"]
        if dry_run:
            return PortalConfigResult(cfg_id, "would update" if params else "unchanged", changed)
        writes = 0
        if params:
            self.gw.call(
                "billing_portal.configurations.update",
                lambda c: c.v1.billing_portal.configurations.update(
                    cfg_id,
                    params=params,
                    options={"idempotency_key": derive_key(f"portal-config:{run}", "update")},
                ),
            )
            writes = 1
        store_writes = 0
        if self.store.get() != cfg_id:
            self.store.put(cfg_id)
            store_writes = 1
        action = "updated" if writes else ("stored" if store_writes else "unchanged")
        return PortalConfigResult(cfg_id, action, changed, writes, store_writes)


def configure_portal(gateway: StripeGateway, catalog: Catalog | None = None) -> PortalConfigResult:
    """Create or update the configuration and store its id (for the offline stack's seeding)."""
    return PortalConfigurator(gateway, catalog=catalog).run()


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m admin.portal_config", description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="show what would change and write nothing")
    parser.add_argument("--catalog", help="catalog file (default: CATALOG_PATH or the demo catalog)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        catalog = load_catalog(args.catalog) if args.catalog else get_catalog()
        result = PortalConfigurator(admin_gateway(), catalog=catalog).run(dry_run=args.dry_run)
    except BillingError as exc:
        print(
            f"portal configuration failed: {exc.code}: {exc.log_context.get('message_for_logs', exc.message)}",
            file=sys.stderr,
        )
        return 1
    print(result.render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
