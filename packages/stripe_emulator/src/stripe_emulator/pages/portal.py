"""The customer portal page: `GET /portal/session/{id}` (auth none) renders the session's flow or the portal home.

Forms POST back to the same URL with an `action`; the page calls the resource modules' plain functions (so the same
events fire as through the API), then follows the session's `after_completion`: a 303 to the redirect URL, a
confirmation page linking to `return_url`, or the portal home. Everything shown is HTML-escaped.

One module per flow holds its view and its form actions: `portal_home` (homepage, billing information),
`portal_payment_method`, `portal_update` (plan change and confirmation), `portal_cancel`, `portal_pause`; what they
share is in `portal_shared`. This module renders the view a session asks for, dispatches a form's `action` and
follows `after_completion`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..backend import Backend
from ..errors import StripeAPIError, invalid_request
from ..models.billing_portal import PortalConfiguration, PortalSession
from ..resources.billing_portal import session_usable
from ..router import RawResponse, Request
from . import portal_cancel, portal_home, portal_pause, portal_payment_method, portal_update
from .common import alert, esc, page, redirect, safe_url
from .portal_shared import return_link


def _render(b: Backend, s: PortalSession, view: str | None, sub_id: str | None, error: str | None = None) -> str:
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
            return alert("This subscription cannot be managed here.") + portal_home.home_view(b, s, cfg)
    body = alert(error)
    if view == "subscription_cancel" and sub:
        body += portal_cancel.cancel_view(b, s, cfg, sub)
    elif view == "subscription_update" and sub:
        body += portal_update.update_view(b, s, cfg, sub)
    elif view == "subscription_update_confirm" and sub:
        body += portal_update.confirm_view(b, s, sub)
    elif view == "subscription_pause" and sub:
        body += portal_pause.pause_view(b, s, cfg, sub)
    elif view == "payment_method_update":
        body += portal_payment_method.payment_method_view(s)
    elif view == "customer_update":
        body += portal_home.customer_view(b, s, cfg)
    else:
        return body + portal_home.home_view(b, s, cfg, s.pop("_notice", None))
    if not flow or s.get("_completed"):
        body += f'<p><a href="/portal/session/{esc(s["id"])}">Back</a></p>'
    return body + return_link(s)


_ACTIONS: dict[str, Callable[[Backend, PortalSession, dict[str, Any], str, PortalConfiguration, str | None], str]] = {
    "cancel": portal_cancel.cancel,
    "decline_offer": portal_cancel.decline_offer,
    "accept_offer": portal_cancel.accept_offer,
    "renew": portal_cancel.renew,
    "switch_price": portal_update.switch_price,
    "confirm_update": portal_update.confirm_update,
    "pause": portal_pause.pause,
    "update_payment_method": portal_payment_method.update_payment_method,
    "customer_update": portal_home.customer_update,
}


def _do(b: Backend, s: PortalSession, p: dict[str, Any], rid: str) -> str:
    """Apply one form action; returns a short notice for the homepage."""
    cfg = b.get(s["configuration"], "billing_portal.configuration")
    flow_type = (s.get("flow") or {}).get("type") if not s.get("_completed") else None
    act = _ACTIONS.get(str(p.get("action")))
    if act is None:
        raise invalid_request("Unknown action.")
    return act(b, s, p, rid, cfg, flow_type)


def _after_completion(b: Backend, s: PortalSession, notice: str) -> RawResponse:
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
    return page("Done", f'<p role="status">{esc(message)}</p>{return_link(s)}')


def _session(b: Backend, sid: str) -> PortalSession | None:
    s = b.objects.get(sid)
    return s if s is not None and s.get("object") == "billing_portal.session" else None


def _expired(s: PortalSession) -> RawResponse:
    return page(
        "This portal session has expired",
        f"<p>Portal links are short-lived. Open the portal again from the merchant's site.</p>{return_link(s)}",
        410,
    )


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
