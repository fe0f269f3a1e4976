"""Completing a Checkout session as the hosted page does after a person pays with a test card.

Creates the customer when the session has none, attaches the card, creates the subscription through the
subscriptions module (so its events fire), marks the session `complete` and emits `checkout.session.completed`.
A card that fails leaves the session `open` and raises the card error (402 `card_error`), as Checkout shows it.
"""

from __future__ import annotations

from typing import Any

from ..backend import Backend
from ..billing.subscription_create import create_subscription
from ..errors import card_error, invalid_request
from ..models.base import present
from ..models.catalog import PromotionCode
from ..models.checkout import CheckoutSession
from . import payment_methods, test_cards
from .checkout_sessions import get_session
from .customers import create_customer


def _find_promotion_code(b: Backend, code: str) -> PromotionCode:
    for promo in b.all("promotion_code"):
        if promo.get("code", "").lower() == code.lower() and promo.get("active", True):
            return promo
    raise invalid_request("This code is invalid.", param="promotion_code", code="promotion_code_invalid")


def complete_session(
    b: Backend,
    sid: str,
    payment_method: str = "pm_card_visa",
    *,
    email: str | None = None,
    name: str | None = None,
    promotion_code: str | None = None,
    request_id: str | None = None,
) -> CheckoutSession:
    """Complete an open session as the hosted page would after a person pays with `payment_method` (a test token).

    Card errors leave the session open and are raised (402 `card_error`) like Checkout shows them.
    """
    with b.lock:
        s = get_session(b, sid)
        if s["status"] != "open":
            raise invalid_request(
                f"This Checkout Session is no longer active (status `{s['status']}`).", param="session"
            )
        discounts = [
            {k: v for k, v in d.items() if v}
            for d in (s.get("discounts") or [])
            if d.get("coupon") or d.get("promotion_code")
        ]
        if promotion_code:
            if not s.get("allow_promotion_codes"):
                raise invalid_request("This Checkout Session does not accept promotion codes.", param="promotion_code")
            discounts = [{"promotion_code": _find_promotion_code(b, promotion_code)["id"]}]
        sub_data = s.get("_subscription_data") or {}
        amount_due = 0 if sub_data.get("trial_period_days") else int(s["amount_subtotal"] or 0)
        precheck_card(card_behaviour(b, payment_method), amount_due)
        customer_id = s.get("customer")
        created_customer = False
        if not customer_id:
            cus_params: dict[str, Any] = {"email": email or s.get("customer_email")}
            if name:
                cus_params["name"] = name
            customer_id = create_customer(b, cus_params, request_id=request_id)["id"]
            created_customer = True
        pm_id = attach_card(b, payment_method, customer_id, request_id=request_id)
        sub_params: dict[str, Any] = {
            "customer": customer_id,
            "items": [{"price": li["price"], "quantity": li["quantity"]} for li in s["_line_items"]],
            "default_payment_method": pm_id,
            "payment_behavior": "error_if_incomplete",
            "metadata": sub_data.get("metadata") or {},
        }
        if sub_data.get("trial_period_days"):
            sub_params["trial_period_days"] = int(sub_data["trial_period_days"])
        if sub_data.get("description"):
            sub_params["description"] = sub_data["description"]
        if sub_data.get("trial_settings"):  # e.g. end_behavior.missing_payment_method=pause
            sub_params["trial_settings"] = sub_data["trial_settings"]
        if sub_data.get("billing_mode"):  # absent: the subscription is flexible, Stripe's endive default
            sub_params["billing_mode"] = sub_data["billing_mode"]
        if discounts:
            sub_params["discounts"] = discounts
        sub = create_subscription(b, sub_params, request_id=request_id)
        cus_obj = b.get(customer_id, "customer")
        latest = sub.get("latest_invoice")
        invoice = b.objects.get(latest) if isinstance(latest, str) else latest
        amount_paid = int(invoice.get("amount_paid", 0)) if isinstance(invoice, dict) else 0
        s.update(
            {
                "status": "complete",
                "customer": customer_id,
                "customer_creation": "always" if created_customer else s.get("customer_creation"),
                "customer_details": {
                    "address": cus_obj.get("address"),
                    "business_name": None,
                    "email": cus_obj.get("email"),
                    "individual_name": None,
                    "name": cus_obj.get("name"),
                    "phone": cus_obj.get("phone"),
                    "tax_exempt": cus_obj.get("tax_exempt", "none"),
                    "tax_ids": [],
                },
                "subscription": sub["id"],
                "invoice": invoice["id"] if isinstance(invoice, dict) else None,
                "payment_status": "paid" if amount_paid > 0 else "no_payment_required",
                "amount_total": int(invoice["total"] if "total" in invoice else present(s["amount_total"]))
                if isinstance(invoice, dict)
                else 0,
                "url": None,
            }
        )
        if discounts:
            s["discounts"] = [{"coupon": d.get("coupon"), "promotion_code": d.get("promotion_code")} for d in discounts]
            if isinstance(invoice, dict):
                present(s["total_details"])["amount_discount"] = max(
                    0, int(invoice.get("subtotal", 0)) - int(invoice.get("total", 0))
                )
        b.emit("checkout.session.completed", s, request_id=request_id)
        return s


def card_behaviour(b: Backend, ref: str) -> str:
    """The `_behaviour` of a test token (pm_card_...) or of an existing payment method."""
    if test_cards.is_test_token(ref):
        return str(test_cards.TEST_CARDS[ref].behaviour)
    return str(b.get(ref, "payment_method", param="payment_method").get("_behaviour", "ok"))


def attach_card(b: Backend, ref: str, customer_id: str, request_id: str | None = None) -> str:
    """Attach a test token (a new payment method) or an unattached payment method to the customer."""
    pm = payment_methods.attach_payment_method(b, ref, customer_id, request_id=request_id)
    return str(pm["id"])


def precheck_card(behaviour: str, amount_due: int) -> None:
    """Raise the card error Checkout would show for a card with this `_behaviour` before anything is created."""
    if behaviour.startswith("decline:") or (amount_due > 0 and behaviour == "fail_charge"):
        raise test_cards.decline_error(behaviour)
    if amount_due > 0 and behaviour in ("3ds", "3ds_setup"):
        raise card_error(
            "Your card was declined. This transaction requires authentication.",
            code="authentication_required",
            decline_code="authentication_required",
        )
