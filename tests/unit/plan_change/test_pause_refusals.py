"""Stripe's refusals of a pause become the product's 409 codes, matched on the HTTP status and the message
(Stripe documents no error code for them; the emulator's ``subscription_pause_not_allowed`` is its own)."""

from __future__ import annotations

import pytest
import stripe
from plan_change.pause import stripe_refusal


def refusal(message: str, status: int = 400, code: str | None = "subscription_pause_not_allowed") -> str | None:
    found = stripe_refusal(stripe.InvalidRequestError(message, None, code=code, http_status=status))
    return found.code if found is not None else None


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("Pausing requires flexible billing mode. Migrate the subscription first.", "billing_mode_classic"),
        ("Cannot pause subscriptions with attached schedules", "change_scheduled"),
        ("A subscription with status `paused` cannot be paused.", "already_paused"),
        ("You cannot pause a subscription whose payment collection is paused.", "subscription_not_pausable"),
        ("Something Stripe adds later.", "subscription_not_pausable"),
    ],
)
def test_a_400_refusal_is_a_clear_409_whatever_its_code(message: str, code: str) -> None:
    assert refusal(message) == code
    assert refusal(message, code=None) == code  # the message decides, not the emulator's own code


def test_other_errors_are_left_to_the_gateway() -> None:
    assert refusal("No such subscription", status=404, code="resource_missing") is None
    assert refusal("Lock timeout", status=429) is None
