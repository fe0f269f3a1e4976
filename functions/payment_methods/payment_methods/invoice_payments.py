"""Paying open invoices with a card the user is present for (on-session, so 3-D Secure can happen).

``pay`` answers ``paid``, ``declined`` (a safe reason and message) or ``requires_action`` (the intent's client
secret for Stripe.js); ``pay_overdue`` pays up to ``MAX_OVERDUE_PAYMENTS`` overdue invoices, oldest first, and
stops at the first that is not paid (the same card will not do better on the next one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from billing_core.errors import PaymentFailed
from billing_core.idempotency import IdempotencyKey
from billing_core.observability import count
from billing_core.payment_step import payment_action
from billing_core.payments import PaymentOutcome, intent_outcome, safe_decline
from billing_core.settings import get_settings
from billing_core.stripe_fields import field as _g
from billing_core.stripe_fields import object_id as _id
from billing_core.stripe_gateway import StripeGateway

#: Overdue invoices paid with a new default card in one request, oldest first.
MAX_OVERDUE_PAYMENTS = 3


def is_overdue(invoice: Any, now: float) -> bool:
    """Open with money left and either a failed collection attempt or a due date in the past."""
    if _g(invoice, "status") != "open" or not (_g(invoice, "amount_remaining") or 0) > 0:
        return False
    due = _g(invoice, "due_date")
    return bool((_g(invoice, "attempt_count") or 0) > 0 or (isinstance(due, int) and due < now))


@dataclass
class InvoicePayer:
    gateway: StripeGateway
    clock: Callable[[], float]

    def pay_overdue(self, customer_id: str, pm_id: str, key: IdempotencyKey) -> list[dict[str, Any]]:
        invoices = self.gateway.call(
            "invoices.list",
            lambda c: c.v1.invoices.list(params={"customer": customer_id, "status": "open", "limit": 20}),
        )
        now = self.clock()
        overdue = sorted((inv for inv in invoices.data if is_overdue(inv, now)), key=lambda inv: inv.created)
        results: list[dict[str, Any]] = []
        for invoice in overdue[:MAX_OVERDUE_PAYMENTS]:
            result = self.pay(invoice, pm_id, key)
            results.append(result)
            if result["status"] != "paid":
                break  # the same card will not do better on the next one
        return results

    def pay(self, invoice: Any, pm_id: str, key: IdempotencyKey) -> dict[str, Any]:
        """Pay one open invoice with ``pm_id`` (the user is present: on-session, so 3-D Secure can happen)."""
        invoice_id = invoice.id
        base = {
            "invoice": invoice_id,
            "amount": _g(invoice, "amount_remaining") or 0,
            "currency": _g(invoice, "currency"),
        }
        try:
            self.gateway.call(
                "invoices.pay",
                lambda c: c.v1.invoices.pay(
                    invoice_id,
                    params={"payment_method": pm_id, "off_session": False},
                    options={"idempotency_key": key.stripe(f"invoice.pay:{invoice_id}")},
                ),
            )
        except PaymentFailed as exc:
            outcome = self._outcome_after_failure(invoice_id, exc.decline_code)
        else:
            outcome = PaymentOutcome("paid")
        count(f"InvoicePayment_{outcome.status}")
        result: dict[str, Any] = {**base, "status": outcome.status}
        if outcome.status == "declined":
            result |= {"reason": outcome.reason, "message": outcome.message}
        elif outcome.status == "requires_action":
            result |= {
                "payment_intent": outcome.payment_intent,
                "client_secret": outcome.client_secret,
                "publishable_key": get_settings().stripe_publishable_key,
                "payment": payment_action(
                    outcome.intent_status,
                    outcome.client_secret,
                    payment_intent=outcome.payment_intent,
                    invoice=invoice_id,
                    payment_method=pm_id,
                ),
            }
        return result

    def _outcome_after_failure(self, invoice_id: str, decline_code: str | None) -> PaymentOutcome:
        """Read the invoice's payment intent to tell a decline from a 3-D Secure challenge."""
        refreshed = self.gateway.call(
            "invoices.retrieve",
            lambda c: c.v1.invoices.retrieve(invoice_id, params={"expand": ["payments"]}),
        )
        intent_id = None
        for payment in _g(refreshed, "payments", "data") or []:
            candidate = _id(_g(payment, "payment", "payment_intent"))
            if candidate and (intent_id is None or _g(payment, "is_default")):
                intent_id = candidate
        if intent_id is None:
            reason, message = safe_decline(decline_code)
            return PaymentOutcome("declined", reason=reason, message=message)
        intent = self.gateway.call("payment_intents.retrieve", lambda c: c.v1.payment_intents.retrieve(intent_id))
        return intent_outcome(intent)
