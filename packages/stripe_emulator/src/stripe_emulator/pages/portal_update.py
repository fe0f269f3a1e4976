"""The customer portal's plan change flows (`subscription_update`, `subscription_update_confirm`): the plan
choice, the confirmation of a prepared update, downgrades scheduled for the period end and the trial behaviour."""

from __future__ import annotations

from typing import Any

from ..backend import Backend
from ..billing.subscription_update import update_subscription
from ..errors import invalid_request
from ..models.base import present
from ..models.billing_portal import PortalConfiguration, PortalSession
from ..models.subscriptions import Subscription, SubscriptionItem
from ..resources.portal_common import price_id_of, subscription_items
from ..resources.subscription_schedules import create_schedule, update_schedule
from .common import esc
from .portal_shared import date_text, form, price_text, sub_for_action, sub_summary

_INTERVAL_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}


def _interval_days(b: Backend, price_id: str) -> int:
    rec = (b.objects.get(price_id) or {}).get("recurring") or {}
    return _INTERVAL_DAYS.get(str(rec.get("interval") or "month"), 30) * int(rec.get("interval_count") or 1)


def _item_amount(b: Backend, price_id: str, quantity: Any) -> int:
    return int((b.objects.get(price_id) or {}).get("unit_amount") or 0) * int(quantity or 1)


def _at_period_end(cfg: PortalConfiguration, b: Backend, item: SubscriptionItem, price: str, quantity: Any) -> bool:
    """Whether the configuration's `schedule_at_period_end.conditions` hold for this item change (as Stripe)."""
    conditions = {
        c.get("type")
        for c in ((cfg["features"]["subscription_update"].get("schedule_at_period_end") or {}).get("conditions") or [])
    }
    current = price_id_of(item)
    if "decreasing_item_amount" in conditions and _item_amount(b, price, quantity) < _item_amount(
        b, current, item.get("quantity")
    ):
        return True
    return "shortening_interval" in conditions and _interval_days(b, price) < _interval_days(b, current)


def _schedule_change(b: Backend, sub: Subscription, item: SubscriptionItem, price: str, quantity: Any, rid: str) -> int:
    """The change as a subscription schedule: the current phase until the item's period end, then the new price
    (end behavior release). Returns when the change takes effect."""
    end = int(item["current_period_end"])
    current = [{"price": price_id_of(it), "quantity": it.get("quantity") or 1} for it in subscription_items(b, sub)]
    changed = [
        {"price": price, "quantity": quantity} if spec["price"] == price_id_of(item) else spec for spec in current
    ]
    sched_id = sub.get("schedule")
    if not sched_id:
        sched_id = create_schedule(b, {"from_subscription": sub["id"]}, request_id=rid)["id"]
    sched = b.get(sched_id, "subscription_schedule")
    start = sched["phases"][0]["start_date"] if sched["phases"] else None
    # The subscription's discounts go on both phases (a phase without `discounts` would drop them).
    keep = [{k: v for k, v in d.items() if v} for d in (sched["phases"][0]["discounts"] if sched["phases"] else [])]
    phases = [
        {"items": current, "start_date": start, "end_date": end, "discounts": keep},
        {"items": changed, "proration_behavior": "none", "discounts": keep},
    ]
    update_schedule(b, sched_id, {"phases": phases, "end_behavior": "release"}, request_id=rid)
    return end


def update_view(b: Backend, s: PortalSession, cfg: PortalConfiguration, sub: Subscription) -> str:
    su = cfg["features"]["subscription_update"]
    items = subscription_items(b, sub)
    current = {price_id_of(it) for it in items}
    opts = []
    for prod in su["products"]:
        for price_id in prod["prices"]:
            checked = " checked" if price_id in current else ""
            label = price_text(b, price_id) + (" (current)" if price_id in current else "")
            opts.append(
                f'<label><input type="radio" name="price" value="{esc(price_id)}"{checked}> {esc(label)}</label>'
            )
    inner = f"<fieldset><legend>Choose a plan</legend>{''.join(opts)}</fieldset>"
    if "quantity" in su["default_allowed_updates"] and items:
        inner += (
            f'<label>Quantity <input type="number" name="quantity" min="1" value="{esc(items[0].get("quantity", 1))}">'
            "</label>"
        )
    item_id = items[0]["id"] if items else ""
    return sub_summary(b, sub) + form(
        s, "switch_price", inner, "Continue", {"subscription": sub["id"], "item": item_id}
    )


