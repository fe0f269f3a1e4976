"""Subscription changes: update (items, proration, anchor, trial, pending updates). Cancel is
`billing/cancel.py`; pause and resume live in `billing/pause.py`."""

from __future__ import annotations

import copy
from typing import Any, cast

from ..backend import Backend
from ..errors import StripeAPIError, invalid_request
from ..models.base import present
from ..models.subscriptions import Subscription
from . import common
from . import subscription_core as core
from .pause import refuse_paused_changes
from .proration import prorate_changes

#: Parameters a pending update may carry: Stripe's "Pending updates reference" list, plus `metadata` and `discounts`
#: (changelog dahlia 2026-05-27) and `cancel_at_period_end` (endive 2026-09-30), held in `pending_update` until paid.
#: `add_invoice_items` is in Stripe's list but the emulator does not implement it, so it stays refused.
PENDING_FIELDS = ("metadata", "discounts", "cancel_at_period_end")
PENDING_ALLOWED = {
    *PENDING_FIELDS,
    "items",
    "proration_behavior",
    "proration_date",
    "billing_cycle_anchor",
    "trial_end",
    "trial_from_plan",
    "payment_behavior",
    "expand",
    "off_session",
}


def trial_after_anchor() -> StripeAPIError:
    """endive 2026-10-28 (changelog "error code for billing cycle anchor and trial validation"): an update or
    preview whose `billing_cycle_anchor` falls before the subscription's `trial_end` is refused."""
    return invalid_request(
        "The subscription's billing_cycle_anchor cannot be earlier than its trial_end. End the trial with "
        "`trial_end=now` to reset the billing cycle anchor, or leave the anchor unchanged.",
        param="billing_cycle_anchor",
        code="subscription_update_trial_after_billing_cycle_anchor",
    )


def _apply_items(b: Backend, sub: Subscription, specs: list[dict[str, Any]]) -> None:
    by_id = {it["id"]: it for it in core.items(sub)}
    for i, spec in enumerate(specs):
        if spec.get("id"):
            it = by_id.get(spec["id"])
            if it is None:
                raise _no_such_item(spec["id"], i)
            if spec.get("deleted"):
                core.items(sub).remove(it)
                b.delete(it["id"])
                continue
            if spec.get("price"):
                core.set_price(it, b, common.price(b, spec["price"], param=f"items[{i}][price]"))
            if spec.get("quantity") is not None:
                it["quantity"] = int(spec["quantity"])
            if "metadata" in spec:
                it["metadata"] = {} if spec["metadata"] == "" else {**it["metadata"], **spec["metadata"]}
        else:
            if not spec.get("price"):
                raise invalid_request(f"Missing required param: items[{i}][price].", param=f"items[{i}][price]")
            pr = common.price(b, spec["price"], param=f"items[{i}][price]")
            core.items(sub).append(core.new_item(b, sub, pr, int(spec.get("quantity") or 1), spec.get("metadata")))
    sub["items"]["total_count"] = len(core.items(sub))
    prices = [b.objects.get(it["price"]["id"]) or it["price"] for it in core.items(sub)]
    core.check_prices(b, prices)


def _no_such_item(item_id: str, index: int) -> Exception:
    return invalid_request(
        f"No such subscription_item: '{item_id}'", param=f"items[{index}][id]", code="resource_missing", status=404
    )


def check_items(b: Backend, sub: Subscription, specs: list[dict[str, Any]]) -> None:
    """Every `items[]` spec is valid and the resulting set of prices is allowed, before anything is written."""
    by_id = {it["id"]: it for it in core.items(sub)}
    prices = {it["id"]: b.objects.get(it["price"]["id"]) or it["price"] for it in core.items(sub)}
    added = []
    for i, spec in enumerate(specs):
        if spec.get("id"):
            if spec["id"] not in by_id:
                raise _no_such_item(spec["id"], i)
            if spec.get("deleted"):
                prices.pop(spec["id"], None)
            elif spec.get("price"):
                prices[spec["id"]] = common.price(b, spec["price"], param=f"items[{i}][price]")
        elif not spec.get("price"):
            raise invalid_request(f"Missing required param: items[{i}][price].", param=f"items[{i}][price]")
        else:
            added.append(common.price(b, spec["price"], param=f"items[{i}][price]"))
    core.check_prices(b, [*prices.values(), *added])


