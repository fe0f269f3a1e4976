"""E5: paying an overdue invoice answers the same ``payment`` step as subscribe and plan change: present, with the
invoice's confirmation secret and the PaymentIntent status, when and only when the customer must authenticate."""

from __future__ import annotations

import pytest
from payment_methods_setup import attach, call, past_due_customer

THREE_D_SECURE = ["pm_card_threeDSecure2Required", "pm_card_authenticationRequired"]


@pytest.mark.parametrize("card", THREE_D_SECURE)
def test_paying_with_a_3ds_card_answers_the_step(pm_handler, stripe_env, stripe_emulator, stripe_client, card):
    customer, _, _, invoice = past_due_customer(stripe_client, stripe_env.user_sub)
    pm = attach(stripe_client, customer.id, card)
    resp = call(pm_handler, "POST", f"/billing/invoices/{invoice.id}/pay", stripe_env.user_sub,
                body={"payment_method": pm.id})  # fmt: skip
    assert resp["statusCode"] == 200, resp["body"]
    step = resp["json"]["payment"]
    assert step["status"] == "requires_action" and step["payment_intent_status"] == "requires_action"
    assert step["invoice"] == invoice.id and step["payment_method"] == pm.id
    assert step["publishable_key"] == stripe_emulator.publishable_key
    confirmation = stripe_client.v1.invoices.retrieve(invoice.id, params={"expand": ["confirmation_secret"]})
    assert step["client_secret"] == confirmation.confirmation_secret.client_secret == resp["json"]["client_secret"]
    assert stripe_client.v1.payment_intents.retrieve(step["payment_intent"]).status == "requires_action"


def test_a_new_3ds_default_card_answers_the_step_for_the_overdue_invoice(pm_handler, stripe_env, stripe_client):
    customer, _, _, invoice = past_due_customer(stripe_client, stripe_env.user_sub)
    pm = attach(stripe_client, customer.id, "pm_card_threeDSecure2Required")
    resp = call(pm_handler, "POST", f"/billing/payment-methods/{pm.id}/default", stripe_env.user_sub)
    assert resp["statusCode"] == 200, resp["body"]
    step = resp["json"]["overdue_invoices"][0]["payment"]
    assert step["status"] == "requires_action" and step["invoice"] == invoice.id


def test_paying_with_a_card_that_needs_nothing_answers_no_step(pm_handler, stripe_env, stripe_client):
    customer, _, _, invoice = past_due_customer(stripe_client, stripe_env.user_sub)
    pm = attach(stripe_client, customer.id, "pm_card_visa")
    resp = call(pm_handler, "POST", f"/billing/invoices/{invoice.id}/pay", stripe_env.user_sub,
                body={"payment_method": pm.id})  # fmt: skip
    assert resp["statusCode"] == 200, resp["body"]
    assert resp["json"]["status"] == "paid" and resp["json"]["payment"] is None