def confirm_view(b: Backend, s: PortalSession, sub: Subscription) -> str:
    suc = present(s["flow"])["subscription_update_confirm"]
    item = suc["items"][0]
    current = next((it for it in subscription_items(b, sub) if it["id"] == item["id"]), None)
    new_price = item.get("price") or (price_id_of(current) if current else "")
    new_qty = (
        item.get("quantity") if item.get("quantity") is not None else (current.get("quantity", 1) if current else 1)
    )
    disc = ""
    for d in suc.get("discounts") or []:
        disc += f"<p>Discount: {esc(d.get('coupon') or d.get('promotion_code'))}</p>"
    inner = f"<h2>Confirm your new plan</h2><p>{esc(price_text(b, new_price, new_qty))}</p>{disc}"
    return sub_summary(b, sub) + form(s, "confirm_update", inner, "Confirm", {"subscription": sub["id"]})


def _trial_update(b: Backend, sub: Subscription, su: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """A plan change on a trialing subscription follows `subscription_update.trial_update_behavior` (clover's
    changelog "customer portal trial behavior": before it every portal change ended the trial): `end_trial`
    (the default) ends the trial and bills the new plan now; `continue_trial` keeps the trial and its end
    date, so the billing cycle anchor stays (an anchor before `trial_end` is refused since endive)."""
    trialing = sub.get("status") == "trialing" and (sub.get("trial_end") or 0) > b.now_for_customer(sub["customer"])
    if not trialing:
        return params
    if su.get("trial_update_behavior", "end_trial") == "end_trial":
        return {k: v for k, v in params.items() if k != "billing_cycle_anchor"} | {"trial_end": "now"}
    return {k: v for k, v in params.items() if k != "billing_cycle_anchor"}


def switch_price(
    b: Backend, s: PortalSession, p: dict[str, Any], rid: str, cfg: PortalConfiguration, flow_type: str | None
) -> str:
    f = cfg["features"]
    sub = sub_for_action(b, s, p)
    su = f["subscription_update"]
    if not su["enabled"]:
        raise invalid_request("Plan changes are not enabled in this portal.")
    price = str(p.get("price") or "")
    allowed = {pid for prod in su["products"] for pid in prod["prices"]}
    if price not in allowed:
        raise invalid_request("Choose one of the listed plans.")
    items = subscription_items(b, sub)
    item = next((it for it in items if it["id"] == p.get("item")), items[0] if items else None)
    if item is None:
        raise invalid_request("This subscription has no items.")
    change: dict[str, Any] = {"id": item["id"], "price": price}
    if p.get("quantity") not in (None, "") and "quantity" in su["default_allowed_updates"]:
        qty = int(p["quantity"])
        prod = next(pr for pr in su["products"] if price in pr["prices"])
        aq = prod["adjustable_quantity"]
        if qty < max(1, aq["minimum"]) or (aq["maximum"] is not None and qty > aq["maximum"]):
            raise invalid_request("This quantity is not allowed.")
        change["quantity"] = qty
    if price == price_id_of(item) and change.get("quantity", item.get("quantity")) == item.get("quantity"):
        raise invalid_request("This is already your plan.")
    new_qty = change.get("quantity", item.get("quantity"))
    if _at_period_end(cfg, b, item, price, new_qty):
        when = _schedule_change(b, sub, item, price, new_qty, rid)
        return f"Your plan will change on {date_text(when)}."
    params = {"items": [change], "proration_behavior": su["proration_behavior"]}
    if su.get("billing_cycle_anchor") == "now":
        params["billing_cycle_anchor"] = "now"
    update_subscription(b, sub["id"], _trial_update(b, sub, su, params), request_id=rid)
    return "Your plan has been updated."


def confirm_update(
    b: Backend, s: PortalSession, p: dict[str, Any], rid: str, cfg: PortalConfiguration, flow_type: str | None
) -> str:
    f = cfg["features"]
    if flow_type != "subscription_update_confirm":
        raise invalid_request("There is no update to confirm.")
    sub = sub_for_action(b, s, p)
    suc = present(s["flow"])["subscription_update_confirm"]
    item = {k: v for k, v in suc["items"][0].items() if v is not None}
    current = next((it for it in subscription_items(b, sub) if it["id"] == item.get("id")), None)
    if current is not None and not suc.get("discounts"):
        new_price = str(item.get("price") or price_id_of(current))
        new_qty = item.get("quantity", current.get("quantity"))
        if _at_period_end(cfg, b, current, new_price, new_qty):
            when = _schedule_change(b, sub, current, new_price, new_qty, rid)
            return f"Your plan will change on {date_text(when)}."
    params = {"items": [item], "proration_behavior": f["subscription_update"]["proration_behavior"]}
    if suc.get("discounts"):
        params["discounts"] = [{k: v for k, v in d.items() if v} for d in suc["discounts"]]
    update_subscription(b, sub["id"], _trial_update(b, sub, f["subscription_update"], params), request_id=rid)
    return "Your plan has been updated."
