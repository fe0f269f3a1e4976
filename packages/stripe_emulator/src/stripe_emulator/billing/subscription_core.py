"""Subscription objects, creation, periods and invoices, and the reactions to invoice payment outcomes.

Private state on a subscription: `_period` [start, end] of the current period (mirrored onto every item's
`current_period_start/end`), `_interval` [interval, count], `_pending` (the state a pending update will apply,
and its invoice), `_incomplete_expires_at`, `_trial_will_end_sent`.
"""

from __future__ import annotations

import copy
from typing import Any, cast

from ..backend import Backend
from ..errors import StripeAPIError, card_error, invalid_request
from ..models.catalog import Price
from ..models.invoices import Invoice
from ..models.subscriptions import Subscription, SubscriptionItem
from ..resources import test_cards
from . import billing_mode, common, invoicing
from .invoice_shape import compute_totals, new_invoice, new_line

SUB_STATE_KEYS = ("billing_cycle_anchor", "trial_start", "trial_end", "status", "_period", "_interval", "_debits")


def payment_settings(current: dict[str, Any], spec: Any) -> dict[str, Any]:
    """`payment_settings` after a create/update param (`save_default_payment_method`: off | on_subscription)."""
    out = copy.deepcopy(current)
    if not isinstance(spec, dict):
        return out
    save = spec.get("save_default_payment_method")
    if save is not None:
        if save not in ("off", "on_subscription"):
            raise invalid_request(
                "Invalid payment_settings[save_default_payment_method]: must be one of off or on_subscription.",
                param="payment_settings[save_default_payment_method]",
            )
        out["save_default_payment_method"] = save
    if "payment_method_types" in spec:
        out["payment_method_types"] = spec["payment_method_types"] or None
    return out


def save_payment_method(b: Backend, sub: Subscription, inv: Invoice) -> None:
    """`save_default_payment_method=on_subscription`: the method that paid the invoice becomes the subscription's
    `default_payment_method` (SubscriptionCreateParamsPaymentSettings docstring)."""
    if (sub.get("payment_settings") or {}).get("save_default_payment_method") != "on_subscription":
        return
    pi = b.objects.get(inv.get("_payment_intent") or "")
    pm = (pi or {}).get("payment_method")
    if isinstance(pm, dict):
        pm = pm.get("id")
    if isinstance(pm, str) and pm:
        sub["default_payment_method"] = pm


def payment_method_of(b: Backend, sub: Subscription) -> str | None:
    """The payment method a charge of the subscription would use: its own default, else the customer's."""
    return sub.get("default_payment_method") or common.customer_default_pm(b, sub["customer"])


def trial_settings(current: dict[str, Any], spec: Any) -> dict[str, Any]:
    """`trial_settings` after a create/update param; the enums are checked by the wire layer (stripe-python's
    `SubscriptionCreateParamsTrialSettingsEndBehavior`: `missing_payment_method` cancel | create_invoice | pause)."""
    out = copy.deepcopy(current)
    end = (spec or {}).get("end_behavior") if isinstance(spec, dict) else None
    for key in ("billing_cycle_anchor", "missing_payment_method"):
        if isinstance(end, dict) and end.get(key):
            out["end_behavior"][key] = end[key]
    return out


def plan_of(pr: Price) -> dict[str, Any]:
    interval, count = common.recurring(pr)
    return {
        "id": pr["id"],
        "object": "plan",
        "active": pr.get("active", True),
        "amount": pr.get("unit_amount"),
        "amount_decimal": pr.get("unit_amount_decimal") or str(pr.get("unit_amount")),
        "billing_scheme": pr.get("billing_scheme", "per_unit"),
        "created": pr.get("created"),
        "currency": pr["currency"],
        "interval": interval,
        "interval_count": count,
        "livemode": False,
        "metadata": pr.get("metadata") or {},
        "meter": None,
        "nickname": pr.get("nickname"),
        "product": common.product_id(pr),
        "tiers_mode": None,
        "transform_usage": None,
        "trial_period_days": (pr.get("recurring") or {}).get("trial_period_days"),
        "usage_type": "licensed",
    }


def new_item(b: Backend, sub: Subscription, pr: Price, quantity: int, metadata: Any = None) -> SubscriptionItem:
    item: SubscriptionItem = {
        "id": b.new_id("si"),
        "object": "subscription_item",
        "billed_until": None,
        "billing_thresholds": None,
        "created": b.now_for_customer(sub["customer"]),
        "current_period_end": sub["_period"][1],
        "current_period_start": sub["_period"][0],
        "current_trial": None,
        "discounts": [],
        "metadata": dict(metadata or {}),
        "plan": plan_of(pr),
        "price": b.public_copy(pr),
        "quantity": quantity,
        "subscription": sub["id"],
        "tax_rates": [],
    }
    return b.store(item)


def set_price(item: SubscriptionItem, b: Backend, pr: Price) -> None:
    item["price"] = b.public_copy(pr)
    item["plan"] = plan_of(pr)


def items(sub: Subscription) -> list[SubscriptionItem]:
    return cast(list[SubscriptionItem], sub["items"]["data"])  # `items` is a list object of SubscriptionItem


def set_period(sub: Subscription, start: int, end: int) -> None:
    if sub.get("_period") and start != sub["_period"][0]:
        billing_mode.start_period(sub, start)
    sub["_period"] = [start, end]
    for it in items(sub):
        it["current_period_start"], it["current_period_end"] = start, end


