"""Invoices: create, retrieve, update, delete (drafts), list, lines, finalize, pay, void, mark_uncollectible,
create_preview, and the emulator-served hosted page (`/invoices/{id}/hosted`) and PDF (`/invoices/{id}/pdf`)."""

from __future__ import annotations

from typing import Any

from ..backend import Backend
from ..billing import common, invoicing
from ..billing.invoice_shape import compute_totals, new_invoice
from ..errors import card_error, invalid_request
from ..models.invoices import Invoice
from .payment_intents import card_error_for


def create_invoice(b: Backend, p: dict[str, Any], request_id: str | None = None) -> Invoice:
    with b.lock:
        cus = b.get(p.get("customer"), "customer", param="customer")
        sub = b.get(p["subscription"], "subscription", param="subscription") if p.get("subscription") else None
        inv = new_invoice(
            b,
            cus["id"],
            billing_reason="manual",
            subscription=sub,
            currency=p.get("currency"),
            auto_advance=p.get("auto_advance", False),
            collection_method=p.get("collection_method") or "charge_automatically",
            description=p.get("description"),
            metadata=p.get("metadata"),
            default_payment_method=p.get("default_payment_method"),
        )
        inv["discounts"] = common.make_discounts(
            b, p.get("discounts"), customer=cus["id"], invoice=inv["id"], start=inv["created"], redeem=True
        )
        if p.get("days_until_due"):
            inv["due_date"] = inv["created"] + int(p["days_until_due"]) * 86400
        if p.get("pending_invoice_items_behavior") == "include":
            for ii in invoicing.pending_items(b, cus["id"], sub["id"] if sub else None):
                invoicing.invoice_item_line(b, inv, ii)
        compute_totals(b, inv, apply_balance=False)
        b.emit("invoice.created", inv, request_id=request_id)
        return inv


def pay_invoice(b: Backend, invoice_id: str, p: dict[str, Any], request_id: str | None = None) -> Invoice:
    """Pay an invoice now (finalizing a draft first); a failed charge answers 402 and leaves it open."""
    with b.lock:
        inv = b.get(invoice_id, "invoice")
        if inv["status"] == "paid":
            raise invalid_request("Invoice is already paid")
        if inv["status"] == "draft":
            invoicing.finalize(b, inv, request_id=request_id)
        if inv["status"] == "paid":
            return inv
        if p.get("paid_out_of_band"):
            inv["amount_paid_off_stripe"] = inv["amount_remaining"]
            inv["amount_paid"] = inv["amount_remaining"]
            invoicing._mark_paid(b, inv, request_id)
            return inv
        pm = p.get("payment_method")
        if pm:
            pm = common.payment_method(b, pm)["id"]
        ok = invoicing.attempt(
            b, inv, payment_method=pm, off_session=bool(p.get("off_session", True)), request_id=request_id
        )
        if not ok:
            pi = b.objects[inv["_payment_intent"]]
            if pi["status"] == "requires_action":  # Stripe: a card_error (402); the intent stays requires_action
                raise card_error(
                    "This payment requires additional user action before it can be completed successfully. "
                    "Payment can be completed using the PaymentIntent associated with the invoice. For more "
                    "details see: https://stripe.com/docs/billing/subscriptions/overview#requires-action",
                    code="invoice_payment_intent_requires_action",
                )
            if not pm and not invoicing.payment_method_for(b, inv):
                raise invalid_request(
                    "This customer has no attached payment source or default payment method. Please consider "
                    "adding a default payment method.",
                    param="payment_method",
                )
            raise card_error_for(pi)
        return inv