def _simple_fields(b: Backend, sub: Subscription, p: dict[str, Any], now: int) -> None:
    """The plain fields of an update; everything that can be refused is checked before the first write."""
    pm_id = None
    if "default_payment_method" in p:
        pm_id = p["default_payment_method"] or None
        if pm_id:
            pm = common.payment_method(b, pm_id, param="default_payment_method")
            if pm.get("customer") != sub["customer"]:
                raise invalid_request(
                    f"The customer does not have a payment method with the ID {pm_id}. The payment "
                    "method must be attached to the customer.",
                    param="default_payment_method",
                )
            pm_id = pm["id"]
    settings = core.payment_settings(present(sub["payment_settings"]), p.get("payment_settings"))
    cancel_at: int | None = None
    if p.get("cancel_at") not in ("", None):
        value = p["cancel_at"]
        ts = {"max_period_end": sub["_period"][1], "min_period_end": sub["_period"][1]}.get(str(value))
        cancel_at = ts or int(value)
        if cancel_at <= now:
            raise invalid_request("Invalid timestamp: must be in the future.", param="cancel_at")
    if "discounts" in p:  # checks every spec before storing or redeeming anything; the last step that can fail
        sub["discounts"] = common.make_discounts(
            b,
            p["discounts"] or [],
            customer=sub["customer"],
            subscription=sub["id"],
            start=now,
            redeem=True,
            existing=sub.get("discounts"),
        )
    if "metadata" in p:
        sub["metadata"] = (
            {} if p["metadata"] == "" else {k: v for k, v in {**sub["metadata"], **p["metadata"]}.items() if v != ""}
        )
    for key in ("description", "days_until_due", "collection_method"):
        if key in p:
            sub[key] = p[key] or None
    if "default_payment_method" in p:
        sub["default_payment_method"] = pm_id
    sub["payment_settings"] = settings
    if "trial_settings" in p:
        sub["trial_settings"] = core.trial_settings(present(sub["trial_settings"]), p["trial_settings"])
    if "cancel_at_period_end" in p:
        sub["cancel_at_period_end"] = bool(p["cancel_at_period_end"])
        if sub["cancel_at_period_end"]:
            sub["cancel_at"] = sub["_period"][1]
        elif sub.get("cancel_at") == sub["_period"][1]:
            sub["cancel_at"] = None
    if "cancel_at" in p:
        sub["cancel_at"] = cancel_at
        if cancel_at is not None:
            sub["cancel_at_period_end"] = cancel_at == sub["_period"][1]
    if "cancellation_details" in p:
        cd = p["cancellation_details"] or {}
        present(sub["cancellation_details"]).update(
            {k: (cd.get(k) or None) for k in ("comment", "feedback") if k in cd}
        )
    if "pause_collection" in p:
        sub["pause_collection"] = (
            None
            if p["pause_collection"] == ""
            else {"behavior": p["pause_collection"]["behavior"], "resumes_at": p["pause_collection"].get("resumes_at")}
        )


