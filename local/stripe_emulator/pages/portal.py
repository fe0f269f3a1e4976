"""The customer portal page: `GET /portal/session/{id}` (auth none) renders the session's flow or the portal home.

Forms POST back to the same URL with an `action`; the page calls the resource modules' plain functions (so the same
events fire as through the API), then follows the session's `after_completion`: a 303 to the redirect URL, a
confirmation page linking to `return_url`, or the portal home. Everything shown is HTML-escaped.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ..backend import Backend
from ..errors import StripeAPIError, invalid_request
from ..resources.billing_portal import CANCEL_REASONS, price_id_of, session_usable, subscription_items
from ..resources.checkout_sessions import other
from ..router import RawResponse, Request, route
from .common import alert, card_fieldset, esc, money, page, redirect, safe_url

_REASON_LABELS = {
    "customer_service": "Customer service was less than expected",
    "low_quality": "Quality was less than expected",
    "missing_features": "Some features are missing",
    "other": "Other reason",
    "switched_service": "I'm switching to a different service",
    "too_complex": "Ease of use was less than expected",
    "too_expensive": "It's too expensive",
    "unused": "I don't use the service enough",
}
_CUSTOMER_FIELDS = ("name", "email", "phone")


# --- helpers -------------------------------------------------------------------------------------------------


def _price_text(b: Backend, price_id: str, quantity: Any = 1) -> str:
    price = b.objects.get(price_id) or {}
    prod = b.objects.get(price.get("product") or "") or {}
    name = prod.get("name") or price.get("nickname") or price_id
    rec = price.get("recurring") or {}
    per = rec.get("interval", "")
    count = int(rec.get("interval_count") or 1)
    every = f"every {count} {per}s" if count > 1 else f"per {per}"
    qty = f" × {quantity}" if quantity not in (None, 1) else ""
    return f"{name} – {money(price.get('unit_amount'), price.get('currency'))} {every}{qty}"


def _period_end(b: Backend, sub: dict[str, Any]) -> int | None:
    ends = [int(it["current_period_end"]) for it in subscription_items(b, sub) if it.get("current_period_end")]
    return min(ends) if ends else None


def _sub_summary(b: Backend, sub: dict[str, Any]) -> str:
    items = "".join(
        f"<li>{esc(_price_text(b, price_id_of(it), it.get('quantity')))}</li>" for it in subscription_items(b, sub)
    )
    status = sub.get("status")
    notes = []
    if status == "paused":
        notes.append(f"Paused until {esc(_date(sub['_resume_at']))}" if sub.get("_resume_at") else "Paused")
    elif sub.get("cancel_at_period_end") or sub.get("cancel_at"):
        notes.append(f"Cancels at {esc(_date(sub.get('cancel_at') or _period_end(b, sub)))}")
    elif _period_end(b, sub):
        notes.append(f"Renews on {esc(_date(_period_end(b, sub)))}")
    if sub.get("trial_end") and status == "trialing":
        notes.append(f"Trial ends {esc(_date(sub['trial_end']))}")
    return (
        f'<section aria-label="Subscription {esc(sub["id"])}"><h2>Current plan</h2><ul>{items}</ul>'
        f"<p>Status: {esc(status)}</p>{''.join(f'<p>{n}</p>' for n in notes)}</section>"
    )


def _date(ts: Any) -> str:
    import datetime

    try:
        return datetime.datetime.fromtimestamp(int(ts), datetime.UTC).strftime("%d %b %Y")
    except (TypeError, ValueError):
        return "-"


def _customer_subs(b: Backend, customer_id: str) -> list[dict[str, Any]]:
    return b.all(
        "subscription",
        lambda s: s.get("customer") == customer_id and s.get("status") in ("active", "trialing", "past_due", "paused"),
    )


_INTERVAL_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}


def _interval_days(b: Backend, price_id: str) -> int:
    rec = (b.objects.get(price_id) or {}).get("recurring") or {}
    return _INTERVAL_DAYS.get(str(rec.get("interval") or "month"), 30) * int(rec.get("interval_count") or 1)


def _item_amount(b: Backend, price_id: str, quantity: Any) -> int:
    return int((b.objects.get(price_id) or {}).get("unit_amount") or 0) * int(quantity or 1)


def _at_period_end(cfg: dict[str, Any], b: Backend, item: dict[str, Any], price: str, quantity: Any) -> bool:
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


def _schedule_change(b: Backend, sub: dict[str, Any], item: dict[str, Any], price: str, quantity: Any, rid: str) -> int:
    """The change as a subscription schedule: the current phase until the item's period end, then the new price
    (end behavior release). Returns when the change takes effect."""
    from ..resources.subscription_schedules import create_schedule, update_schedule

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


def _return_link(s: dict[str, Any]) -> str:
    url = safe_url(s.get("return_url"))
    return f'<p><a href="{esc(url)}">Return to the merchant</a></p>' if url else ""


def _form(s: dict[str, Any], action: str, inner: str, button: str, extra_hidden: dict[str, Any] | None = None) -> str:
    hidden = f'<input type="hidden" name="action" value="{esc(action)}">' + "".join(
        f'<input type="hidden" name="{esc(k)}" value="{esc(v)}">' for k, v in (extra_hidden or {}).items()
    )
    return (
        f'<form method="post" action="/portal/session/{esc(s["id"])}">{hidden}{inner}'
        f'<button type="submit">{esc(button)}</button></form>'
    )


def _view_link(s: dict[str, Any], view: str, label: str, sub_id: str | None = None) -> str:
    q = f"?view={quote(view)}" + (f"&subscription={quote(sub_id)}" if sub_id else "")
    return f'<a href="/portal/session/{esc(s["id"])}{esc(q)}">{esc(label)}</a>'


# --- views ---------------------------------------------------------------------------------------------------


def _home(b: Backend, s: dict[str, Any], cfg: dict[str, Any], notice: str | None = None) -> str:
    f = cfg["features"]
    parts = [alert(notice, "notice")]
    subs = _customer_subs(b, s["customer"])
    if not subs:
        parts.append("<p>No active subscription.</p>")
    for sub in subs:
        parts.append(_sub_summary(b, sub))
        links = []
        if f["subscription_update"]["enabled"] and f["subscription_update"]["products"] and sub["status"] != "paused":
            links.append(_view_link(s, "subscription_update", "Update plan", sub["id"]))
        if f["subscription_cancel"]["enabled"] and not sub.get("cancel_at_period_end"):
            links.append(_view_link(s, "subscription_cancel", "Cancel plan", sub["id"]))
        if f["subscription_pause"]["enabled"] and sub.get("status") != "paused":
            links.append(_view_link(s, "subscription_pause", "Pause plan", sub["id"]))
        if sub.get("cancel_at_period_end"):
            links.append(_form(s, "renew", "", "Don't cancel (renew plan)", {"subscription": sub["id"]}))
        parts.append("<p>" + " · ".join(links) + "</p>")
    if f["payment_method_update"]["enabled"]:
        cus = b.objects.get(s["customer"]) or {}
        pm_id = (cus.get("invoice_settings") or {}).get("default_payment_method")
        pm = b.objects.get(pm_id or "") or {}
        card = pm.get("card") or {}
        current = f"{card.get('brand', 'card')} •••• {card.get('last4', '')}" if pm else "none"
        parts.append(
            f"<section><h2>Payment method</h2><p>Default: {esc(current)}</p>"
            f"<p>{_view_link(s, 'payment_method_update', 'Update payment method')}</p></section>"
        )
    if f["customer_update"]["enabled"] and f["customer_update"]["allowed_updates"]:
        parts.append(
            f"<section><h2>Billing information</h2><p>{_view_link(s, 'customer_update', 'Update information')}"
            "</p></section>"
        )
    if f["invoice_history"]["enabled"]:
        rows = []
        for inv in b.all("invoice", lambda i: i.get("customer") == s["customer"] and i.get("status") != "draft")[:12]:
            url = safe_url(inv.get("hosted_invoice_url"))
            link = f'<a href="{esc(url)}">View</a>' if url else ""
            rows.append(
                f"<tr><td>{esc(_date(inv.get('created')))}</td><td>{esc(money(inv.get('total'), inv.get('currency')))}"
                f"</td><td>{esc(inv.get('status'))}</td><td>{link}</td></tr>"
            )
        parts.append(
            "<section><h2>Invoice history</h2><table><thead><tr><th>Date</th><th>Amount</th><th>Status</th>"
            f"<th></th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
        )
    parts.append(_return_link(s))
    return "".join(parts)


def _cancel_view(b: Backend, s: dict[str, Any], cfg: dict[str, Any], sub: dict[str, Any]) -> str:
    sc = cfg["features"]["subscription_cancel"]
    retention = ((s.get("flow") or {}).get("subscription_cancel") or {}).get("retention")
    parts = [_sub_summary(b, sub)]
    if retention and not s.get("_offer_declined"):
        coupon = b.objects.get(retention["coupon_offer"]["coupon"]) or {}
        off = (
            f"{coupon['percent_off']:g}% off"
            if coupon.get("percent_off")
            else money(coupon.get("amount_off"), coupon.get("currency")) + " off"
        )
        duration = coupon.get("duration", "once")
        if duration == "repeating":
            duration = f"for {coupon.get('duration_in_months')} months"
        parts.append(
            f'<section aria-label="Offer"><h2>Before you go</h2><p>Stay and get {esc(off)} ({esc(duration)}).</p>'
            + _form(s, "accept_offer", "", "Accept offer", {"subscription": sub["id"]})
            + _form(s, "decline_offer", "", "No thanks, continue cancelling", {"subscription": sub["id"]})
            + "</section>"
        )
        return "".join(parts)
    when = (
        f"Your plan will be cancelled, but is still available until the end of your billing period on "
        f"{_date(_period_end(b, sub))}."
        if sc["mode"] == "at_period_end"
        else "Your plan will be cancelled immediately."
    )
    inner = f"<p>{esc(when)}</p>"
    reasons = sc["cancellation_reason"]
    if reasons["enabled"] and reasons["options"]:
        opts = "".join(
            f'<label><input type="radio" name="reason" value="{esc(o)}"> {esc(_REASON_LABELS.get(o, o))}</label>'
            for o in reasons["options"]
        )
        inner += (
            f"<fieldset><legend>Why are you cancelling?</legend>{opts}</fieldset>"
            '<label>Anything else? <textarea name="comment" rows="2"></textarea></label>'
        )
    parts.append(_form(s, "cancel", inner, "Cancel plan", {"subscription": sub["id"]}))
    return "".join(parts)


def _update_view(b: Backend, s: dict[str, Any], cfg: dict[str, Any], sub: dict[str, Any]) -> str:
    su = cfg["features"]["subscription_update"]
    items = subscription_items(b, sub)
    current = {price_id_of(it) for it in items}
    opts = []
    for prod in su["products"]:
        for price_id in prod["prices"]:
            checked = " checked" if price_id in current else ""
            label = _price_text(b, price_id) + (" (current)" if price_id in current else "")
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
    return _sub_summary(b, sub) + _form(
        s, "switch_price", inner, "Continue", {"subscription": sub["id"], "item": item_id}
    )


def _confirm_view(b: Backend, s: dict[str, Any], sub: dict[str, Any]) -> str:
    suc = s["flow"]["subscription_update_confirm"]
    item = suc["items"][0]
    current = next((it for it in subscription_items(b, sub) if it["id"] == item["id"]), None)
    new_price = item.get("price") or (price_id_of(current) if current else "")
    new_qty = item.get("quantity") if item.get("quantity") is not None else (current or {}).get("quantity", 1)
    disc = ""
    for d in suc.get("discounts") or []:
        disc += f"<p>Discount: {esc(d.get('coupon') or d.get('promotion_code'))}</p>"
    inner = f"<h2>Confirm your new plan</h2><p>{esc(_price_text(b, new_price, new_qty))}</p>{disc}"
    return _sub_summary(b, sub) + _form(s, "confirm_update", inner, "Confirm", {"subscription": sub["id"]})


def _payment_method_view(s: dict[str, Any]) -> str:
    return _form(s, "update_payment_method", card_fieldset("card", "Choose a test card"), "Save payment method")


def _customer_view(b: Backend, s: dict[str, Any], cfg: dict[str, Any]) -> str:
    allowed = cfg["features"]["customer_update"]["allowed_updates"]
    cus = b.objects.get(s["customer"]) or {}
    fields = ""
    for name in _CUSTOMER_FIELDS:
        if name in allowed:
            kind = "email" if name == "email" else "tel" if name == "phone" else "text"
            fields += (
                f'<label>{esc(name.capitalize())} <input type="{kind}" name="{name}" value="{esc(cus.get(name))}">'
                "</label>"
            )
    if "address" in allowed:
        addr = cus.get("address") or {}
        for part in ("line1", "line2", "city", "postal_code", "state", "country"):
            fields += (
                f'<label>{esc(part.replace("_", " ").capitalize())} <input type="text" name="address_{part}" '
                f'value="{esc(addr.get(part))}"></label>'
            )
    return _form(s, "customer_update", fields, "Save")


def _duration_label(o: dict[str, Any]) -> str:
    n, unit = int(o.get("interval_count") or 1), str(o.get("interval"))
    return f"{n} {unit}" + ("s" if n != 1 else "")


def _pause_view(b: Backend, s: dict[str, Any], cfg: dict[str, Any], sub: dict[str, Any]) -> str:
    """The pause offer; with `duration.type=interval_options` the customer picks one of the preset durations."""
    duration = cfg["features"]["subscription_pause"]["duration"]
    inner = "<p>Your plan will be paused: no invoices and no charges until it resumes.</p>"
    if duration["type"] == "interval_options":
        choices = "".join(
            f'<label><input type="radio" name="duration" value="{i}"{" checked" if i == 0 else ""}> '
            f"{esc(_duration_label(o))}</label>"
            for i, o in enumerate(duration["interval_options"])
        )
        inner += f"<fieldset><legend>Pause for</legend>{choices}</fieldset>"
    else:
        inner += "<p>It stays paused until you resume it.</p>"
    return _sub_summary(b, sub) + _form(s, "pause", inner, "Pause plan", {"subscription": sub["id"]})


def _render(b: Backend, s: dict[str, Any], view: str | None, sub_id: str | None, error: str | None = None) -> str:
    cfg = b.get(s["configuration"], "billing_portal.configuration")
    flow = s.get("flow")
    if flow and not s.get("_completed"):
        view = flow["type"]
        sub_id = (flow.get(view) or {}).get("subscription") if view != "customer_update" else None
    view = view or "home"
    sub = None
    if sub_id:
        sub = b.objects.get(sub_id)
        if sub is None or sub.get("customer") != s["customer"]:
            return alert("This subscription cannot be managed here.") + _home(b, s, cfg)
    body = alert(error)
    if view == "subscription_cancel" and sub:
        body += _cancel_view(b, s, cfg, sub)
    elif view == "subscription_update" and sub:
        body += _update_view(b, s, cfg, sub)
    elif view == "subscription_update_confirm" and sub:
        body += _confirm_view(b, s, sub)
    elif view == "subscription_pause" and sub:
        body += _pause_view(b, s, cfg, sub)
    elif view == "payment_method_update":
        body += _payment_method_view(s)
    elif view == "customer_update":
        body += _customer_view(b, s, cfg)
    else:
        return body + _home(b, s, cfg, s.pop("_notice", None))
    if not flow or s.get("_completed"):
        body += f'<p><a href="/portal/session/{esc(s["id"])}">Back</a></p>'
    return body + _return_link(s)


# --- actions -------------------------------------------------------------------------------------------------


def _pause(b: Backend, sub: dict[str, Any], duration: dict[str, Any], p: dict[str, Any], rid: str) -> str:
    """Pause now (credit for the unused time stays pending for the resumption invoice); a preset duration resumes
    the subscription automatically when it ends (`billing/pause.py` `auto_resume`)."""
    from ..billing.common import add_interval
    from ..billing.pause import pause_subscription

    until = None
    if duration["type"] == "interval_options":
        options = duration["interval_options"]
        try:
            option = options[int(p.get("duration") or 0)]
        except (ValueError, IndexError):
            raise invalid_request("Choose one of the listed pause durations.") from None
        now = b.now_for_customer(sub["customer"])
        until = add_interval(now, option["interval"], int(option.get("interval_count") or 1))
    pause_subscription(b, sub["id"], {"type": "subscription"}, request_id=rid)
    if until is None:
        return "Your plan has been paused."
    sub["_resume_at"] = until
    return f"Your plan has been paused until {_date(until)}."


def _sub_for_action(b: Backend, s: dict[str, Any], p: dict[str, Any]) -> dict[str, Any]:
    flow = s.get("flow")
    sub_id = p.get("subscription")
    if flow and not s.get("_completed") and flow["type"] != "payment_method_update":
        sub_id = (flow.get(flow["type"]) or {}).get("subscription") or sub_id
    sub = b.objects.get(str(sub_id or ""))
    if sub is None or sub.get("object") != "subscription" or sub.get("customer") != s["customer"]:
        raise invalid_request("This subscription cannot be managed here.")
    return sub


def _trial_update(b: Backend, sub: dict[str, Any], su: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
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


def _do(b: Backend, s: dict[str, Any], p: dict[str, Any], rid: str) -> str:
    """Apply one form action; returns a short notice for the homepage."""
    cfg = b.get(s["configuration"], "billing_portal.configuration")
    f = cfg["features"]
    action = p.get("action")
    flow_type = (s.get("flow") or {}).get("type") if not s.get("_completed") else None
    update_sub = other("subscriptions", "update_subscription")
    if action == "cancel":
        sub = _sub_for_action(b, s, p)
        sc = f["subscription_cancel"]
        if not sc["enabled"] and flow_type != "subscription_cancel":
            raise invalid_request("Cancelling is not enabled in this portal.")
        details: dict[str, Any] = {}
        reason = p.get("reason")
        if reason:
            if reason not in sc["cancellation_reason"]["options"] or reason not in CANCEL_REASONS:
                raise invalid_request("Choose one of the listed reasons.")
            details["feedback"] = reason
        if p.get("comment"):
            details["comment"] = str(p["comment"])[:500]
        if sc["mode"] == "immediately":
            params: dict[str, Any] = {}
            if details:
                params["cancellation_details"] = details
            if sc["proration_behavior"] != "none":
                params["prorate"] = True
                params["invoice_now"] = sc["proration_behavior"] == "always_invoice"
            other("subscriptions", "cancel_subscription")(b, sub["id"], params, request_id=rid)
            return "Your plan has been cancelled."
        params = {"cancel_at_period_end": True}
        if details:
            params["cancellation_details"] = details
        update_sub(b, sub["id"], params, request_id=rid)
        return "Your plan will be cancelled at the end of the billing period."
    if action == "decline_offer":
        s["_offer_declined"] = True
        return ""
    if action == "accept_offer":
        sub = _sub_for_action(b, s, p)
        retention = ((s.get("flow") or {}).get("subscription_cancel") or {}).get("retention")
        if not retention:
            raise invalid_request("There is no offer for this session.")
        update_sub(b, sub["id"], {"discounts": [{"coupon": retention["coupon_offer"]["coupon"]}]}, request_id=rid)
        return "The offer has been applied to your plan."
    if action == "renew":
        sub = _sub_for_action(b, s, p)
        update_sub(b, sub["id"], {"cancel_at_period_end": False}, request_id=rid)
        return "Your plan will renew."
    if action == "switch_price":
        sub = _sub_for_action(b, s, p)
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
            return f"Your plan will change on {_date(when)}."
        params = {"items": [change], "proration_behavior": su["proration_behavior"]}
        if su.get("billing_cycle_anchor") == "now":
            params["billing_cycle_anchor"] = "now"
        update_sub(b, sub["id"], _trial_update(b, sub, su, params), request_id=rid)
        return "Your plan has been updated."
    if action == "confirm_update":
        if flow_type != "subscription_update_confirm":
            raise invalid_request("There is no update to confirm.")
        sub = _sub_for_action(b, s, p)
        suc = s["flow"]["subscription_update_confirm"]
        item = {k: v for k, v in suc["items"][0].items() if v is not None}
        current = next((it for it in subscription_items(b, sub) if it["id"] == item.get("id")), None)
        if current is not None and not suc.get("discounts"):
            new_price = str(item.get("price") or price_id_of(current))
            new_qty = item.get("quantity", current.get("quantity"))
            if _at_period_end(cfg, b, current, new_price, new_qty):
                when = _schedule_change(b, sub, current, new_price, new_qty, rid)
                return f"Your plan will change on {_date(when)}."
        params = {"items": [item], "proration_behavior": f["subscription_update"]["proration_behavior"]}
        if suc.get("discounts"):
            params["discounts"] = [{k: v for k, v in d.items() if v} for d in suc["discounts"]]
        update_sub(b, sub["id"], _trial_update(b, sub, f["subscription_update"], params), request_id=rid)
        return "Your plan has been updated."
    if action == "pause":
        if not f["subscription_pause"]["enabled"] and flow_type != "subscription_pause":
            raise invalid_request("Pausing is not enabled in this portal.")
        sub = _sub_for_action(b, s, p)
        return _pause(b, sub, f["subscription_pause"]["duration"], p, rid)
    if action == "update_payment_method":
        if not f["payment_method_update"]["enabled"] and flow_type != "payment_method_update":
            raise invalid_request("Updating the payment method is not enabled in this portal.")
        token = str(p.get("card") or "pm_card_visa")
        pm = other("payment_methods", "attach_payment_method")(b, token, s["customer"], request_id=rid)
        update_cus = other("customers", "update_customer")
        update_cus(b, s["customer"], {"invoice_settings": {"default_payment_method": pm["id"]}}, request_id=rid)
        for sub in _customer_subs(b, s["customer"]):
            if sub.get("default_payment_method"):
                update_sub(b, sub["id"], {"default_payment_method": pm["id"]}, request_id=rid)
        return "Your payment method has been saved."
    if action == "customer_update":
        allowed = f["customer_update"]["allowed_updates"]
        if not f["customer_update"]["enabled"]:
            raise invalid_request("Updating billing information is not enabled in this portal.")
        params = {k: str(p[k]) for k in _CUSTOMER_FIELDS if k in allowed and k in p}
        if "address" in allowed:
            addr = {k[8:]: str(v) for k, v in p.items() if k.startswith("address_") and v}
            if addr:
                params["address"] = addr
        other("customers", "update_customer")(b, s["customer"], params, request_id=rid)
        return "Your information has been saved."
    raise invalid_request("Unknown action.")


def _after_completion(b: Backend, s: dict[str, Any], notice: str) -> RawResponse:
    flow = s.get("flow")
    if not flow or s.get("_completed"):
        s["_notice"] = notice
        return redirect(f"/portal/session/{s['id']}")
    s["_completed"] = True
    ac = flow["after_completion"]
    if ac["type"] == "redirect":
        url = safe_url(ac["redirect"]["return_url"])
        if url:
            return redirect(url)
    if ac["type"] == "portal_homepage":
        s["_notice"] = notice
        return redirect(f"/portal/session/{s['id']}")
    message = (ac.get("hosted_confirmation") or {}).get("custom_message") or notice
    return page("Done", f'<p role="status">{esc(message)}</p>{_return_link(s)}')


# --- routes --------------------------------------------------------------------------------------------------


def _session(b: Backend, sid: str) -> dict[str, Any] | None:
    s = b.objects.get(sid)
    return s if s is not None and s.get("object") == "billing_portal.session" else None


def _expired(s: dict[str, Any]) -> RawResponse:
    return page(
        "This portal session has expired",
        f"<p>Portal links are short-lived. Open the portal again from the merchant's site.</p>{_return_link(s)}",
        410,
    )


@route("GET", "/portal/session/{session}", auth="none")
def portal_page(b: Backend, req: Request) -> RawResponse:
    with b.lock:
        s = _session(b, req.path_params["session"])
        if s is None:
            return page("Portal session not found", "<p>This link is not valid.</p>", 404)
        if not session_usable(b, s):
            return _expired(s)
        if s.get("_opened_at") is None:
            s["_opened_at"] = b.now()
        view = req.params.get("view")
        sub_id = req.params.get("subscription")
        return page(
            "Manage your subscription",
            _render(b, s, str(view) if view else None, str(sub_id) if sub_id else None),
        )


@route("POST", "/portal/session/{session}", auth="none")
def portal_submit(b: Backend, req: Request) -> RawResponse:
    with b.lock:
        s = _session(b, req.path_params["session"])
        if s is None:
            return page("Portal session not found", "<p>This link is not valid.</p>", 404)
        if not session_usable(b, s):
            return _expired(s)
        if s.get("_opened_at") is None:
            s["_opened_at"] = b.now()
        p = req.params
        try:
            notice = _do(b, s, p, req.request_id)
        except StripeAPIError as exc:
            view = p.get("view") or {
                "cancel": "subscription_cancel",
                "switch_price": "subscription_update",
                "update_payment_method": "payment_method_update",
                "customer_update": "customer_update",
                "pause": "subscription_pause",
            }.get(str(p.get("action")))
            sub_id = p.get("subscription")
            body = _render(b, s, view, str(sub_id) if sub_id else None, exc.message)
            return page("Manage your subscription", body, 402 if exc.status == 402 else 400)
        if p.get("action") == "decline_offer":
            return redirect(f"/portal/session/{s['id']}")
        return _after_completion(b, s, notice)
