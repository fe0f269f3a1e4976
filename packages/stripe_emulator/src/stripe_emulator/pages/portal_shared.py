"""What the customer portal's views and actions share: amounts and dates as text, a subscription's
summary, the session's forms and links, and the subscription a form acts on."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import quote

from ..backend import Backend
from ..errors import invalid_request
from ..models.billing_portal import PortalSession
from ..models.subscriptions import Subscription
from ..resources.portal_common import price_id_of, subscription_items
from .common import esc, money, safe_url


def price_text(b: Backend, price_id: str, quantity: Any = 1) -> str:
    price = b.objects.get(price_id) or {}
    prod = b.objects.get(price.get("product") or "") or {}
    name = prod.get("name") or price.get("nickname") or price_id
    rec = price.get("recurring") or {}
    per = rec.get("interval", "")
    count = int(rec.get("interval_count") or 1)
    every = f"every {count} {per}s" if count > 1 else f"per {per}"
    qty = f" × {quantity}" if quantity not in (None, 1) else ""
    return f"{name} – {money(price.get('unit_amount'), price.get('currency'))} {every}{qty}"


def period_end(b: Backend, sub: Subscription) -> int | None:
    ends = [int(it["current_period_end"]) for it in subscription_items(b, sub) if it.get("current_period_end")]
    return min(ends) if ends else None


def sub_summary(b: Backend, sub: Subscription) -> str:
    items = "".join(
        f"<li>{esc(price_text(b, price_id_of(it), it.get('quantity')))}</li>" for it in subscription_items(b, sub)
    )
    status = sub.get("status")
    notes = []
    if status == "paused":
        notes.append(f"Paused until {esc(date_text(sub['_resume_at']))}" if sub.get("_resume_at") else "Paused")
    elif sub.get("cancel_at_period_end") or sub.get("cancel_at"):
        notes.append(f"Cancels at {esc(date_text(sub.get('cancel_at') or period_end(b, sub)))}")
    elif period_end(b, sub):
        notes.append(f"Renews on {esc(date_text(period_end(b, sub)))}")
    if sub.get("trial_end") and status == "trialing":
        notes.append(f"Trial ends {esc(date_text(sub['trial_end']))}")
    return (
        f'<section aria-label="Subscription {esc(sub["id"])}"><h2>Current plan</h2><ul>{items}</ul>'
        f"<p>Status: {esc(status)}</p>{''.join(f'<p>{n}</p>' for n in notes)}</section>"
    )


def date_text(ts: Any) -> str:

    try:
        return datetime.datetime.fromtimestamp(int(ts), datetime.UTC).strftime("%d %b %Y")
    except (TypeError, ValueError):
        return "-"


def customer_subs(b: Backend, customer_id: str) -> list[Subscription]:
    return b.all(
        "subscription", lambda s: s.get("status") in ("active", "trialing", "past_due", "paused"), customer=customer_id
    )


def return_link(s: PortalSession) -> str:
    url = safe_url(s.get("return_url"))
    return f'<p><a href="{esc(url)}">Return to the merchant</a></p>' if url else ""


def form(s: PortalSession, action: str, inner: str, button: str, extra_hidden: dict[str, Any] | None = None) -> str:
    hidden = f'<input type="hidden" name="action" value="{esc(action)}">' + "".join(
        f'<input type="hidden" name="{esc(k)}" value="{esc(v)}">' for k, v in (extra_hidden or {}).items()
    )
    return (
        f'<form method="post" action="/portal/session/{esc(s["id"])}">{hidden}{inner}'
        f'<button type="submit">{esc(button)}</button></form>'
    )


def view_link(s: PortalSession, view: str, label: str, sub_id: str | None = None) -> str:
    q = f"?view={quote(view)}" + (f"&subscription={quote(sub_id)}" if sub_id else "")
    return f'<a href="/portal/session/{esc(s["id"])}{esc(q)}">{esc(label)}</a>'


def sub_for_action(b: Backend, s: PortalSession, p: dict[str, Any]) -> Subscription:
    flow = s.get("flow")
    sub_id = p.get("subscription")
    if flow and not s.get("_completed") and flow["type"] != "payment_method_update":
        sub_id = (flow.get(flow["type"]) or {}).get("subscription") or sub_id
    sub = b.objects.get(str(sub_id or ""))
    if sub is None or sub.get("object") != "subscription" or sub.get("customer") != s["customer"]:
        raise invalid_request("This subscription cannot be managed here.")
    found: Subscription = sub
    return found
