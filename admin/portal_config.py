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
from typing import Any, cast

from billing_core.catalog import Catalog, get_catalog, load_catalog
from billing_core.errors import BillingError, ConfigurationError, NotFound
from billing_core.observability import logger
from billing_core.settings import Settings, read_settings
from billing_core.store.portal_config import PortalConfigStore
from billing_core.stripe_fields import as_dict, object_id
from billing_core.stripe_fields import field as g
from billing_core.stripe_gateway import StripeGateway
from billing_core.stripe_ownership import derive_key

from admin.stripe_access import MANAGED_BY, admin_gateway, metadata_of

CANCELLATION_REASONS = (
    "customer_service",
    "low_quality",
    "missing_features",
    "other",
    "switched_service",
    "too_complex",
    "too_expensive",
    "unused",
)
CUSTOMER_UPDATES = ("address", "email", "name", "phone", "tax_id")
SUBSCRIPTION_UPDATES = ("price", "promotion_code", "quantity")
SCHEDULE_CONDITIONS = ("decreasing_item_amount", "shortening_interval")
MAX_PORTAL_PRODUCTS = 10


# --------------------------------------------------------------------------------------------------
# Desired state
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PortalSettings:
    default_return_url: str
    privacy_policy_url: str
    terms_of_service_url: str
    headline: str | None = None

    @classmethod
    def from_env(cls, settings: Settings | None = None) -> PortalSettings:
        env = settings or read_settings()
        base = env.app_base_url.rstrip("/")
        if not base.startswith(("https://", "http://")):
            raise ConfigurationError(message_for_logs="APP_BASE_URL must be set to the app's https:// origin")
        return cls(
            default_return_url=base + env.return_path_prefixes[0],
            privacy_policy_url=env.portal_privacy_policy_url or f"{base}/privacy",
            terms_of_service_url=env.portal_terms_of_service_url or f"{base}/terms",
            headline=env.portal_headline or None,
        )


def catalog_prices(gateway: StripeGateway, catalog: Catalog) -> dict[str, tuple[str, str]]:
    """lookup_key -> (price id, product id) of the catalog's active Stripe prices."""
    keys = list(catalog.lookup_keys)
    found: dict[str, tuple[str, str]] = {}
    for start in range(0, len(keys), 10):
        chunk = keys[start : start + 10]
        page = gateway.call(
            "prices.list",
            lambda c, chunk=chunk: c.v1.prices.list(params={"lookup_keys": chunk, "active": True, "limit": 100}),  # type: ignore[misc]
        )
        for price in page.auto_paging_iter():
            product = object_id(price.product)
            found[str(price.lookup_key)] = (str(price.id), str(product))
    missing = [k for k in keys if k not in found]
    if missing:
        raise ConfigurationError(
            message_for_logs=f"catalog prices missing in Stripe ({', '.join(missing)}): run `make sync-catalog` first"
        )
    return found


def desired_view(catalog: Catalog, prices: dict[str, tuple[str, str]], settings: PortalSettings) -> dict[str, Any]:
    """The managed part of the configuration, in the normalised shape :func:`current_view` produces."""
    products = []
    for plan in catalog.plans:
        ids = [prices[p.lookup_key] for p in plan.prices]
        quantity: dict[str, Any] = (
            {"enabled": True, "minimum": plan.min_seats, "maximum": plan.max_seats}
            if plan.per_seat
            else {"enabled": False}
        )
        products.append({"product": ids[0][1], "prices": sorted(i[0] for i in ids), "adjustable_quantity": quantity})
    if len(products) > MAX_PORTAL_PRODUCTS:
        raise ConfigurationError(message_for_logs="the portal allows at most 10 products")
    view: dict[str, Any] = {
        "business_profile": {
            "headline": settings.headline,
            "privacy_policy_url": settings.privacy_policy_url,
            "terms_of_service_url": settings.terms_of_service_url,
        },
        "default_return_url": settings.default_return_url,
        "features": {
            "customer_update": {"enabled": True, "allowed_updates": sorted(CUSTOMER_UPDATES)},
            "invoice_history": {"enabled": True},
            "payment_method_update": {"enabled": True},
            "subscription_cancel": {
                "enabled": True,
                "mode": "at_period_end",
                "proration_behavior": "none",
                "cancellation_reason": {"enabled": True, "options": sorted(CANCELLATION_REASONS)},
            },
            "subscription_update": {
                "enabled": True,
                "default_allowed_updates": sorted(SUBSCRIPTION_UPDATES),
                "proration_behavior": "create_prorations",
                "products": sorted(products, key=lambda p: p["product"]),
                "schedule_at_period_end": {"conditions": sorted(SCHEDULE_CONDITIONS)},
            },
        },
        "metadata": {"managed_by": MANAGED_BY, "catalog_version": str(catalog.version)},
    }
    months = sorted({n for plan in catalog.plans if plan.pause for n in plan.pause.durations})
    view["features"]["subscription_pause"] = (
        {
            "enabled": True,
            "duration": {
                "type": "interval_options",
                "interval_options": [{"interval": "month", "interval_count": n} for n in months],
            },
        }
        if months
        else {"enabled": False}
    )
    return view


