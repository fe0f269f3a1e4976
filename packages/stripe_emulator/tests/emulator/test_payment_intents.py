# mypy: disable-error-code="union-attr, arg-type, index, typeddict-unknown-key, typeddict-item"
"""Payment intents: card behaviours, publishable-key retrieval/confirmation, 3-D Secure helper, cancel, list."""

from __future__ import annotations

import httpx
import pytest
import stripe


def _customer_with(client: stripe.StripeClient, card: str):
    cus = client.v1.customers.create({})
    return cus, client.v1.payment_methods.attach(card, {"customer": cus.id})


@pytest.mark.parametrize(
    ("card", "code", "decline"),
    [
        ("pm_card_chargeCustomerFail", "card_declined", "generic_decline"),
        ("pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card"),
    ],
)
def test_declined_cards_fail_with_their_code_and_leave_the_intent_awaiting_a_card(
    stripe_client, card, code, decline
) -> None:
    if card == "pm_card_chargeCustomerFail":
        cus, pm = _customer_with(stripe_client, card)
        params = {"customer": cus.id, "payment_method": pm.id}
    else:
        params = {"payment_method": card}
    with pytest.raises(stripe.CardError) as err:
        stripe_client.v1.payment_intents.create({"amount": 1000, "currency": "usd", "confirm": True, **params})
    assert err.value.code == code and err.value.error.decline_code == decline
    pi = stripe_client.v1.payment_intents.list({"limit": 1}).data[0]
    assert pi.status == "requires_payment_method" and pi.last_payment_error.type == "card_error"


def test_success_has_latest_charge(stripe_client) -> None:
    pi = stripe_client.v1.payment_intents.create(
        {
            "amount": 1500,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "expand": ["latest_charge"],
        }
    )
    assert pi.status == "succeeded" and pi.amount_received == 1500 and pi.latest_charge.paid


def test_3ds_with_publishable_key_and_helper(stripe_client, stripe_emulator) -> None:
    cus, pm = _customer_with(stripe_client, "pm_card_authenticationRequired")
    pi = stripe_client.v1.payment_intents.create({"amount": 2000, "currency": "usd", "customer": cus.id})
    pk = stripe.StripeClient(stripe_emulator.publishable_key, base_addresses={"api": stripe_emulator.api_base})
    with pytest.raises(stripe.InvalidRequestError):
        pk.v1.payment_intents.retrieve(pi.id)
    got = pk.v1.payment_intents.retrieve(pi.id, {"client_secret": pi.client_secret})
    assert got.id == pi.id
    pi = pk.v1.payment_intents.confirm(
        pi.id,
        {
            "client_secret": pi.client_secret,
            "payment_method": pm.id,
        },
    )
    assert pi.status == "requires_action" and pi.next_action.type == "use_stripe_sdk"
    r = httpx.post(f"{stripe_emulator.api_base}/_emulator/payment_intents/{pi.id}/3ds", data={"result": "fail"})
    assert r.json()["status"] == "requires_payment_method"
    pi = stripe_client.v1.payment_intents.confirm(pi.id, {"payment_method": pm.id})
    r = httpx.post(f"{stripe_emulator.api_base}/_emulator/payment_intents/{pi.id}/3ds", data={"result": "approve"})
    assert r.json()["status"] == "succeeded"


def test_a_canceled_payment_intent_cannot_be_canceled_again(stripe_client) -> None:
    pi = stripe_client.v1.payment_intents.create({"amount": 999, "currency": "usd"})
    pi = stripe_client.v1.payment_intents.cancel(pi.id)
    assert pi.status == "canceled" and pi.canceled_at
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.payment_intents.cancel(pi.id)
