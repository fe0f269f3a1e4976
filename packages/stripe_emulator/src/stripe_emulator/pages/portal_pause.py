"""The customer portal's pause flow (`subscription_pause`): the duration choice and pausing now."""

from __future__ import annotations

from typing import Any

from ..backend import Backend
from ..billing.common import add_interval
from ..billing.pause import pause_subscription
from ..errors import invalid_request
from ..models.billing_portal import PortalConfiguration, PortalSession
from ..models.subscriptions import Subscription
from .common import esc
from .portal_shared import date_text, form, sub_for_action, sub_summary


def _duration_label(o: dict[str, Any]) -> str:
    n, unit = int(o.get("interval_count") or 1), str(o.get("interval"))
    return f"{n} {unit}" + ("s" if n != 1 else "")


def pause_view(b: Backend, s: PortalSession, cfg: PortalConfiguration, sub: Subscription) -> str:
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
    return sub_summary(b, sub) + form(s, "pause", inner, "Pause plan", {"subscription": sub["id"]})


def _pause(b: Backend, sub: Subscription, duration: dict[str, Any], p: dict[str, Any], rid: str) -> str:
    """Pause now (credit for the unused time stays pending for the resumption invoice); a preset duration resumes
    the subscription automatically when it ends (`billing/pause.py` `auto_resume`)."""
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
    return f"Your plan has been paused until {date_text(until)}."


def pause(
    b: Backend, s: PortalSession, p: dict[str, Any], rid: str, cfg: PortalConfiguration, flow_type: str | None
) -> str:
    f = cfg["features"]
    if not f["subscription_pause"]["enabled"] and flow_type != "subscription_pause":
        raise invalid_request("Pausing is not enabled in this portal.")
    sub = sub_for_action(b, s, p)
    return _pause(b, sub, f["subscription_pause"]["duration"], p, rid)
