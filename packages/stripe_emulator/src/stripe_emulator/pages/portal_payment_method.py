"""The customer portal's payment method flow (`payment_method_update`)."""

from __future__ import annotations

from typing import Any

from ..backend import Backend
from ..billing.subscription_update import update_subscription
from ..errors import invalid_request
from ..models.billing_portal import PortalConfiguration, PortalSession
from ..resources.customers import update_customer
from ..resources.payment_methods import attach_payment_method
from .common import card_fieldset
from .portal_shared import customer_subs, form


def payment_method_view(s: PortalSession) -> str:
    return form(s, "update_payment_method", card_fieldset("card", "Choose a test card"), "Save payment method")


def update_payment_method(
    b: Backend, s: PortalSession, p: dict[str, Any], rid: str, cfg: PortalConfiguration, flow_type: str | None
) -> str:
    f = cfg["features"]
    if not f["payment_method_update"]["enabled"] and flow_type != "payment_method_update":
        raise invalid_request("Updating the payment method is not enabled in this portal.")
    token = str(p.get("card") or "pm_card_visa")
    pm = attach_payment_method(b, token, s["customer"], request_id=rid)
    update_customer(b, s["customer"], {"invoice_settings": {"default_payment_method": pm["id"]}}, request_id=rid)
    for sub in customer_subs(b, s["customer"]):
        if sub.get("default_payment_method"):
            update_subscription(b, sub["id"], {"default_payment_method": pm["id"]}, request_id=rid)
    return "Your payment method has been saved."