def check_prices(b: Backend, prices: list[Price], param: str = "items") -> tuple[str, int, str]:
    if not prices:
        raise invalid_request("Missing required param: items.", param=param)
    intervals = {common.recurring(p) for p in prices}
    if len(intervals) > 1:
        raise invalid_request(
            "Currently all the prices on a subscription must have the same `recurring.interval` and "
            "`recurring.interval_count`.",
            param=param,
        )
    currencies = {p["currency"] for p in prices}
    if len(currencies) > 1:
        raise invalid_request("All prices on a subscription must have the same currency.", param=param)
    if len({p["id"] for p in prices}) != len(prices):
        raise invalid_request("Cannot add multiple subscription items with the same price.", param=param)
    for p in prices:
        if p.get("active") is False:
            raise invalid_request(f"The price specified ({p['id']}) is inactive.", param=param)
    (interval, count), currency = intervals.pop(), currencies.pop()
    return interval, count, currency


def state(sub: Subscription) -> dict[str, Any]:
    out = {k: copy.deepcopy(sub.get(k)) for k in SUB_STATE_KEYS}
    out["items"] = copy.deepcopy(items(sub))
    return out


def restore(b: Backend, sub: Subscription, st: dict[str, Any]) -> None:
    keep = {it["id"] for it in st["items"]}
    for it in items(sub):
        if it["id"] not in keep:
            b.delete(it["id"])
    for k in SUB_STATE_KEYS:
        cast(dict[str, Any], sub)[k] = copy.deepcopy(st[k])  # the keys `state` saved, by name
    restored = [b.store(copy.deepcopy(it)) for it in st["items"]]
    sub["items"]["data"] = restored
    sub["items"]["total_count"] = len(restored)


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {k: before.get(k) for k in after if before.get(k) != after.get(k)}


def emit_updated(b: Backend, sub: Subscription, before: dict[str, Any], request_id: str | None = None) -> None:
    prev = diff(before, b.render(sub))
    if prev:
        b.emit("customer.subscription.updated", sub, previous_attributes=prev, request_id=request_id)


def consume_once(b: Backend, sub: Subscription, inv: Invoice) -> None:
    """`duration=once` coupons apply to one invoice with a positive subtotal, then leave the subscription."""
    if inv["subtotal"] <= 0:
        return
    for did in list(inv.get("discounts") or []):
        coupon = common.coupon_of(b, b.objects.get(did) or {})
        if coupon and coupon.get("duration") == "once" and did in sub["discounts"]:
            sub["discounts"].remove(did)


def sub_invoice(
    b: Backend,
    sub: Subscription,
    *,
    reason: str,
    period: tuple[int, int],
    cycle_lines: bool,
    trial: bool = False,
    request_id: str | None = None,
) -> Invoice:
    """A draft invoice for the subscription: pending items first, then (cycle_lines) one line per item."""
    now = b.now_for_customer(sub["customer"])
    inv = new_invoice(
        b,
        sub["customer"],
        billing_reason=reason,
        subscription=sub,
        period_start=period[0] if cycle_lines else now,
        period_end=period[0] if cycle_lines else now,
        currency=sub["currency"],
        discounts=common.active_discounts(b, sub, now),
        default_payment_method=None,
        now=now,
    )
    for ii in invoicing.pending_items(b, sub["customer"], sub["id"]):
        invoicing.invoice_item_line(b, inv, ii)
    if cycle_lines:
        for it in items(sub):
            pr: Price = b.objects.get(it["price"]["id"]) or it["price"]
            q = int(it.get("quantity") or 0)
            name = common.product_name(b, pr)
            if trial:
                desc, amt = f"Trial period for {name}", 0
            else:
                amt = common.unit_amount(pr) * q
                interval, count = common.recurring(pr)
                every = interval if count == 1 else f"every {count} {interval}s"
                desc = f"{q} × {name} (at ${common.unit_amount(pr) / 100:,.2f} / {every})"
            new_line(
                b,
                inv,
                amount=amt,
                description=desc,
                period=period,
                quantity=q,
                price=pr,
                subscription=sub["id"],
                subscription_item=it["id"],
            )
    compute_totals(b, inv, apply_balance=False)
    if cycle_lines and not trial:
        billing_mode.record_cycle_debits(b, sub, inv)
    sub["latest_invoice"] = inv["id"]
    if not b.extra.get("_preview"):
        b.emit("invoice.created", inv, request_id=request_id)
    return inv


def predict(b: Backend, pm_id: str | None) -> str:
    """What a charge on this payment method would do: ok, decline or action (used by error_if_incomplete)."""
    if not pm_id:
        return "decline"
    pm = b.objects.get(pm_id)
    how = common.behaviour(pm) if pm else "ok"
    if how == "3ds":
        return "action"
    if how.startswith("decline:") or how == "fail_charge":
        return "decline"
    return "ok"


def incomplete_error(b: Backend, pm_id: str | None) -> StripeAPIError:
    pm = b.objects.get(pm_id or "")
    if pm is None:
        return invalid_request(
            "This customer has no attached payment source or default payment method. Please consider adding a "
            "default payment method.",
            code="resource_missing",
        )
    how = common.behaviour(pm)
    if how == "3ds":
        return card_error(
            "Your card was declined. This transaction requires authentication.",
            code="authentication_required",
            decline_code="authentication_required",
        )
    return test_cards.decline_error(how)


def collect(
    b: Backend,
    sub: Subscription,
    inv: Invoice,
    *,
    off_session: bool,
    automatic: bool,
    request_id: str | None = None,
) -> bool:
    """Finalize and try to pay a subscription invoice; True when paid."""
    if b.extra.get("_preview"):
        return False
    consume_once(b, sub, inv)
    invoicing.finalize(b, inv, request_id=request_id)
    if inv["status"] == "paid":
        return True
    return invoicing.attempt(b, inv, off_session=off_session, automatic=automatic, request_id=request_id)
