"""The billing portal configuration this project wants, and the one Stripe has, as comparable views.

``desired_view`` builds it from the catalog, its Stripe prices and the environment (:class:`PortalSettings`);
``current_view`` reads the same fields off an existing configuration; ``create_params`` / ``update_params``
turn the difference into Stripe parameters. Used by ``admin.portal_config``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from billing_core.catalog.model import Catalog
from billing_core.errors import ConfigurationError
from billing_core.settings import Settings, read_settings
from billing_core.stripe_fields import as_dict, object_id
from billing_core.stripe_fields import field as g
from billing_core.stripe_gateway import StripeGateway
from stripe.params.billing_portal import (
    ConfigurationCreateParams,
    ConfigurationCreateParamsFeatures,
    ConfigurationUpdateParams,
    ConfigurationUpdateParamsBusinessProfile,
    ConfigurationUpdateParamsFeatures,
)

from admin.stripe_access import MANAGED_BY

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
            lambda c: c.v1.prices.list(params={"lookup_keys": chunk, "active": True, "limit": 100}),  # noqa: B023 - called at once, in this iteration
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


def _feature_params(name: str, view: dict[str, Any]) -> Any:
    """One feature of the view as Stripe parameters (``Any``: a feature's fields are the view's, which mirror Stripe's
    own; the params below check the feature names, and the emulator refuses a field Stripe does not declare)."""
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


def _business_profile_params(view: dict[str, Any]) -> ConfigurationUpdateParamsBusinessProfile:
    out: ConfigurationUpdateParamsBusinessProfile = {"headline": view.get("headline") or ""}  # "" unsets an old one
    for url in ("privacy_policy_url", "terms_of_service_url"):
        if view.get(url) is not None:
            out[url] = view[url]
    return out


#: The portal features this project manages (every one :func:`desired_view` writes), as Stripe names them.
FeatureName = Literal[
    "customer_update",
    "invoice_history",
    "payment_method_update",
    "subscription_cancel",
    "subscription_pause",
    "subscription_update",
]
FEATURES: tuple[FeatureName, ...] = get_args(FeatureName)


def create_params(desired: dict[str, Any]) -> ConfigurationCreateParams:
    """Every managed field (stripe-python's ``ConfigurationCreateParams``: Stripe's names are checked by mypy)."""
    features: ConfigurationCreateParamsFeatures = {}
    for name in FEATURES:
        features[name] = _feature_params(name, desired["features"][name])
    return {
        "business_profile": _business_profile_params(desired["business_profile"]),
        "default_return_url": desired["default_return_url"],
        "features": features,
        "metadata": desired["metadata"],
    }


def update_params(current: dict[str, Any], desired: dict[str, Any]) -> ConfigurationUpdateParams:
    """Only the parts that differ (empty: nothing to do), as stripe-python's ``ConfigurationUpdateParams``."""
    params: ConfigurationUpdateParams = {}
    if current["business_profile"] != desired["business_profile"]:
        params["business_profile"] = _business_profile_params(desired["business_profile"])
    if current["default_return_url"] != desired["default_return_url"]:
        params["default_return_url"] = desired["default_return_url"]
    features: ConfigurationUpdateParamsFeatures = {}
    for name in FEATURES:
        if current["features"].get(name) != desired["features"][name]:
            features[name] = _feature_params(name, desired["features"][name])
    if features:
        params["features"] = features
    if current["metadata"] != desired["metadata"]:
        params["metadata"] = desired["metadata"]
    return params
