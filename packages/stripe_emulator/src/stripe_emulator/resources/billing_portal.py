"""Customer portal sessions. Configurations are in `portal_configurations` (their features in
`portal_features`), a session's `flow_data` in `portal_flows`, what they share in `portal_common`.

A session's `url` is the emulator's portal page `/portal/session/{id}` (pages/portal.py). Like Stripe's, the URL is
short-lived: it must be opened within 5 minutes of creation; once opened it stays usable for an hour.

Creating a session without `configuration` uses the account's default configuration. Stripe's accounts get one when
the portal settings are saved in the Dashboard; the emulator's account behaves as if that had happened, so the
first session (or list) without a configuration creates a default configuration with Stripe's Dashboard defaults.
"""

from __future__ import annotations

import typing
from typing import Any

from stripe.billing_portal import Session

from ..backend import Backend
from ..errors import invalid_request
from ..models.billing_portal import PortalSession
from .checkout_sessions import api_base
from .portal_configurations import default_configuration
from .portal_features import check_enum
from .portal_flows import flow_data

SESSION_URL_TTL_S = 5 * 60


SESSION_TTL_S = 3600


def _session_locales() -> tuple[str, ...]:
    ann = Session.__annotations__["locale"]
    return tuple(str(a) for arg in typing.get_args(ann) for a in typing.get_args(arg) if isinstance(a, str))


LOCALES = _session_locales()


def create_portal_session(b: Backend, p: dict[str, Any], request_id: str | None = None) -> PortalSession:
    if not p.get("customer"):
        raise invalid_request("Missing required param: customer.", param="customer")
    with b.lock:
        cus = b.get(p["customer"], "customer", param="customer")
        if cus.get("deleted"):
            raise invalid_request(f"No such customer: '{cus['id']}'", param="customer", code="resource_missing")
        if p.get("configuration"):
            cfg = b.get(p["configuration"], "billing_portal.configuration", param="configuration")
            if not cfg["active"]:
                raise invalid_request(
                    f"The configuration {cfg['id']} is not active. Use an active configuration.",
                    param="configuration",
                )
        else:
            cfg = default_configuration(b)
        flow = flow_data(b, p["flow_data"], cus["id"], cfg) if p.get("flow_data") else None
        # Optional (stripe-python 16: `return_url: NotRequired[str]`, the session's `return_url: Optional[str]`):
        # the configuration's default_return_url, else none, and the portal shows no link back.
        return_url = p.get("return_url") or cfg.get("default_return_url")
        locale = p.get("locale")
        if locale is not None:
            check_enum(locale, LOCALES, "locale")
        if locale == "auto":
            locale = None
        now = b.now_for_customer(cus["id"])
        ae = p.get("after_expiration")
        sid = b.new_id("bps")
        session: PortalSession = {
            "id": sid,
            "object": "billing_portal.session",
            "configuration": cfg["id"],
            "created": now,
            "customer": cus["id"],
            "customer_account": None,
            "flow": flow,
            "livemode": False,
            "locale": locale,
            "on_behalf_of": p.get("on_behalf_of"),
            "return_url": return_url,
            "url": f"{api_base(b)}/portal/session/{sid}",
            "_url_expires_at": int(b.now()) + SESSION_URL_TTL_S,
            "_opened_at": None,
            "_completed": False,
            "after_expiration": None,
        }
        if ae:
            session["after_expiration"] = {
                "customer_login": (
                    {"expires_at": (ae.get("customer_login") or {}).get("expires_at")}
                    if ae.get("type") == "customer_login"
                    else None
                ),
                "type": ae.get("type"),
            }
        b.store(session)
        return session


def session_usable(b: Backend, session: PortalSession) -> bool:
    """True while the URL may be used: opened within 5 minutes of creation, then for an hour."""
    now = b.now()
    opened = session.get("_opened_at")
    if opened is None:
        return now < int(session["_url_expires_at"])
    return now < int(opened) + SESSION_TTL_S
