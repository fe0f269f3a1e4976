"""The customer portal's cancellation flow (`subscription_cancel`): the reasons, the retention offer, cancelling
now or at the period end, and renewing a subscription set to cancel."""

from __future__ import annotations

from typing import Any

from ..backend import Backend
from ..billing.cancel import cancel_subscription
from ..billing.subscription_update import update_subscription
from ..errors import invalid_request
from ..models.billing_portal import PortalConfiguration, PortalSession
from ..models.subscriptions import Subscription
from ..resources.portal_common import CANCEL_REASONS
from .common import esc, money
from .portal_shared import date_text, form, period_end, sub_for_action, sub_summary

REASON_LABELS = {
    "customer_service": "Customer service was less than expected",
    "low_quality": "Quality was less than expected",
    "missing_features": "Some features are missing",
    "other": "Other reason",
    "switched_service": "I'm switching to a different service",
    "too_complex": "Ease of use was less than expected",
    "too_expensive": "It's too expensive",
    "unused": "I don't use the service enough",
}


def cancel_view(b: Backend, s: PortalSession, cfg: PortalConfiguration, sub: Subscription) -> str:
    sc = cfg["features"]["subscription_cancel"]
    retention = ((s.get("flow") or {}).get("subscription_cancel") or {}).get("retention")
    parts = [sub_summary(b, sub)]
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
            + form(s, "accept_offer", "", "Accept offer", {"subscription": sub["id"]})
            + form(s, "decline_offer", "", "No thanks, continue cancelling", {"subscription": sub["id"]})
            + "</section>"
        )
        return "".join(parts)
    when = (
        f"Your plan will be cancelled, but is still available until the end of your billing period on "
        f"{date_text(period_end(b, sub))}."
        if sc["mode"] == "at_period_end"
        else "Your plan will be cancelled immediately."
    )
    inner = f"<p>{esc(when)}</p>"
    reasons = sc["cancellation_reason"]
    if reasons["enabled"] and reasons["options"]:
        opts = "".join(
            f'<label><input type="radio" name="reason" value="{esc(o)}"> {esc(REASON_LABELS.get(o, o))}</label>'
            for o in reasons["options"]
        )
        inner += (
            f"<fieldset><legend>Why are you cancelling?</legend>{opts}</fieldset>"
            '<label>Anything else? <textarea name="comment" rows="2"></textarea></label>'
        )
    parts.append(form(s, "cancel", inner, "Cancel plan", {"subscription": sub["id"]}))
    return "".join(parts)


def cancel(
    b: Backend, s: PortalSession, p: dict[str, Any], rid: str, cfg: PortalConfiguration, flow_type: str | None
) -> str:
    f = cfg["features"]
    sub = sub_for_action(b, s, p)
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
        cancel_subscription(b, sub["id"], params, request_id=rid)
        return "Your plan has been cancelled."
    params = {"cancel_at_period_end": True}
    if details:
        params["cancellation_details"] = details
    update_subscription(b, sub["id"], params, request_id=rid)
    return "Your plan will be cancelled at the end of the billing period."


def decline_offer(
    b: Backend, s: PortalSession, p: dict[str, Any], rid: str, cfg: PortalConfiguration, flow_type: str | None
) -> str:
    s["_offer_declined"] = True
    return ""


def accept_offer(
    b: Backend, s: PortalSession, p: dict[str, Any], rid: str, cfg: PortalConfiguration, flow_type: str | None
) -> str:
    sub = sub_for_action(b, s, p)
    retention = ((s.get("flow") or {}).get("subscription_cancel") or {}).get("retention")
    if not retention:
        raise invalid_request("There is no offer for this session.")
    update_subscription(b, sub["id"], {"discounts": [{"coupon": retention["coupon_offer"]["coupon"]}]}, request_id=rid)
    return "The offer has been applied to your plan."


def renew(
    b: Backend, s: PortalSession, p: dict[str, Any], rid: str, cfg: PortalConfiguration, flow_type: str | None
) -> str:
    sub = sub_for_action(b, s, p)
    update_subscription(b, sub["id"], {"cancel_at_period_end": False}, request_id=rid)
    return "Your plan will renew."
