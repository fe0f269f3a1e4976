"""Charges: the `charge` object a payment attempt leaves (succeeded or failed), with its `outcome`."""

from __future__ import annotations

from typing import Any

from ..backend import Backend
from ..models.payments import PaymentIntent, PaymentMethod
from .test_cards import RADAR_BLOCK


def charge_outcome(failure: tuple[str, str] | None, *, blocked: bool) -> dict[str, Any]:
    """The charge's `outcome`: authorized, declined by the issuer, or blocked by Radar before the network."""
    if blocked:
        return {
            "network_status": "not_sent_to_network",
            "reason": "highest_risk_level",
            "risk_level": "highest",
            "seller_message": "Stripe blocked this payment as too risky.",
            "type": "blocked",
        }
    return {
        "network_status": "declined_by_network" if failure else "approved_by_network",
        "reason": failure[0] if failure else None,
        "risk_level": "normal",
        "seller_message": "The bank did not return any further details with this decline."
        if failure
        else "Payment complete.",
        "type": "issuer_declined" if failure else "authorized",
    }


def create_charge(b: Backend, pi: PaymentIntent, pm: PaymentMethod, failure: tuple[str, str] | None) -> str:
    card = pm.get("card") or {}
    ch = {
        "id": b.new_id("ch"),
        "object": "charge",
        "amount": pi["amount"],
        "amount_captured": 0 if failure else pi["amount"],
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "authorization_code": None if failure else "123456",
        "balance_transaction": None,
        "billing_details": pm.get("billing_details")
        or {"address": None, "email": None, "name": None, "phone": None, "tax_id": None},
        "calculated_statement_descriptor": "EMULATOR",
        "captured": failure is None,
        "created": b.now_for_customer(pi.get("customer")),
        "currency": pi["currency"],
        "customer": pi.get("customer"),
        "description": pi.get("description"),
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": failure[0] if failure else None,
        "failure_message": failure[1] if failure else None,
        "fraud_details": {},
        "livemode": False,
        "metadata": {},
        "on_behalf_of": None,
        "outcome": charge_outcome(failure, blocked=pm.get("_behaviour") == RADAR_BLOCK),
        "paid": failure is None,
        "payment_intent": pi["id"],
        "payment_method": pm["id"],
        "payment_method_details": {"card": {k: card.get(k) for k in ("brand", "last4", "exp_month", "exp_year")}},
        "presentment_details": None,
        "radar_options": None,
        "receipt_email": None,
        "receipt_number": None,
        "receipt_url": None,
        "refunded": False,
        "refunds": None,
        "review": None,
        "shipping": None,
        "source": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "failed" if failure else "succeeded",
        "transfer": None,
        "transfer_data": None,
        "transfer_group": None,
    }
    b.store(ch)
    return str(ch["id"])
