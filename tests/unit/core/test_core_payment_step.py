"""E5: ``payment_action`` answers a step only for PaymentIntent statuses that wait for the customer."""

from __future__ import annotations

import pytest
from billing_core import payment_step
from billing_core.settings import Settings


@pytest.fixture(autouse=True)
def _publishable_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(payment_step, "get_settings", lambda: Settings(stripe_publishable_key="pk_test_x"))


@pytest.mark.parametrize(
    ("intent_status", "step"),
    [
        ("requires_action", "requires_action"),
        ("requires_confirmation", "requires_action"),
        ("requires_payment_method", "requires_payment_method"),
    ],
)
def test_e5_a_status_that_waits_for_the_customer_is_a_step_with_its_secret(intent_status: str, step: str) -> None:
    action = payment_step.payment_action(intent_status, "pi_1_secret_x", payment_intent="pi_1", invoice="in_1")
    assert action is not None
    assert (action.status, action.payment_intent_status) == (step, intent_status)
    assert action.client_secret == "pi_1_secret_x" and action.publishable_key == "pk_test_x"


@pytest.mark.parametrize("intent_status", ["succeeded", "processing", "canceled", "requires_capture", None])
def test_e5_nothing_for_the_customer_to_do_is_no_step(intent_status: str | None) -> None:
    assert payment_step.payment_action(intent_status, "pi_1_secret_x") is None


def test_e5_no_secret_is_no_step() -> None:
    assert payment_step.payment_action("requires_action", None) is None
