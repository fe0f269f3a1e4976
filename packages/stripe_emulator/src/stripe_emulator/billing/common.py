"""Shared helpers of the billing engine: lookups of E1's objects, calendar math, discounts, settings."""

from __future__ import annotations

import calendar
import copy
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..backend import Backend
from ..errors import invalid_request
from ..models.catalog import Coupon, Discount, Price
from ..models.payments import PaymentMethod
from ..models.subscriptions import Subscription
from ..resources import payment_methods as pms
from ..resources.coupons import coupon_valid, redeem_coupon
from ..resources.promotion_codes import promotion_code_valid, redeem_promotion_code

DAY = 86400
# Smart-Retries stand-in: after a failed automatic charge, retry this many days after the FIRST failure.
RETRY_DAYS = (3, 5, 7)
INCOMPLETE_EXPIRY_S = 23 * 3600
TRIAL_WILL_END_S = 3 * DAY


def settings(b: Backend) -> dict[str, Any]:
    """Per-account billing settings (tests may change them): what happens after the last failed retry."""
    found: dict[str, Any] = b.extra.setdefault("billing_settings", {"after_final_failure": "canceled"})
    return found


def round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def prorated(unit: int, quantity: int, remaining: int, period: int) -> int:
    """`unit` × `quantity` for `remaining` of `period` seconds, rounded half up (Stripe's proration arithmetic)."""
    if period <= 0 or remaining <= 0:
        return 0
    return round_half_up(Decimal(unit) * quantity * remaining / period)


def active_discounts(b: Backend, sub: Subscription, at: int) -> list[str]:
    """The ids of the subscription's discounts still in force at `at`."""
    out = []
    for did in sub.get("discounts") or []:
        d = b.objects.get(did)
        if d and (d.get("end") is None or d["end"] > at):
            out.append(did)
    return out


# --- lookups --------------------------------------------------------------------------------------------------


def price(b: Backend, price_id: Any, param: str = "price") -> Price:
    return b.get(price_id, "price", param=param)


def product_name(b: Backend, pr: Price) -> str:
    prod = pr.get("product")
    if isinstance(prod, dict):
        return str(prod.get("name") or prod.get("id"))
    obj = b.objects.get(prod) if isinstance(prod, str) else None
    return str(obj.get("name") if obj else prod)


def product_id(pr: Price) -> str:
    prod = pr.get("product")
    return str(prod["id"] if isinstance(prod, dict) else prod)


def unit_amount(pr: Price) -> int:
    amount = pr.get("unit_amount")
    if amount is not None:
        return int(amount)
    return round_half_up(Decimal(str(pr.get("unit_amount_decimal") or 0)))


def payment_method(b: Backend, pm_id: Any, param: str = "payment_method") -> PaymentMethod:
    """A stored payment method; test tokens such as `pm_card_visa` resolve through E1's module when present."""
    return pms.resolve_payment_method(b, pm_id, param=param)


def behaviour(pm: PaymentMethod) -> str:
    return str(pm.get("_behaviour") or "ok")


def customer_default_pm(b: Backend, customer_id: str) -> str | None:
    cus = b.objects.get(customer_id) or {}
    pm = (cus.get("invoice_settings") or {}).get("default_payment_method")
    return pm if isinstance(pm, str) else None


# --- calendar -------------------------------------------------------------------------------------------------


def add_interval(anchor: int, interval: str, count: int, n: int = 1) -> int:
    """`anchor` moved forward by n * count intervals; month ends clamp like Stripe (Jan 31 -> Feb 28)."""
    if interval == "day":
        return anchor + n * count * DAY
    if interval == "week":
        return anchor + n * count * 7 * DAY
    dt = datetime.fromtimestamp(anchor, UTC)
    months = n * count * (12 if interval == "year" else 1)
    total = dt.month - 1 + months
    year, month = dt.year + total // 12, total % 12 + 1
    day = min(dt.day, calendar.monthrange(year, month)[1])
    return int(dt.replace(year=year, month=month, day=day).timestamp())


def period_end_after(anchor: int, start: int, interval: str, count: int) -> int:
    """The first period boundary (anchor + k intervals) strictly after `start`."""
    n = 1
    end = add_interval(anchor, interval, count, n)
    while end <= start:
        n += 1
        end = add_interval(anchor, interval, count, n)
    return end


def fmt_date(ts: int) -> str:
    dt = datetime.fromtimestamp(ts, UTC)
    return f"{dt.day} {dt.strftime('%b %Y')}"


