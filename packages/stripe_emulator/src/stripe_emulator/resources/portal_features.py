"""A portal configuration's `features`: Stripe's defaults for every feature field, merging an update into them,
and the checks Stripe makes on them (enum values, products and prices, cancellation reasons)."""

from __future__ import annotations

import copy
from typing import Any

from ..backend import Backend
from ..errors import invalid_request
from .portal_common import CANCEL_REASONS


def features_with_defaults(f: dict[str, Any] | None) -> dict[str, Any]:
    """Stripe's shape for `features`, with its defaults for everything not given."""
    return merge_features(
        {
            "customer_update": {"allowed_updates": [], "enabled": False},
            "invoice_history": {"enabled": False},
            "payment_method_update": {"enabled": False, "payment_method_configuration": None},
            "subscription_cancel": {
                "cancellation_reason": {"enabled": False, "feedback_options": None, "options": []},
                "enabled": False,
                "mode": "at_period_end",
                "proration_behavior": "none",
            },
            # stripe-python 16 `ConfigurationCreateParamsFeaturesSubscriptionPause.duration`: "Defaults to
            # `interval_options` with a single one-month option."
            "subscription_pause": {
                "duration": {
                    "interval_options": [{"interval": "month", "interval_count": 1}],
                    "type": "interval_options",
                },
                "enabled": False,
            },
            "subscription_update": {
                "billing_cycle_anchor": None,
                "default_allowed_updates": [],
                "enabled": False,
                "products": [],
                "proration_behavior": "none",
                "schedule_at_period_end": {"conditions": []},
                "trial_update_behavior": "end_trial",
            },
        },
        f or {},
    )


def _blank_list(v: Any) -> list[Any]:
    return [] if v in ("", None) else list(v)


