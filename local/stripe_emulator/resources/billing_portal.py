"""Customer portal: configurations (create, update, retrieve, list; every feature field) and sessions.

A session's `url` is the emulator's portal page `/portal/session/{id}` (pages/portal.py). Like Stripe's, the URL is
short-lived: it must be opened within 5 minutes of creation; once opened it stays usable for an hour.

Creating a session without `configuration` uses the account's default configuration. Stripe's accounts get one when
the portal settings are saved in the Dashboard; the emulator's account behaves as if that had happened, so the
first session (or list) without a configuration creates a default configuration with Stripe's Dashboard defaults.
"""

from __future__ import annotations

import copy
from typing import Any

from ..backend import Backend
from ..errors import invalid_request
from ..router import Request, route
from .checkout_sessions import api_base

SESSION_URL_TTL_S = 5 * 60
SESSION_TTL_S = 3600

FLOW_TYPES = (
    "customer_update",
    "payment_method_update",
    "subscription_cancel",
    "subscription_pause",
    "subscription_update",
    "subscription_update_confirm",
)
AFTER_COMPLETION_TYPES = ("hosted_confirmation", "portal_homepage", "redirect")
CANCEL_REASONS = (
    "customer_service",
    "low_quality",
    "missing_features",
    "other",
    "switched_service",
    "too_complex",
    "too_expensive",
    "unused",
)
PORTABLE_STATUSES = ("active", "trialing", "past_due")


def _session_locales() -> tuple[str, ...]:
    import typing

    from stripe.billing_portal import Session

    ann = Session.__annotations__["locale"]
    return tuple(str(a) for arg in typing.get_args(ann) for a in typing.get_args(arg) if isinstance(a, str))


LOCALES = _session_locales()