def update_subscription(b: Backend, sub_id: str, p: dict[str, Any], request_id: str | None = None) -> Subscription:
    """Apply an update; returns the subscription (with `pending_update` when a pending change awaits payment)."""
    with b.lock:
        sub = b.get(sub_id, "subscription")
        status = sub["status"]
        if status in ("canceled", "incomplete_expired"):
            allowed = {"metadata", "cancellation_details", "expand"}
            if set(p) - allowed:
                raise invalid_request("A canceled subscription can only update its cancellation_details and metadata.")
        if status == "paused":
            refuse_paused_changes(p)
        behavior = p.get("payment_behavior") or "allow_incomplete"
        if behavior == "pending_if_incomplete" and set(p) - PENDING_ALLOWED:
            bad = sorted(set(p) - PENDING_ALLOWED)[0]
            raise invalid_request(
                f"You cannot update `{bad}` when `payment_behavior` is `pending_if_incomplete`.", param=bad
            )
        now = b.now_for_customer(sub["customer"])
        before_render = b.render(sub)
        before = core.state(sub)
        before_fields = {k: copy.deepcopy(sub.get(k)) for k in (*PENDING_FIELDS, "cancel_at")}
        period = (sub["_period"][0], sub["_period"][1])
        at = int(p["proration_date"]) if p.get("proration_date") is not None else now
        if p.get("proration_date") is not None and not period[0] <= at <= period[1]:
            raise invalid_request(
                "The `proration_date` must be within the current billing period of the subscription.",
                param="proration_date",
            )
        trialing = status == "trialing" and (sub.get("trial_end") or 0) > now
        proration = p.get("proration_behavior") or "create_prorations"
        anchor_now = (
            (p.get("billing_cycle_anchor") or {}).get("type") == "now"
            if isinstance(p.get("billing_cycle_anchor"), dict)
            else p.get("billing_cycle_anchor") == "now"
        )
        end_trial = p.get("trial_end") == "now" and trialing
        new_trial = p.get("trial_end") not in (None, "", "now")
        if anchor_now and ((trialing and not end_trial) or new_trial):
            raise trial_after_anchor()
        if "items" in p:
            check_items(b, sub, p["items"])
        _simple_fields(b, sub, p, now)
        if "items" in p:
            _apply_items(b, sub, p["items"])
            old_interval = tuple(sub["_interval"])
            new_interval = common.recurring(core.items(sub)[0]["price"])
            if old_interval != new_interval:
                # An interval change resets the anchor to now, except during a trial that goes on: the new
                # price then bills from the trial end (the anchor).
                anchor_now = anchor_now or not (trialing and not end_trial) and not new_trial
                sub["_interval"] = list(new_interval)
        inv = None
        after_items = [{"id": i["id"], "price": i["price"], "quantity": i["quantity"]} for i in core.items(sub)]
        before_items = [{"id": i["id"], "price": i["price"], "quantity": i["quantity"]} for i in before["items"]]
        if new_trial:
            te = int(p["trial_end"])
            sub.update({"trial_end": te, "status": "trialing", "billing_cycle_anchor": te})
            sub["trial_start"] = sub.get("trial_start") or now
            core.set_period(sub, period[0], te)
        elif end_trial or (anchor_now and status not in ("incomplete",)):
            if not trialing and proration != "none":
                prorate_changes(b, sub, before_items, [], at=at, period=period)
            if end_trial or trialing:
                sub.update({"trial_end": now, "status": "active"})
            interval, count = sub["_interval"]
            sub["billing_cycle_anchor"] = now
            core.set_period(sub, now, common.add_interval(now, interval, count))
            inv = core.sub_invoice(
                b,
                sub,
                reason="subscription_update",
                period=(now, sub["_period"][1]),
                cycle_lines=True,
                request_id=request_id,
            )
        elif "items" in p and not trialing:
            if proration != "none":
                prorate_changes(b, sub, before_items, after_items, at=at, period=period)
            if proration == "always_invoice":
                inv = core.sub_invoice(
                    b, sub, reason="subscription_update", period=period, cycle_lines=False, request_id=request_id
                )
                if not inv["lines"]["data"]:
                    b.delete(inv["id"])
                    sub["latest_invoice"] = before_render["latest_invoice"]
                    inv = None
        if "items" in p or anchor_now:
            core.set_period(sub, sub["_period"][0], sub["_period"][1])
        if inv is not None:
            if behavior == "pending_if_incomplete":
                inv["_pending_for"] = sub["id"]
            paid = core.collect(
                b, sub, inv, off_session=bool(p.get("off_session")), automatic=False, request_id=request_id
            )
            if not paid and behavior == "pending_if_incomplete" and not b.extra.get("_preview"):
                after = core.state(sub)
                fields = {k: copy.deepcopy(sub.get(k)) for k in before_fields if k in p or k == "cancel_at"}
                core.restore(b, sub, before)
                sub.update(cast(Subscription, copy.deepcopy(before_fields)))  # the fields saved from `sub` itself
                sub["latest_invoice"] = inv["id"]
                sub["_pending"] = {"state": after, "invoice": inv["id"], "fields": fields}
                sub["pending_update"] = {
                    "billing_cycle_anchor": after["billing_cycle_anchor"] if anchor_now else None,
                    "cancel_at_period_end": fields.get("cancel_at_period_end") if "cancel_at_period_end" in p else None,
                    "discount": None,
                    "discounts": fields.get("discounts") if "discounts" in p else None,
                    "expires_at": min(now + common.INCOMPLETE_EXPIRY_S, period[1]),
                    "metadata": dict(p["metadata"] or {}) if "metadata" in p else None,
                    "subscription_items": [b.render(i) for i in after["items"]],
                    "trial_end": after["trial_end"] if "trial_end" in p else None,
                    "trial_from_plan": None,
                }
            else:
                inv.pop("_pending_for", None)
        core.emit_updated(b, sub, before_render, request_id)
        return sub