def recurring(pr: Price) -> tuple[str, int]:
    rec = pr.get("recurring") or {}
    if not rec:
        raise invalid_request(
            f"The price specified ({pr['id']}) is a one-time price; subscriptions need recurring prices.",
            param="items",
        )
    return str(rec.get("interval") or "month"), int(rec.get("interval_count") or 1)


# --- discounts ------------------------------------------------------------------------------------------------


def coupon_of(b: Backend, discount: Mapping[str, Any]) -> Coupon | None:
    """The coupon of a discount (`source.coupon`, or an older shape's expanded `coupon`)."""
    source = discount.get("source") or {}
    cid = source.get("coupon") or (discount.get("coupon") or {}).get("id")
    if isinstance(cid, dict):
        cid = cid.get("id")
    return b.objects.get(cid) if isinstance(cid, str) else None


def make_discounts(
    b: Backend,
    specs: list[dict[str, Any]] | None,
    *,
    customer: str,
    subscription: str | None = None,
    invoice: str | None = None,
    start: int,
    param: str = "discounts",
    redeem: bool = False,
    existing: list[str] | None = None,
) -> list[str]:
    """Discount objects (stored, ids returned) for `discounts[{coupon|promotion_code|discount}]` params.

    `redeem=True` (a discount really applied to a subscription or invoice, not a preview): every new discount
    counts one redemption on its coupon (and promotion code), as Stripe does, so `max_redemptions` is enforced.
    All specs are checked before anything is stored or counted. A coupon already applied through one of the
    `existing` discounts keeps that discount (no second redemption).
    """
    current: dict[str, str] = {}
    for did in existing or []:
        d = b.objects.get(did)
        if d is not None and not d.get("promotion_code"):
            c = coupon_of(b, d)
            if c is not None:
                current.setdefault(c["id"], did)
    planned: list[tuple[str, str | None, Coupon | None]] = []  # (discount id | coupon id, promo, coupon)
    for i, spec in enumerate(specs or []):
        if spec.get("discount"):
            planned.append((b.get(spec["discount"], "discount", param=f"{param}[{i}][discount]")["id"], None, None))
            continue
        promo_id = spec.get("promotion_code")
        coupon_id = spec.get("coupon")
        if promo_id:
            promo = b.get(promo_id, "promotion_code", param=f"{param}[{i}][promotion_code]")
            if promo.get("active") is False:
                raise invalid_request(f"This promotion code is inactive: {promo_id}", param=f"{param}[{i}]")
            if redeem:
                promotion_code_valid(b, promo_id, customer=customer, param=f"{param}[{i}][promotion_code]")
            ref = (promo.get("promotion") or {}).get("coupon") or promo.get("coupon")
            coupon_id = ref.get("id") if isinstance(ref, dict) else ref
        elif coupon_id in current:
            planned.append((current[coupon_id], None, None))
            continue
        coupon = b.get(coupon_id, "coupon", param=f"{param}[{i}][coupon]")
        if redeem:
            coupon = coupon_valid(b, coupon_id, param=f"{param}[{i}][coupon]")
        if coupon.get("valid") is False:
            raise invalid_request(f"Coupon expired: {coupon['id']}", param=f"{param}[{i}][coupon]")
        planned.append((coupon["id"], promo_id, coupon))
    if redeem:  # the same coupon twice in one request must fit within max_redemptions too
        uses: dict[str, int] = {}
        for _, _, planned_coupon in planned:
            if planned_coupon is not None:
                uses[planned_coupon["id"]] = uses.get(planned_coupon["id"], 0) + 1
        for cid, n in uses.items():
            c = b.objects[cid]
            if c.get("max_redemptions") is not None and c["times_redeemed"] + n > c["max_redemptions"]:
                raise invalid_request(f"Coupon expired: {cid}", param=param)
    out: list[str] = []
    for ref, promo_ref, applied in planned:
        if applied is None:
            out.append(ref)
            continue
        coupon = applied
        end = None
        months = coupon.get("duration_in_months")
        if coupon.get("duration") == "repeating" and months:
            end = add_interval(start, "month", int(months))
        disc: Discount = {
            "id": b.new_id("di"),
            "object": "discount",
            "checkout_session": None,
            "customer": customer,
            "customer_account": None,
            "end": end,
            "invoice": invoice,
            "invoice_item": None,
            "promotion_code": promo_ref,
            "source": {"coupon": coupon["id"], "type": "coupon"},
            "start": start,
            "subscription": subscription,
            "subscription_item": None,
        }
        b.store(disc)
        if redeem:
            if promo_ref:
                redeem_promotion_code(b, promo_ref)
            else:
                redeem_coupon(b, coupon["id"])
        out.append(str(disc["id"]))
    return out


def snapshot(obj: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(obj)
