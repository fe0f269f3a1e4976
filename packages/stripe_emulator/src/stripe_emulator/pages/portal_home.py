"""The customer portal's homepage (subscriptions, payment method, billing information, invoices) and the
billing information flow (`customer_update`)."""

from __future__ import annotations

from typing import Any

from ..backend import Backend
from ..errors import invalid_request
from ..models.billing_portal import PortalConfiguration, PortalSession
from ..resources.customers import update_customer
from .common import alert, esc, money, safe_url
from .portal_shared import customer_subs, date_text, form, return_link, sub_summary, view_link

CUSTOMER_FIELDS = ("name", "email", "phone")


def home_view(b: Backend, s: PortalSession, cfg: PortalConfiguration, notice: str | None = None) -> str:
    f = cfg["features"]
    parts = [alert(notice, "notice")]
    subs = customer_subs(b, s["customer"])
    if not subs:
        parts.append("<p>No active subscription.</p>")
    for sub in subs:
        parts.append(sub_summary(b, sub))
        links = []
        if f["subscription_update"]["enabled"] and f["subscription_update"]["products"] and sub["status"] != "paused":
            links.append(view_link(s, "subscription_update", "Update plan", sub["id"]))
        if f["subscription_cancel"]["enabled"] and not sub.get("cancel_at_period_end"):
            links.append(view_link(s, "subscription_cancel", "Cancel plan", sub["id"]))
        if f["subscription_pause"]["enabled"] and sub.get("status") != "paused":
            links.append(view_link(s, "subscription_pause", "Pause plan", sub["id"]))
        if sub.get("cancel_at_period_end"):
            links.append(form(s, "renew", "", "Don't cancel (renew plan)", {"subscription": sub["id"]}))
        parts.append("<p>" + " · ".join(links) + "</p>")
    if f["payment_method_update"]["enabled"]:
        cus = b.objects.get(s["customer"]) or {}
        pm_id = (cus.get("invoice_settings") or {}).get("default_payment_method")
        pm = b.objects.get(pm_id or "") or {}
        card = pm.get("card") or {}
        current = f"{card.get('brand', 'card')} •••• {card.get('last4', '')}" if pm else "none"
        parts.append(
            f"<section><h2>Payment method</h2><p>Default: {esc(current)}</p>"
            f"<p>{view_link(s, 'payment_method_update', 'Update payment method')}</p></section>"
        )
    if f["customer_update"]["enabled"] and f["customer_update"]["allowed_updates"]:
        parts.append(
            f"<section><h2>Billing information</h2><p>{view_link(s, 'customer_update', 'Update information')}"
            "</p></section>"
        )
    if f["invoice_history"]["enabled"]:
        rows = []
        for inv in b.all("invoice", lambda i: i.get("customer") == s["customer"] and i.get("status") != "draft")[:12]:
            url = safe_url(inv.get("hosted_invoice_url"))
            link = f'<a href="{esc(url)}">View</a>' if url else ""
            rows.append(
                f"<tr><td>{esc(date_text(inv.get('created')))}</td>"
                f"<td>{esc(money(inv.get('total'), inv.get('currency')))}</td>"
                f"<td>{esc(inv.get('status'))}</td><td>{link}</td></tr>"
            )
        parts.append(
            "<section><h2>Invoice history</h2><table><thead><tr><th>Date</th><th>Amount</th><th>Status</th>"
            f"<th></th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
        )
    parts.append(return_link(s))
    return "".join(parts)


def customer_view(b: Backend, s: PortalSession, cfg: PortalConfiguration) -> str:
    allowed = cfg["features"]["customer_update"]["allowed_updates"]
    cus = b.objects.get(s["customer"]) or {}
    fields = ""
    for name in CUSTOMER_FIELDS:
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
    return form(s, "customer_update", fields, "Save")


def customer_update(
    b: Backend, s: PortalSession, p: dict[str, Any], rid: str, cfg: PortalConfiguration, flow_type: str | None
) -> str:
    f = cfg["features"]
    allowed = f["customer_update"]["allowed_updates"]
    if not f["customer_update"]["enabled"]:
        raise invalid_request("Updating billing information is not enabled in this portal.")
    params: dict[str, Any] = {k: str(p[k]) for k in CUSTOMER_FIELDS if k in allowed and k in p}
    if "address" in allowed:
        addr = {k[8:]: str(v) for k, v in p.items() if k.startswith("address_") and v}
        if addr:
            params["address"] = addr
    update_customer(b, s["customer"], params, request_id=rid)
    return "Your information has been saved."