def merge_features(cur: dict[str, Any], f: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(cur)
    if "customer_update" in f:
        cu = f["customer_update"]
        if "allowed_updates" in cu:
            out["customer_update"]["allowed_updates"] = _blank_list(cu["allowed_updates"])
        if "enabled" in cu:
            out["customer_update"]["enabled"] = cu["enabled"]
    if "invoice_history" in f and "enabled" in f["invoice_history"]:
        out["invoice_history"]["enabled"] = f["invoice_history"]["enabled"]
    if "payment_method_update" in f:
        pmu = f["payment_method_update"]
        for k in ("enabled", "payment_method_configuration"):
            if k in pmu:
                out["payment_method_update"][k] = pmu[k] or (False if k == "enabled" else None)
    if "subscription_cancel" in f:
        sc, dst = f["subscription_cancel"], out["subscription_cancel"]
        for k in ("enabled", "mode", "proration_behavior"):
            if k in sc:
                dst[k] = sc[k]
        cr = sc.get("cancellation_reason")
        if cr is not None:
            if "enabled" in cr:
                dst["cancellation_reason"]["enabled"] = cr["enabled"]
            if "options" in cr:
                dst["cancellation_reason"]["options"] = _blank_list(cr["options"])
            if "feedback_options" in cr:
                dst["cancellation_reason"]["feedback_options"] = _blank_list(cr["feedback_options"]) or None
    if "subscription_pause" in f:
        sp = f["subscription_pause"]
        if "enabled" in sp:
            out["subscription_pause"]["enabled"] = sp["enabled"]
        if "duration" in sp:
            d = sp["duration"]
            if "type" in d:
                out["subscription_pause"]["duration"]["type"] = d["type"]
                if d["type"] == "indefinite" and "interval_options" not in d:
                    out["subscription_pause"]["duration"]["interval_options"] = []
            if "interval_options" in d:
                out["subscription_pause"]["duration"]["interval_options"] = [
                    {"interval": o["interval"], "interval_count": int(o.get("interval_count", 1))}
                    for o in _blank_list(d["interval_options"])
                ]
    if "subscription_update" in f:
        su, dst = f["subscription_update"], out["subscription_update"]
        for k in ("enabled", "proration_behavior", "trial_update_behavior"):
            if k in su:
                dst[k] = su[k]
        if "billing_cycle_anchor" in su:
            dst["billing_cycle_anchor"] = su["billing_cycle_anchor"] or None
        if "default_allowed_updates" in su:
            dst["default_allowed_updates"] = _blank_list(su["default_allowed_updates"])
        if "products" in su:
            dst["products"] = [
                {
                    "adjustable_quantity": {
                        "enabled": bool((p.get("adjustable_quantity") or {}).get("enabled", False)),
                        "maximum": (p.get("adjustable_quantity") or {}).get("maximum"),
                        "minimum": int((p.get("adjustable_quantity") or {}).get("minimum", 1)),
                    },
                    "prices": list(p.get("prices") or []),
                    "product": p.get("product"),
                }
                for p in _blank_list(su["products"])
            ]
        if "schedule_at_period_end" in su:
            conds = (su["schedule_at_period_end"] or {}).get("conditions")
            dst["schedule_at_period_end"] = {"conditions": [{"type": c["type"]} for c in _blank_list(conds)]}
    return out


def check_enum(value: Any, allowed: tuple[str, ...], param: str) -> None:
    """stripe-python types these as `Literal[...] | str`; Stripe itself only accepts the listed values."""
    for v in value if isinstance(value, list) else [value]:
        if v not in allowed:
            raise invalid_request(f"Invalid {param}: must be one of {', '.join(allowed)}", param=param)


_PRORATIONS = ("always_invoice", "create_prorations", "none")


def check_features(b: Backend, f: dict[str, Any]) -> None:
    fp = "features"
    check_enum(
        f["customer_update"]["allowed_updates"],
        ("address", "email", "name", "phone", "shipping", "tax_id"),
        f"{fp}[customer_update][allowed_updates]",
    )
    check_enum(f["subscription_cancel"]["mode"], ("at_period_end", "immediately"), f"{fp}[subscription_cancel][mode]")
    check_enum(
        f["subscription_cancel"]["proration_behavior"], _PRORATIONS, f"{fp}[subscription_cancel][proration_behavior]"
    )
    duration = f["subscription_pause"]["duration"]
    check_enum(duration["type"], ("indefinite", "interval_options"), f"{fp}[subscription_pause][duration][type]")
    dp = f"{fp}[subscription_pause][duration][interval_options]"
    if duration["type"] == "interval_options" and not duration["interval_options"]:
        raise invalid_request(f"Missing required param: {dp} (required when the type is interval_options).", param=dp)
    max_days = {"day": 3 * 365, "week": 156 * 7, "month": 36 * 31, "year": 3 * 365}
    for o in duration["interval_options"]:
        check_enum(o["interval"], ("day", "month", "week", "year"), dp)
        # Configuration.Features.SubscriptionPause.Duration.IntervalOption: "The maximum duration is three years."
        per = {"day": 1, "week": 7, "month": 31, "year": 365}[o["interval"]]
        if not 1 <= o["interval_count"] or o["interval_count"] * per > max_days[o["interval"]]:
            raise invalid_request(f"Invalid {dp}: a pause lasts at most three years.", param=dp)
    su = f["subscription_update"]
    sp = f"{fp}[subscription_update]"
    check_enum(su["proration_behavior"], _PRORATIONS, f"{sp}[proration_behavior]")
    check_enum(su["trial_update_behavior"], ("continue_trial", "end_trial"), f"{sp}[trial_update_behavior]")
    check_enum(su["default_allowed_updates"], ("price", "promotion_code", "quantity"), f"{sp}[default_allowed_updates]")
    if su["billing_cycle_anchor"] is not None:
        check_enum(su["billing_cycle_anchor"], ("now", "unchanged"), f"{sp}[billing_cycle_anchor]")
    for c in su["schedule_at_period_end"]["conditions"]:
        check_enum(
            c["type"],
            ("decreasing_item_amount", "shortening_interval"),
            f"{sp}[schedule_at_period_end][conditions][0][type]",
        )
    cr = f["subscription_cancel"]["cancellation_reason"]
    if cr["enabled"] and not cr["options"]:
        raise invalid_request(
            "You must provide at least one option when the cancellation reason is enabled.",
            param="features[subscription_cancel][cancellation_reason][options]",
        )
    for v in cr["options"]:
        if v not in CANCEL_REASONS:
            raise invalid_request(
                f"Invalid features[subscription_cancel][cancellation_reason][options][]: must be one of "
                f"{', '.join(CANCEL_REASONS)}",
                param="features[subscription_cancel][cancellation_reason][options]",
            )
    su = f["subscription_update"]
    if len(su["products"]) > 10:
        raise invalid_request("You can pass up to 10 products.", param="features[subscription_update][products]")
    for i, prod in enumerate(su["products"]):
        param = f"features[subscription_update][products][{i}]"
        b.get(prod["product"], "product", param=f"{param}[product]")
        if not prod["prices"]:
            raise invalid_request("You must provide at least one price per product.", param=f"{param}[prices]")
        for price_id in prod["prices"]:
            price = b.get(price_id, "price", param=f"{param}[prices]")
            if price.get("product") != prod["product"]:
                raise invalid_request(
                    f"The price {price_id} does not belong to the product {prod['product']}.", param=f"{param}[prices]"
                )
            if not price.get("recurring"):
                raise invalid_request(
                    f"The price {price_id} is not a recurring price. Only recurring prices can be used in the "
                    "customer portal.",
                    param=f"{param}[prices]",
                )
        aq = prod["adjustable_quantity"]
        if aq["maximum"] is not None and int(aq["maximum"]) < aq["minimum"]:
            raise invalid_request(
                "The maximum quantity must be greater than the minimum.", param=f"{param}[adjustable_quantity][maximum]"
            )
    if su["enabled"] and su["default_allowed_updates"] and not su["products"]:
        raise invalid_request(
            "You must provide at least one product when subscription updates are enabled.",
            param="features[subscription_update][products]",
        )
