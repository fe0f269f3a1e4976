"""Promotion codes (endive shape: `promotion: {type: "coupon", coupon}`): create, retrieve, update, list.

`promotion_code_valid(b, id_or_code, customer=, amount=, currency=)` checks everything Stripe checks when a code is
applied (active, expiry, redemptions, customer restriction, first-time, minimum amount, the coupon's validity) and
`redeem_promotion_code(b, id)` counts a redemption on the code and its coupon.
"""

from __future__ import annotations

import copy
import secrets
import string
from typing import Any

from ..backend import Backend
from ..errors import invalid_request
from ..models.catalog import PromotionCode
from .common import diff_previous, live_customer, merge_metadata
from .coupons import coupon_valid, get_coupon, redeem_coupon


def _restrictions(value: Any) -> dict[str, Any]:
    value = value or {}
    minimum = value.get("minimum_amount")
    currency = value.get("minimum_amount_currency")
    if minimum is not None and not currency:
        raise invalid_request(
            "minimum_amount_currency is required with minimum_amount.", param="restrictions[minimum_amount_currency]"
        )
    return {  # `currency_options` appears only once set (stripe-python cannot read it as null)
        "first_time_transaction": bool(value.get("first_time_transaction", False)),
        "minimum_amount": int(minimum) if minimum is not None else None,
        "minimum_amount_currency": str(currency).lower() if currency else None,
    }


def _find(b: Backend, ref: str) -> PromotionCode:
    if isinstance(ref, str) and ref.startswith("promo_"):
        return b.get(ref, "promotion_code", param="promotion_code")
    for p in b.all("promotion_code"):
        if p["code"].lower() == str(ref).lower() and p["active"]:
            return p
    raise invalid_request(
        f"No such promotion code: '{ref}'", param="promotion_code", code="resource_missing", status=404
    )


def _expired(b: Backend, promo: PromotionCode) -> bool:
    expires_at = promo.get("expires_at")
    return expires_at is not None and b.now() >= expires_at


def create_promotion_code(b: Backend, params: dict[str, Any], request_id: str | None = None) -> PromotionCode:
    promotion = params.get("promotion") or {}
    if promotion.get("type", "coupon") != "coupon" or not promotion.get("coupon"):
        raise invalid_request("Missing required param: promotion[coupon].", param="promotion[coupon]")
    with b.lock:
        coupon = get_coupon(b, promotion["coupon"], "promotion[coupon]")
        if params.get("customer"):
            live_customer(b, params["customer"], "customer")
        code = params.get("code") or "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(8))
        if not all(ch.isalnum() or ch in "-_" for ch in code) or len(code) > 500:
            raise invalid_request("Invalid code: only letters, digits, '-' and '_' are allowed.", param="code")
        if any(p["code"].lower() == code.lower() and p["active"] for p in b.all("promotion_code")):
            raise invalid_request(f"An active promotion code with `code: {code}` already exists.", param="code")
        if params.get("expires_at") is not None and int(params["expires_at"]) <= b.now():
            raise invalid_request("Invalid expires_at: must be in the future.", param="expires_at")
        promo: PromotionCode = {
            "id": b.new_id("promo"),
            "object": "promotion_code",
            "active": params.get("active", True),
            "code": code,
            "created": b.now(),
            "customer": params.get("customer"),
            "customer_account": None,
            "expires_at": params.get("expires_at"),
            "livemode": False,
            "max_redemptions": params.get("max_redemptions"),
            "metadata": merge_metadata({}, params.get("metadata") or {}),
            "promotion": {"coupon": coupon["id"], "type": "coupon"},
            "restrictions": _restrictions(params.get("restrictions")),
            "times_redeemed": 0,
        }
        b.store(promo)
        b.emit("promotion_code.created", promo, request_id=request_id)
        return promo


def update_promotion_code(
    b: Backend, promo_id: str, params: dict[str, Any], request_id: str | None = None
) -> PromotionCode:
    with b.lock:
        promo = b.get(promo_id, "promotion_code")
        before = copy.deepcopy(promo)
        if "active" in params:
            if params["active"] and not promo["active"]:
                if _expired(b, promo) or not get_coupon(b, promo["promotion"]["coupon"])["valid"]:
                    raise invalid_request("This promotion code cannot be reactivated.", param="active")
                clash = any(
                    p["code"].lower() == promo["code"].lower() and p["active"] and p["id"] != promo_id
                    for p in b.all("promotion_code")
                )
                if clash:
                    raise invalid_request("An active promotion code with this code already exists.", param="active")
            promo["active"] = params["active"]
        if "metadata" in params:
            promo["metadata"] = merge_metadata(promo["metadata"], params["metadata"])
        if "restrictions" in params:
            opts = (params["restrictions"] or {}).get("currency_options")
            if opts:
                promo["restrictions"]["currency_options"] = {
                    k: {"minimum_amount": int(v["minimum_amount"])} for k, v in opts.items()
                }
            else:
                promo["restrictions"].pop("currency_options", None)
        prev = diff_previous(before, promo)
        if prev:
            b.emit("promotion_code.updated", promo, previous_attributes=prev, request_id=request_id)
        return promo


def promotion_code_valid(
    b: Backend,
    ref: str,
    *,
    customer: str | None = None,
    amount: int | None = None,
    currency: str | None = None,
    param: str = "promotion_code",
) -> PromotionCode:
    """The promotion code (by id or code) if it may be applied for this customer/amount, else 400 like Stripe."""
    promo = _find(b, ref)
    if not promo["active"] or _expired(b, promo):
        raise invalid_request(f"This promotion code is not active: {promo['code']}", param=param)
    if promo["max_redemptions"] is not None and promo["times_redeemed"] >= promo["max_redemptions"]:
        raise invalid_request(f"This promotion code has been fully redeemed: {promo['code']}", param=param)
    if promo["customer"] and customer != promo["customer"]:
        raise invalid_request("This promotion code cannot be redeemed by this customer.", param=param)
    r = promo["restrictions"]
    if r["first_time_transaction"] and customer:
        paid = b.all("invoice", where=lambda i: i.get("status") == "paid", customer=customer)
        if any((i.get("amount_paid") or 0) > 0 for i in paid):
            raise invalid_request(
                "This promotion code can only be used on a customer's first transaction.", param=param
            )
    if r["minimum_amount"] is not None and amount is not None:
        if currency and currency.lower() != r["minimum_amount_currency"]:
            raise invalid_request("This promotion code cannot be used with this currency.", param=param)
        if amount < r["minimum_amount"]:
            raise invalid_request(
                f"This promotion code requires a minimum amount of {r['minimum_amount']}.", param=param
            )
    coupon_valid(b, promo["promotion"]["coupon"], param=param)
    return promo


def redeem_promotion_code(b: Backend, promo_id: str) -> PromotionCode:
    """Count one redemption on the code and on its coupon."""
    with b.lock:
        promo = b.get(promo_id, "promotion_code")
        redeem_coupon(b, promo["promotion"]["coupon"])
        promo["times_redeemed"] += 1
        return promo
