"""A portal session's `flow_data`: one flow per session (customer update, payment method update, subscription
cancel, pause, update, update confirm) checked as Stripe checks it, with its `after_completion`."""

from __future__ import annotations

from typing import Any

from ..backend import Backend
from ..errors import invalid_request
from ..models.billing_portal import PortalConfiguration
from .portal_common import (
    AFTER_COMPLETION_TYPES,
    FLOW_TYPES,
    portable_subscription,
    subscription_items,
)


def flow_data(b: Backend, fd: dict[str, Any], customer_id: str, cfg: PortalConfiguration) -> dict[str, Any]:
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
        sub = portable_subscription(
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
        sub = portable_subscription(
            b, sp.get("subscription"), customer_id, "flow_data[subscription_pause][subscription]"
        )
        flow["subscription_pause"] = {"subscription": sub["id"]}
    elif ftype == "subscription_update":
        su = fd.get("subscription_update") or {}
        sub = portable_subscription(
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
        sub = portable_subscription(b, suc.get("subscription"), customer_id, f"{param}[subscription]")
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
