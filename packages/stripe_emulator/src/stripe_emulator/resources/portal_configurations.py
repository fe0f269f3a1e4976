"""Customer portal configurations: create, update, retrieve, list, and the account's default configuration
(Stripe's Dashboard defaults, created on first use)."""

from __future__ import annotations

import copy
from typing import Any

from ..backend import Backend
from ..errors import invalid_request
from ..models.billing_portal import PortalConfiguration
from .checkout_sessions import api_base
from .portal_common import CANCEL_REASONS
from .portal_features import check_features, features_with_defaults, merge_features


def create_configuration(
    b: Backend, p: dict[str, Any], request_id: str | None = None, *, is_default: bool = False
) -> PortalConfiguration:
    if "features" not in p:
        raise invalid_request("Missing required param: features.", param="features")
    with b.lock:
        features = features_with_defaults(p["features"])
        check_features(b, features)
        now = b.now()
        bp = p.get("business_profile") or {}
        cfg: PortalConfiguration = {
            "id": b.new_id("bpc"),
            "object": "billing_portal.configuration",
            "active": True,
            "application": None,
            "business_profile": {
                "headline": bp.get("headline") or None,
                "privacy_policy_url": bp.get("privacy_policy_url") or None,
                "terms_of_service_url": bp.get("terms_of_service_url") or None,
            },
            "created": now,
            "default_return_url": p.get("default_return_url") or None,
            "features": features,
            "is_default": is_default,
            "livemode": False,
            "login_page": _login_page(b, bool((p.get("login_page") or {}).get("enabled", False))),
            "metadata": p.get("metadata") or {},
            "name": p.get("name") or None,
            "updated": now,
        }
        b.store(cfg)
        if not is_default:  # the default configuration stands for Dashboard settings: no API event
            b.emit("billing_portal.configuration.created", cfg, request_id=request_id)
        return cfg


def _login_page(b: Backend, enabled: bool) -> dict[str, Any]:
    if not enabled:
        return {"enabled": False, "url": None}
    return {"enabled": True, "url": f"{api_base(b)}/portal/login/{b.new_id('x')[2:]}"}


def update_configuration(
    b: Backend, cfg_id: str, p: dict[str, Any], request_id: str | None = None
) -> PortalConfiguration:
    with b.lock:
        cfg = b.get(cfg_id, "billing_portal.configuration", param="configuration")
        before = copy.deepcopy({k: v for k, v in cfg.items() if not k.startswith("_")})
        if "features" in p:
            features = merge_features(cfg["features"], p["features"] or {})
            check_features(b, features)
            cfg["features"] = features
        if "active" in p:
            if not p["active"] and cfg["is_default"]:
                raise invalid_request("You can't deactivate the default configuration.", param="active")
            cfg["active"] = p["active"]
        if "business_profile" in p:
            for k, v in (p["business_profile"] or {}).items():
                cfg["business_profile"][k] = v or None
        if "default_return_url" in p:
            cfg["default_return_url"] = p["default_return_url"] or None
        if "login_page" in p:
            lp = p["login_page"] or {}
            if "enabled" in lp and bool(lp["enabled"]) != cfg["login_page"]["enabled"]:
                cfg["login_page"] = _login_page(b, bool(lp["enabled"]))
        if "metadata" in p:
            md = p["metadata"]
            if md == "":
                cfg["metadata"] = {}
            else:
                merged = dict(cfg.get("metadata") or {})
                for k, v in md.items():
                    if v == "":
                        merged.pop(k, None)
                    else:
                        merged[k] = v
                cfg["metadata"] = merged
        if "name" in p:
            cfg["name"] = p["name"] or None
        cfg["updated"] = b.now()
        after = {k: v for k, v in cfg.items() if not k.startswith("_")}
        prev = {k: before[k] for k in after if before.get(k) != after[k] and k != "updated"}
        if prev:
            prev["updated"] = before["updated"]
            b.emit("billing_portal.configuration.updated", cfg, previous_attributes=prev, request_id=request_id)
        return cfg


def default_configuration(b: Backend) -> PortalConfiguration:
    """The account's default configuration (Dashboard defaults), created on first use."""
    with b.lock:
        for cfg in b.all("billing_portal.configuration"):
            if cfg["is_default"]:
                return cfg
        return create_configuration(
            b,
            {
                "features": {
                    "customer_update": {"enabled": True, "allowed_updates": ["email", "address", "phone", "tax_id"]},
                    "invoice_history": {"enabled": True},
                    "payment_method_update": {"enabled": True},
                    "subscription_cancel": {
                        "enabled": True,
                        "mode": "at_period_end",
                        "proration_behavior": "none",
                        "cancellation_reason": {"enabled": True, "options": list(CANCEL_REASONS)},
                    },
                }
            },
            is_default=True,
        )
