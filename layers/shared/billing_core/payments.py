"""Card and payment outcomes shared by the functions that take money (payment_methods, plan_change).

* :func:`card_summary` — the only card facts we keep, show, log or audit: id, brand, last 4, expiry.
* :func:`card_expired` — a card works until the end of its expiry month (UTC).
* :func:`safe_decline` — a decline or failure code from Stripe mapped to a fixed, user-safe reason and message
  (the raw Stripe code stays in the logs; unknown codes fall back to ``card_declined``).
* :func:`intent_outcome` — what a PaymentIntent's state means for the client: ``paid``, ``requires_action``
  (with what Stripe.js needs: the intent's client secret) or ``declined`` (with a safe reason).

Nothing here calls Stripe; it reads Stripe objects (SDK objects or dicts alike).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

from billing_core.stripe_fields import field as _g

#: Safe reasons a client may show. Messages are ours, never Stripe's text.
DECLINE_REASONS: dict[str, str] = {
    "card_declined": "Your card was declined. Try another card or contact your bank.",
    "insufficient_funds": "Your card has insufficient funds. Try another card.",
    "expired_card": "Your card has expired. Add a new card.",
    "incorrect_cvc": "Your card's security code was rejected. Add the card again or use another card.",
    "processing_error": "Your bank could not process the payment. Try again in a few minutes.",
    "authentication_failed": "The payment was not authenticated. Try again or use another card.",
}
_ALIASES = {
    "generic_decline": "card_declined",
    "do_not_honor": "card_declined",
    "fraudulent": "card_declined",
    "stolen_card": "card_declined",
    "lost_card": "card_declined",
    "pickup_card": "card_declined",
    "card_velocity_exceeded": "card_declined",
    "expired_card": "expired_card",
    "incorrect_cvc": "incorrect_cvc",
    "invalid_cvc": "incorrect_cvc",
    "insufficient_funds": "insufficient_funds",
    "processing_error": "processing_error",
    "try_again_later": "processing_error",
    "payment_intent_authentication_failure": "authentication_failed",
    "setup_intent_authentication_failure": "authentication_failed",
    "authentication_required": "authentication_failed",
}

Outcome = Literal["paid", "requires_action", "declined", "processing"]


@dataclass(frozen=True)
class CardSummary:
    id: str
    brand: str | None
    last4: str | None
    exp_month: int | None
    exp_year: int | None

    def audit(self) -> dict[str, Any]:
        """What an audit entry or a log line may carry about a card (brand and last 4, nothing else)."""
        return {"payment_method": self.id, "brand": self.brand, "last4": self.last4}


def card_summary(pm: Any) -> CardSummary:
    card = _g(pm, "card")
    exp_month, exp_year = _g(card, "exp_month"), _g(card, "exp_year")
    last4 = _g(card, "last4")
    return CardSummary(
        id=str(_g(pm, "id")),
        brand=_g(card, "display_brand") or _g(card, "brand"),
        last4=last4 if isinstance(last4, str) else None,
        exp_month=exp_month if isinstance(exp_month, int) else None,
        exp_year=exp_year if isinstance(exp_year, int) else None,
    )


def card_expired(pm: Any, now: float | None = None) -> bool:
    """True when the card's expiry month has ended (UTC). Cards without an expiry are not expired."""
    summary = card_summary(pm)
    if summary.exp_month is None or summary.exp_year is None:
        return False
    current = time.gmtime(time.time() if now is None else now)
    return (summary.exp_year, summary.exp_month) < (current.tm_year, current.tm_mon)


def safe_decline(code: str | None) -> tuple[str, str]:
    """(reason, message) for a Stripe decline / error code; unknown or missing codes -> card_declined."""
    reason = _ALIASES.get(code or "", "card_declined")
    return reason, DECLINE_REASONS[reason]


@dataclass(frozen=True)
class PaymentOutcome:
    status: Outcome
    reason: str | None = None
    message: str | None = None
    payment_intent: str | None = None
    client_secret: str | None = None
    """Only for ``requires_action``: what ``stripe.confirmCardPayment`` / ``handleNextAction`` needs."""
    intent_status: str | None = None
    """Stripe's PaymentIntent status behind ``requires_action`` (``requires_action`` or ``requires_confirmation``)."""


def intent_outcome(intent: Any) -> PaymentOutcome:
    """Interpret a PaymentIntent after a payment attempt."""
    status = _g(intent, "status")
    intent_id = _g(intent, "id")
    if status == "succeeded":
        return PaymentOutcome("paid", payment_intent=intent_id)
    if status == "processing":
        return PaymentOutcome("processing", payment_intent=intent_id)
    if status in ("requires_action", "requires_confirmation"):
        return PaymentOutcome(
            "requires_action",
            payment_intent=intent_id,
            client_secret=_g(intent, "client_secret") or None,
            intent_status=status,
        )
    error = _g(intent, "last_payment_error")
    reason, message = safe_decline(_g(error, "decline_code") or _g(error, "code"))
    return PaymentOutcome("declined", reason=reason, message=message, payment_intent=intent_id)