def _features(f: dict[str, Any] | None) -> dict[str, Any]:
    """Stripe's shape for `features`, with its defaults for everything not given."""
    return _merge_features(
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


def _merge_features(cur: dict[str, Any], f: dict[str, Any]) -> dict[str, Any]:
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


def _enum(value: Any, allowed: tuple[str, ...], param: str) -> None:
    """stripe-python types these as `Literal[...] | str`; Stripe itself only accepts the listed values."""
    for v in value if isinstance(value, list) else [value]:
        if v not in allowed:
            raise invalid_request(f"Invalid {param}: must be one of {', '.join(allowed)}", param=param)


_PRORATIONS = ("always_invoice", "create_prorations", "none")


def _check_features(b: Backend, f: dict[str, Any]) -> None:
    fp = "features"
    _enum(
        f["customer_update"]["allowed_updates"],
        ("address", "email", "name", "phone", "shipping", "tax_id"),
        f"{fp}[customer_update][allowed_updates]",
    )
    _enum(f["subscription_cancel"]["mode"], ("at_period_end", "immediately"), f"{fp}[subscription_cancel][mode]")
    _enum(f["subscription_cancel"]["proration_behavior"], _PRORATIONS, f"{fp}[subscription_cancel][proration_behavior]")
    duration = f["subscription_pause"]["duration"]
    _enum(duration["type"], ("indefinite", "interval_options"), f"{fp}[subscription_pause][duration][type]")
    dp = f"{fp}[subscription_pause][duration][interval_options]"
    if duration["type"] == "interval_options" and not duration["interval_options"]:
        raise invalid_request(f"Missing required param: {dp} (required when the type is interval_options).", param=dp)
    max_days = {"day": 3 * 365, "week": 156 * 7, "month": 36 * 31, "year": 3 * 365}
    for o in duration["interval_options"]:
        _enum(o["interval"], ("day", "month", "week", "year"), dp)
        # Configuration.Features.SubscriptionPause.Duration.IntervalOption: "The maximum duration is three years."
        per = {"day": 1, "week": 7, "month": 31, "year": 365}[o["interval"]]
        if not 1 <= o["interval_count"] or o["interval_count"] * per > max_days[o["interval"]]:
            raise invalid_request(f"Invalid {dp}: a pause lasts at most three years.", param=dp)
    su = f["subscription_update"]
    sp = f"{fp}[subscription_update]"
    _enum(su["proration_behavior"], _PRORATIONS, f"{sp}[proration_behavior]")
    _enum(su["trial_update_behavior"], ("continue_trial", "end_trial"), f"{sp}[trial_update_behavior]")
    _enum(su["default_allowed_updates"], ("price", "promotion_code", "quantity"), f"{sp}[default_allowed_updates]")
    if su["billing_cycle_anchor"] is not None:
        _enum(su["billing_cycle_anchor"], ("now", "unchanged"), f"{sp}[billing_cycle_anchor]")
    for c in su["schedule_at_period_end"]["conditions"]:
        _enum(
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


def create_configuration(
    b: Backend, p: dict[str, Any], request_id: str | None = None, *, is_default: bool = False
) -> dict[str, Any]:
    if "features" not in p:
        raise invalid_request("Missing required param: features.", param="features")
    with b.lock:
        features = _features(p["features"])
        _check_features(b, features)
        now = b.now()
        bp = p.get("business_profile") or {}
        cfg: dict[str, Any] = {
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


def update_configuration(b: Backend, cfg_id: str, p: dict[str, Any], request_id: str | None = None) -> dict[str, Any]:
    with b.lock:
        cfg = b.get(cfg_id, "billing_portal.configuration", param="configuration")
        before = copy.deepcopy({k: v for k, v in cfg.items() if not k.startswith("_")})
        if "features" in p:
            features = _merge_features(cfg["features"], p["features"] or {})
            _check_features(b, features)
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


def default_configuration(b: Backend) -> dict[str, Any]:
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


# --- sessions ------------------------------------------------------------------------------------------------


def _portable_subscription(b: Backend, sub_id: Any, customer_id: str, param: str) -> dict[str, Any]:
    if not sub_id:
        raise invalid_request(f"Missing required param: {param}.", param=param)
    sub = b.get(sub_id, "subscription", param=param)
    if sub.get("customer") != customer_id:
        raise invalid_request(f"The subscription {sub_id} does not belong to the customer {customer_id}.", param=param)
    if sub.get("status") not in PORTABLE_STATUSES:
        raise invalid_request(
            f"The subscription {sub_id} has a status of `{sub.get('status')}`. The customer portal can only be used "
            "with subscriptions that are active, trialing or past_due.",
            param=param,
        )
    return sub


def subscription_items(b: Backend, sub: dict[str, Any]) -> list[dict[str, Any]]:
    """The subscription's items as dicts, whether the subscription stores them embedded or by id."""
    items = sub.get("items")
    data = items.get("data", []) if isinstance(items, dict) else (items or [])
    out = []
    for it in data:
        if isinstance(it, str):
            it = b.objects.get(it)
        if isinstance(it, dict):
            out.append(it)
    return out


def price_id_of(item: dict[str, Any]) -> str:
    price = item.get("price")
    return str(price["id"] if isinstance(price, dict) else price)


def _flow(b: Backend, fd: dict[str, Any], customer_id: str, cfg: dict[str, Any]) -> dict[str, Any]:
    ftype = fd.get("type")
    if not ftype:
        raise invalid_request("Missing required param: flow_data[type].", param="flow_data[type]")
    if ftype not in FLOW_TYPES:
        raise invalid_request(
            f"Invalid flow_data[type]: must be one of {', '.join(FLOW_TYPES)}", param="flow_data[type]"
        )
    ac = fd.get("after_completion") or {"type": "portal_homepage"}
    ac_type = ac.get("type")
    if ac_type not in AFTER_COMPLETION_TYPES:
        raise invalid_request(
            f"Invalid flow_data[after_completion][type]: must be one of {', '.join(AFTER_COMPLETION_TYPES)}",
            param="flow_data[after_completion][type]",
        )
    redirect = ac.get("redirect")
    if ac_type == "redirect" and not (redirect or {}).get("return_url"):
        raise invalid_request(
            "Missing required param: flow_data[after_completion][redirect][return_url].",
            param="flow_data[after_completion][redirect][return_url]",
        )
    hosted = ac.get("hosted_confirmation")
    flow: dict[str, Any] = {
        "after_completion": {
            "hosted_confirmation": (
                {"custom_message": (hosted or {}).get("custom_message")} if ac_type == "hosted_confirmation" else None
            ),
            "redirect": {"return_url": redirect["return_url"]} if ac_type == "redirect" and redirect else None,
            "type": ac_type,
        },
        "customer_update": None,
        "subscription_cancel": None,
        "subscription_pause": None,
        "subscription_update": None,
        "subscription_update_confirm": None,
        "type": ftype,
    }
    for other_type in (
        "subscription_cancel",
        "subscription_pause",
        "subscription_update",
        "subscription_update_confirm",
    ):
        if other_type != ftype and fd.get(other_type):
            raise invalid_request(
                f"flow_data[{other_type}] can only be used with flow_data[type]={other_type}.",
                param=f"flow_data[{other_type}]",
            )
    features = cfg["features"]
    if ftype == "customer_update":
        if not features["customer_update"]["enabled"]:
            raise invalid_request(
                "The customer_update flow requires the customer_update feature to be enabled in the configuration.",
                param="flow_data[type]",
            )
        flow["customer_update"] = {}
    elif ftype == "payment_method_update":
        pass
    elif ftype == "subscription_cancel":
        sc = fd.get("subscription_cancel") or {}
        sub = _portable_subscription(
            b, sc.get("subscription"), customer_id, "flow_data[subscription_cancel][subscription]"
        )
        if sub.get("cancel_at_period_end") or sub.get("cancel_at"):
            raise invalid_request(
                f"The subscription {sub['id']} is already scheduled to be canceled.",
                param="flow_data[subscription_cancel][subscription]",
            )
        retention = sc.get("retention")
        ret_out = None
        if retention:
            if retention.get("type") != "coupon_offer":
                raise invalid_request(
                    "Invalid flow_data[subscription_cancel][retention][type]: must be coupon_offer",
                    param="flow_data[subscription_cancel][retention][type]",
                )
            coupon_id = (retention.get("coupon_offer") or {}).get("coupon")
            if not coupon_id:
                raise invalid_request(
                    "Missing required param: flow_data[subscription_cancel][retention][coupon_offer][coupon].",
                    param="flow_data[subscription_cancel][retention][coupon_offer][coupon]",
                )
            coupon = b.get(coupon_id, "coupon", param="flow_data[subscription_cancel][retention][coupon_offer][coupon]")
            if coupon.get("valid") is False:
                raise invalid_request(
                    f"Coupon {coupon_id} is no longer valid.",
                    param="flow_data[subscription_cancel][retention][coupon_offer][coupon]",
                )
            ret_out = {"coupon_offer": {"coupon": coupon_id}, "type": "coupon_offer"}
        flow["subscription_cancel"] = {"retention": ret_out, "subscription": sub["id"]}
    elif ftype == "subscription_pause":
        sp = fd.get("subscription_pause") or {}
        if not features["subscription_pause"]["enabled"]:
            raise invalid_request(
                "The subscription_pause flow requires the subscription_pause feature to be enabled in the "
                "configuration.",
                param="flow_data[type]",
            )
        sub = _portable_subscription(
            b, sp.get("subscription"), customer_id, "flow_data[subscription_pause][subscription]"
        )
        flow["subscription_pause"] = {"subscription": sub["id"]}
    elif ftype == "subscription_update":
        su = fd.get("subscription_update") or {}
        sub = _portable_subscription(
            b, su.get("subscription"), customer_id, "flow_data[subscription_update][subscription]"
        )
        if not features["subscription_update"]["enabled"] or not features["subscription_update"]["products"]:
            raise invalid_request(
                "The subscription_update flow requires the subscription_update feature to be enabled in the "
                "configuration with at least one product.",
                param="flow_data[type]",
            )
        flow["subscription_update"] = {"subscription": sub["id"]}
    elif ftype == "subscription_update_confirm":
        suc = fd.get("subscription_update_confirm") or {}
        param = "flow_data[subscription_update_confirm]"
        sub = _portable_subscription(b, suc.get("subscription"), customer_id, f"{param}[subscription]")
        items = suc.get("items") or []
        if len(items) != 1:
            raise invalid_request(
                "The subscription_update_confirm flow requires exactly one item.", param=f"{param}[items]"
            )
        item = items[0]
        sub_item_ids = [it["id"] for it in subscription_items(b, sub)]
        if not item.get("id"):
            raise invalid_request(f"Missing required param: {param}[items][0][id].", param=f"{param}[items][0][id]")
        if item["id"] not in sub_item_ids:
            raise invalid_request(
                f"The subscription item {item['id']} does not belong to the subscription {sub['id']}.",
                param=f"{param}[items][0][id]",
            )
        if not item.get("price") and item.get("quantity") is None:
            raise invalid_request(
                f"You must provide a price or a quantity in {param}[items][0].", param=f"{param}[items][0]"
            )
        if item.get("price"):
            price = b.get(item["price"], "price", param=f"{param}[items][0][price]")
            if not price.get("recurring"):
                raise invalid_request(
                    f"The price {price['id']} is not a recurring price.", param=f"{param}[items][0][price]"
                )
        if item.get("quantity") is not None and int(item["quantity"]) < 1:
            raise invalid_request("Quantity must be at least 1.", param=f"{param}[items][0][quantity]")
        discounts = suc.get("discounts")
        disc_out = None
        if discounts:
            disc_out = []
            for i, d in enumerate(discounts):
                if d.get("coupon"):
                    b.get(d["coupon"], "coupon", param=f"{param}[discounts][{i}][coupon]")
                if d.get("promotion_code"):
                    b.get(d["promotion_code"], "promotion_code", param=f"{param}[discounts][{i}][promotion_code]")
                disc_out.append({"coupon": d.get("coupon"), "promotion_code": d.get("promotion_code")})
        flow["subscription_update_confirm"] = {
            "discounts": disc_out,
            "items": [{"id": item["id"], "price": item.get("price"), "quantity": item.get("quantity")}],
            "subscription": sub["id"],
        }
    return flow


def create_portal_session(b: Backend, p: dict[str, Any], request_id: str | None = None) -> dict[str, Any]:
    if not p.get("customer"):
        raise invalid_request("Missing required param: customer.", param="customer")
    with b.lock:
        cus = b.get(p["customer"], "customer", param="customer")
        if cus.get("deleted"):
            raise invalid_request(f"No such customer: '{cus['id']}'", param="customer", code="resource_missing")
        if p.get("configuration"):
            cfg = b.get(p["configuration"], "billing_portal.configuration", param="configuration")
            if not cfg["active"]:
                raise invalid_request(
                    f"The configuration {cfg['id']} is not active. Use an active configuration.",
                    param="configuration",
                )
        else:
            cfg = default_configuration(b)
        flow = _flow(b, p["flow_data"], cus["id"], cfg) if p.get("flow_data") else None
        # Optional (stripe-python 16: `return_url: NotRequired[str]`, the session's `return_url: Optional[str]`):
        # the configuration's default_return_url, else none, and the portal shows no link back.
        return_url = p.get("return_url") or cfg.get("default_return_url")
        locale = p.get("locale")
        if locale is not None:
            _enum(locale, LOCALES, "locale")
        if locale == "auto":
            locale = None
        now = b.now_for_customer(cus["id"])
        ae = p.get("after_expiration")
        sid = b.new_id("bps")
        session: dict[str, Any] = {
            "id": sid,
            "object": "billing_portal.session",
            "configuration": cfg["id"],
            "created": now,
            "customer": cus["id"],
            "customer_account": None,
            "flow": flow,
            "livemode": False,
            "locale": locale,
            "on_behalf_of": p.get("on_behalf_of"),
            "return_url": return_url,
            "url": f"{api_base(b)}/portal/session/{sid}",
            "_url_expires_at": int(b.now()) + SESSION_URL_TTL_S,
            "_opened_at": None,
            "_completed": False,
            "after_expiration": None,
        }
        if ae:
            session["after_expiration"] = {
                "customer_login": (
                    {"expires_at": (ae.get("customer_login") or {}).get("expires_at")}
                    if ae.get("type") == "customer_login"
                    else None
                ),
                "type": ae.get("type"),
            }
        b.store(session)
        return session


def session_usable(b: Backend, session: dict[str, Any]) -> bool:
    """True while the URL may be used: opened within 5 minutes of creation, then for an hour."""
    now = b.now()
    opened = session.get("_opened_at")
    if opened is None:
        return now < int(session["_url_expires_at"])
    return now < int(opened) + SESSION_TTL_S


# --- routes --------------------------------------------------------------------------------------------------


@route("POST", "/v1/billing_portal/configurations", params="billing_portal.ConfigurationCreateParams")
def _create_cfg(b: Backend, req: Request) -> dict[str, Any]:
    return b.render(create_configuration(b, req.params, req.request_id), req.expand)


@route("POST", "/v1/billing_portal/configurations/{configuration}", params="billing_portal.ConfigurationModifyParams")
def _update_cfg(b: Backend, req: Request) -> dict[str, Any]:
    return b.render(update_configuration(b, req.path_params["configuration"], req.params, req.request_id), req.expand)


@route("GET", "/v1/billing_portal/configurations/{configuration}", params="billing_portal.ConfigurationRetrieveParams")
def _retrieve_cfg(b: Backend, req: Request) -> dict[str, Any]:
    with b.lock:
        cfg = b.get(req.path_params["configuration"], "billing_portal.configuration", param="configuration")
        return b.render(cfg, req.expand)


@route(
    "GET",
    "/v1/billing_portal/configurations",
    params="billing_portal.ConfigurationListParams",
    list_endpoint=True,
)
def _list_cfg(b: Backend, req: Request) -> dict[str, Any]:
    p = req.params
    with b.lock:

        def keep(c: dict[str, Any]) -> bool:
            return ("active" not in p or c["active"] == p["active"]) and (
                "is_default" not in p or c["is_default"] == p["is_default"]
            )

        return b.list_response(
            b.all("billing_portal.configuration", keep), p, "/v1/billing_portal/configurations", req.expand
        )


@route("POST", "/v1/billing_portal/sessions", params="billing_portal.SessionCreateParams")
def _create_session(b: Backend, req: Request) -> dict[str, Any]:
    return b.render(create_portal_session(b, req.params, req.request_id), req.expand)
