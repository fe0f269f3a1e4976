"""E5: the ``payment`` step of subscribe and plan change: present, with the invoice's confirmation secret and the
PaymentIntent status, when and only when the customer must act (3-D Secure test cards, or no card at all)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.plan_change.plan_change_setup import World

THREE_D_SECURE = ["pm_card_threeDSecure2Required", "pm_card_authenticationRequired"]


def _invoice_secret(world: World, invoice_id: str) -> str:
    invoice = world.stripe.v1.invoices.retrieve(invoice_id, params={"expand": ["confirmation_secret"]})
    return str(invoice.confirmation_secret.client_secret)


def _assert_step(world: World, payment: dict[str, Any], status: str) -> None:
    assert payment["status"] == status and payment["payment_intent_status"] == status
    assert payment["client_secret"] == _invoice_secret(world, payment["invoice"])
    assert payment["payment_intent"] and payment["client_secret"].startswith(payment["payment_intent"] + "_secret_")
    assert payment["publishable_key"] == world.emulator.publishable_key
    intent = world.stripe.v1.payment_intents.retrieve(payment["payment_intent"])
    assert intent.status == status


@pytest.mark.parametrize("card", THREE_D_SECURE)
def test_subscribe_with_a_3ds_card_answers_the_step_with_the_invoices_confirmation_secret(
    world: World, card: str
) -> None:
    world.customer(world.sub_a, card=card)
    response = world.call("POST", "/billing/subscription", body={"price_lookup_key": "business_seat_monthly"})
    assert response["statusCode"] == 200, response["body"]
    body = response["json"]
    assert body["status"] == "requires_action"
    _assert_step(world, body["payment"], "requires_action")
    assert body["payment"]["payment_method"]


def test_subscribe_without_a_card_answers_a_step_to_collect_one(world: World) -> None:
    world.customer(world.sub_a, card=None)
    response = world.call("POST", "/billing/subscription", body={"price_lookup_key": "business_seat_monthly"})
    assert response["statusCode"] == 200, response["body"]
    assert response["json"]["status"] == "requires_payment_method"
    _assert_step(world, response["json"]["payment"], "requires_payment_method")
    assert response["json"]["payment"]["payment_method"] is None


def test_subscribe_paid_at_once_or_in_a_trial_answers_no_step(world: World) -> None:
    world.customer(world.sub_a, card="pm_card_visa")
    paid = world.call("POST", "/billing/subscription", body={"price_lookup_key": "business_seat_monthly"})
    assert paid["statusCode"] == 200, paid["body"]
    assert paid["json"]["status"] == "active" and paid["json"]["payment"] is None


def test_subscribe_in_a_trial_answers_no_step(world: World) -> None:
    world.customer(world.sub_a, card="pm_card_threeDSecure2Required")
    trial = world.call("POST", "/billing/subscription", body={"price_lookup_key": "pro_monthly"})
    assert trial["statusCode"] == 200, trial["body"]
    assert trial["json"]["status"] == "trialing" and trial["json"]["payment"] is None


@pytest.mark.parametrize("card", THREE_D_SECURE)
def test_an_upgrade_charged_to_a_3ds_card_answers_the_step(world: World, card: str) -> None:
    _, cus, _, _ = world.user_on("starter_monthly", days_in=8)
    world.attach(cus, card)
    response = world.change(world.preview("pro_monthly")["preview_id"])
    assert response["statusCode"] == 200, response["body"]
    assert response["json"]["status"] == "requires_action"
    _assert_step(world, response["json"]["payment"], "requires_action")
    assert response["json"]["payment"]["invoice"] == response["json"]["invoice_id"]


def test_an_upgrade_paid_at_once_answers_no_step(world: World) -> None:
    world.user_on("starter_monthly", days_in=8)
    response = world.change(world.preview("pro_monthly")["preview_id"])
    assert response["statusCode"] == 200, response["body"]
    assert response["json"]["status"] == "applied" and response["json"]["payment"] is None
