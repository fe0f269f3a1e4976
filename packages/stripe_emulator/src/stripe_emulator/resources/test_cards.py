"""Stripe's test payment methods (`pm_card_visa`, ...) and what each card does: its behaviour and its declines.

A card's behaviour (`ok`, `decline:<code>`, `fail_charge`, `3ds`, `3ds_setup`) is the private `_behaviour` of the
payment methods cloned from it (README "Test cards"); `decline_error` is the 402 `card_error` Stripe answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import StripeAPIError, card_error


@dataclass(frozen=True)
class CardSpec:
    number: str
    brand: str
    behaviour: str
    funding: str = "credit"
    country: str = "US"
    expires_next_month: bool = False

    @property
    def last4(self) -> str:
        return self.number[-4:]


_VISA = CardSpec("4242424242424242", "visa", "ok")
TEST_CARDS: dict[str, CardSpec] = {
    "pm_card_visa": _VISA,
    "pm_card_visa_debit": CardSpec("4000056655665556", "visa", "ok", funding="debit"),
    "pm_card_mastercard": CardSpec("5555555555554444", "mastercard", "ok"),
    "pm_card_amex": CardSpec("378282246310005", "amex", "ok"),
    "pm_card_discover": CardSpec("6011111111111117", "discover", "ok"),
    "pm_card_chargeDeclined": CardSpec("4000000000000002", "visa", "decline:generic_decline"),
    "pm_card_visa_chargeDeclined": CardSpec("4000000000000002", "visa", "decline:generic_decline"),
    "pm_card_chargeDeclinedInsufficientFunds": CardSpec("4000000000009995", "visa", "decline:insufficient_funds"),
    "pm_card_visa_chargeDeclinedInsufficientFunds": CardSpec("4000000000009995", "visa", "decline:insufficient_funds"),
    "pm_card_chargeDeclinedExpiredCard": CardSpec("4000000000000069", "visa", "decline:expired_card"),
    "pm_card_chargeDeclinedIncorrectCvc": CardSpec("4000000000000127", "visa", "decline:incorrect_cvc"),
    "pm_card_chargeDeclinedProcessingError": CardSpec("4000000000000119", "visa", "decline:processing_error"),
    "pm_card_chargeCustomerFail": CardSpec("4000000000000341", "visa", "fail_charge"),
    "pm_card_authenticationRequired": CardSpec("4000002760003184", "visa", "3ds"),
    "pm_card_threeDSecure2Required": CardSpec("4000000000003220", "visa", "3ds"),
    "pm_card_authenticationRequiredOnSetup": CardSpec("4000002500003155", "visa", "3ds_setup"),
    "pm_card_visa_expiresNextMonth": CardSpec("4242424242424242", "visa", "ok", expires_next_month=True),
    # Stripe's Radar test card ("Always blocked", 4100 0000 0000 0019): every charge has risk level `highest` and
    # is blocked by Radar (`card_declined` / `fraudulent`, charge outcome `blocked`). Radar scores payments, so the
    # card attaches and sets up fine; only charges fail.
    "pm_card_radarBlock": CardSpec("4100000000000019", "visa", "decline:fraudulent"),
}
RADAR_BLOCK = "decline:fraudulent"
BY_NUMBER = {c.number: c for c in TEST_CARDS.values() if not c.expires_next_month}

# decline code -> (error code, message, param)
_DECLINES = {
    "generic_decline": ("card_declined", "Your card was declined.", None),
    "insufficient_funds": ("card_declined", "Your card has insufficient funds.", None),
    "expired_card": ("expired_card", "Your card has expired.", "exp_month"),
    "incorrect_cvc": ("incorrect_cvc", "Your card's security code is incorrect.", "cvc"),
    "processing_error": (
        "processing_error",
        "An error occurred while processing your card. Try again in a little bit.",
        None,
    ),
    "fraudulent": ("card_declined", "Your card was declined.", None),
}


def refuses_setup(behaviour: str) -> bool:
    """Whether attaching / setting up the card fails: issuer declines do; a Radar block only stops charges."""
    return behaviour.startswith("decline:") and behaviour != RADAR_BLOCK


def is_test_token(ref: Any) -> bool:
    return isinstance(ref, str) and ref in TEST_CARDS


def decline_details(behaviour: str) -> dict[str, Any]:
    """{code, decline_code, message, param} of a failing charge for a card `_behaviour` (fail_charge included)."""
    decline = behaviour.split(":", 1)[1] if behaviour.startswith("decline:") else "generic_decline"
    code, message, param = _DECLINES.get(decline, _DECLINES["generic_decline"])
    return {"code": code, "decline_code": decline, "message": message, "param": param}


def decline_error(behaviour: str, extra: dict[str, Any] | None = None) -> StripeAPIError:
    """The 402 card_error Stripe answers for a declining card (extra: e.g. {"setup_intent": {...}})."""
    d = decline_details(behaviour)
    return card_error(d["message"], code=d["code"], decline_code=d["decline_code"], param=d["param"], extra=extra)
