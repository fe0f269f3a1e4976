"""Pure parts of payment_methods and billing_core.payments (no sockets)."""

import calendar

import pytest
from billing_core.payments import DECLINE_REASONS, card_expired, card_summary, intent_outcome, safe_decline
from payment_methods.invoice_payments import is_overdue

NOW = calendar.timegm((2026, 6, 15, 12, 0, 0))


def pm(exp_month, exp_year, **card):
    card = {"brand": "visa", "last4": "4242", "exp_month": exp_month, "exp_year": exp_year, **card}
    return {"id": "pm_1", "type": "card", "card": {"fingerprint": "secretish", **card}}


def test_card_works_until_the_end_of_its_expiry_month():
    assert not card_expired(pm(6, 2026), NOW)
    assert card_expired(pm(5, 2026), NOW)
    assert card_expired(pm(12, 2025), NOW)
    assert not card_expired(pm(1, 2027), NOW)


def test_card_summary_keeps_brand_last4_and_expiry_only():
    summary = card_summary(pm(6, 2026, display_brand="visa"))
    assert summary.audit() == {"payment_method": "pm_1", "brand": "visa", "last4": "4242"}
    assert "fingerprint" not in str(summary)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("generic_decline", "card_declined"),
        ("insufficient_funds", "insufficient_funds"),
        ("expired_card", "expired_card"),
        ("incorrect_cvc", "incorrect_cvc"),
        ("processing_error", "processing_error"),
        ("payment_intent_authentication_failure", "authentication_failed"),
        ("some_new_code", "card_declined"),
        (None, "card_declined"),
    ],
)
def test_e4_decline_codes_map_to_fixed_safe_reasons(code, reason):
    assert safe_decline(code) == (reason, DECLINE_REASONS[reason])


def test_e5_intent_outcomes():
    assert intent_outcome({"id": "pi_1", "status": "succeeded"}).status == "paid"
    action = intent_outcome({"id": "pi_1", "status": "requires_action", "client_secret": "pi_1_secret_x"})
    assert action.status == "requires_action" and action.client_secret == "pi_1_secret_x"
    declined = intent_outcome(
        {
            "id": "pi_1",
            "status": "requires_payment_method",
            "last_payment_error": {
                "code": "card_declined",
                "decline_code": "insufficient_funds",
                "message": "Stripe's own text",
            },
        }  # fmt: skip
    )
    assert declined.status == "declined" and declined.reason == "insufficient_funds"
    assert declined.message == DECLINE_REASONS["insufficient_funds"] and "Stripe" not in declined.message


def test_overdue_means_open_with_money_left_and_a_failed_attempt_or_past_due_date():
    base = {"status": "open", "amount_remaining": 1500, "attempt_count": 0, "due_date": None}
    assert not is_overdue(base, NOW)
    assert is_overdue(base | {"attempt_count": 1}, NOW)
    assert is_overdue(base | {"due_date": NOW - 1}, NOW)
    assert not is_overdue(base | {"due_date": NOW + 86400}, NOW)
    assert not is_overdue(base | {"attempt_count": 1, "status": "paid"}, NOW)
    assert not is_overdue(base | {"attempt_count": 1, "amount_remaining": 0}, NOW)