def _pause_view(feature: Any) -> dict[str, Any]:
    """``features.subscription_pause`` as :func:`desired_view` writes it (the catalog's pause lengths, in months:
    the portal offers fixed intervals, not billing periods)."""
    if not g(feature, "enabled"):
        return {"enabled": False}
    options = g(feature, "duration", "interval_options") or []
    return {
        "enabled": True,
        "duration": {
            "type": g(feature, "duration", "type"),
            "interval_options": [
                {"interval": g(o, "interval"), "interval_count": g(o, "interval_count") or 1} for o in options
            ],
        },
    }


def current_view(configuration: Any) -> dict[str, Any]:
    """The fields :func:`desired_view` manages, read from a Stripe configuration object."""
    cfg = as_dict(configuration)
    f = cfg.get("features") or {}
    su = f.get("subscription_update") or {}
    sc = f.get("subscription_cancel") or {}

    def quantity(p: dict[str, Any]) -> dict[str, Any]:
        aq = p.get("adjustable_quantity") or {}
        if not aq.get("enabled"):
            return {"enabled": False}
        return {"enabled": True, "minimum": aq.get("minimum"), "maximum": aq.get("maximum")}

    metadata = cfg.get("metadata") or {}
    bp = cfg.get("business_profile") or {}
    return {
        "business_profile": {
            "headline": bp.get("headline") or None,
            "privacy_policy_url": bp.get("privacy_policy_url"),
            "terms_of_service_url": bp.get("terms_of_service_url"),
        },
        "default_return_url": cfg.get("default_return_url"),
        "features": {
            "customer_update": {
                "enabled": bool(g(f, "customer_update", "enabled")),
                "allowed_updates": sorted(g(f, "customer_update", "allowed_updates") or []),
            },
            "invoice_history": {"enabled": bool(g(f, "invoice_history", "enabled"))},
            "payment_method_update": {"enabled": bool(g(f, "payment_method_update", "enabled"))},
            "subscription_cancel": {
                "enabled": bool(sc.get("enabled")),
                "mode": sc.get("mode"),
                "proration_behavior": sc.get("proration_behavior"),
                "cancellation_reason": {
                    "enabled": bool(g(sc, "cancellation_reason", "enabled")),
                    "options": sorted(g(sc, "cancellation_reason", "options") or []),
                },
            },
            "subscription_update": {
                "enabled": bool(su.get("enabled")),
                "default_allowed_updates": sorted(su.get("default_allowed_updates") or []),
                "proration_behavior": su.get("proration_behavior"),
                "products": sorted(
                    (
                        {
                            "product": p.get("product"),
                            "prices": sorted(p.get("prices") or []),
                            "adjustable_quantity": quantity(p),
                        }
                        for p in su.get("products") or []
                    ),
                    key=lambda p: str(p["product"]),
                ),
                "schedule_at_period_end": {
                    "conditions": sorted(c.get("type") for c in g(su, "schedule_at_period_end", "conditions") or [])
                },
            },
            "subscription_pause": _pause_view(f.get("subscription_pause")),
        },
        "metadata": {k: metadata.get(k) for k in ("managed_by", "catalog_version")},
    }


def _feature_params(name: str, view: dict[str, Any]) -> dict[str, Any]:
    """One feature of the view as Stripe parameters."""
    if name == "subscription_update":
        return {
            **{k: v for k, v in view.items() if k not in ("products", "schedule_at_period_end")},
            "products": [
                {
                    "product": p["product"],
                    "prices": p["prices"],
                    "adjustable_quantity": p["adjustable_quantity"],
                }
                for p in view["products"]
            ],
            "schedule_at_period_end": {
                "conditions": [{"type": t} for t in view["schedule_at_period_end"]["conditions"]]
            },
        }
    return view


def _business_profile_params(view: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in view.items() if v is not None}
    if view.get("headline") is None:
        out["headline"] = ""  # unsets a headline set earlier
    return out


def create_params(desired: dict[str, Any]) -> dict[str, Any]:
    return {
        "business_profile": _business_profile_params(desired["business_profile"]),
        "default_return_url": desired["default_return_url"],
        "features": {name: _feature_params(name, view) for name, view in desired["features"].items()},
        "metadata": desired["metadata"],
    }


def update_params(current: dict[str, Any], desired: dict[str, Any]) -> dict[str, Any]:
    """Only the parts that differ (empty: nothing to do)."""
    params: dict[str, Any] = {}
    if current["business_profile"] != desired["business_profile"]:
        params["business_profile"] = _business_profile_params(desired["business_profile"])
    if current["default_return_url"] != desired["default_return_url"]:
        params["default_return_url"] = desired["default_return_url"]
    features = {
        name: _feature_params(name, view)
        for name, view in desired["features"].items()
        if current["features"].get(name) != view
    }
    if features:
        params["features"] = features
    if current["metadata"] != desired["metadata"]:
        params["metadata"] = desired["metadata"]
    return params


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
            params = create_params(desired)
            created = self.gw.call(
                "billing_portal.configurations.create",
                lambda c: c.v1.billing_portal.configurations.create(
                    params=cast(Any, params),
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
                    params=cast(Any, params),
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
