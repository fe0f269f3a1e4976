"""payment_methods routes through Mangum with payload-2.0 events, moto and the Stripe emulator."""

import time

import pytest
from billing_core.audit import AuditLog
from payment_methods_setup import (
    approve_3ds,
    attach,
    call,
    event_count,
    mapped_customer,
    past_due_customer,
    price,
    subscribe,
)

from tests.helpers import aws as h


@pytest.fixture
def customer(stripe_env, stripe_client):
    return mapped_customer(stripe_client, stripe_env.user_sub)


@pytest.fixture
def other_customer(stripe_env, stripe_client):
    """User B with a card, an open invoice and a tax id."""
    cus = mapped_customer(stripe_client, "user-b")
    pm = attach(stripe_client, cus.id, default=True)
    return cus, pm


# --- setup intent -------------------------------------------------------------------------------------------------
def test_setup_intent_provisions_the_customer_and_returns_what_stripe_js_needs(
    pm_handler, stripe_env, stripe_emulator, stripe_client
):
    resp = call(pm_handler, "POST", "/billing/payment-methods/setup-intent", stripe_env.user_sub, key=None)
    assert resp["statusCode"] == 200, resp["body"]
    body = resp["json"]
    assert body["client_secret"].startswith(body["setup_intent"] + "_secret_")
    assert body["publishable_key"] == stripe_emulator.publishable_key and body["usage"] == "off_session"
    mapping = h.get_item(f"ACCOUNT#p_{stripe_env.user_sub}", "CUSTOMER")
    seti = stripe_client.v1.setup_intents.retrieve(body["setup_intent"])
    assert seti.customer == mapping["customer_id"]["S"] and seti.usage == "off_session"
    assert stripe_client.v1.customers.retrieve(seti.customer).email == stripe_env.user_email


def test_setup_intent_with_the_same_key_returns_the_same_intent(pm_handler, stripe_env, customer):
    first = call(pm_handler, "POST", "/billing/payment-methods/setup-intent", stripe_env.user_sub, key="k-seti")
    second = call(pm_handler, "POST", "/billing/payment-methods/setup-intent", stripe_env.user_sub, key="k-seti")
    assert first["json"]["setup_intent"] == second["json"]["setup_intent"]


def test_setup_intent_log_never_carries_the_client_secret(pm_handler, stripe_env, customer, capsys):
    resp = call(pm_handler, "POST", "/billing/payment-methods/setup-intent", stripe_env.user_sub)
    out = capsys.readouterr().out
    assert resp["json"]["client_secret"] not in out and "_secret_" not in out


# --- A3: foreign objects are 404 with no write ------------------------------------------------------------------------
def test_a3_foreign_payment_method_default_is_404_without_writes(
    pm_handler, stripe_env, customer, other_customer, stripe_emulator, stripe_client
):
    _, foreign_pm = other_customer
    events = event_count(stripe_emulator)
    resp = call(pm_handler, "POST", f"/billing/payment-methods/{foreign_pm.id}/default", stripe_env.user_sub)
    assert resp["statusCode"] == 404 and resp["json"]["error"]["code"] == "not_found"
    assert event_count(stripe_emulator) == events
    assert stripe_client.v1.customers.retrieve(customer.id).invoice_settings.default_payment_method is None
    entry = AuditLog().entries(f"p_{stripe_env.user_sub}")[0]
    assert entry["action"] == "payment_method.default" and entry["outcome"] == "denied"


def test_a3_foreign_payment_method_delete_is_404_and_stays_attached(
    pm_handler, stripe_env, customer, other_customer, stripe_emulator, stripe_client
):
    other, foreign_pm = other_customer
    events = event_count(stripe_emulator)
    resp = call(pm_handler, "DELETE", f"/billing/payment-methods/{foreign_pm.id}", stripe_env.user_sub)
    assert resp["statusCode"] == 404
    assert event_count(stripe_emulator) == events
    assert stripe_client.v1.payment_methods.retrieve(foreign_pm.id).customer == other.id


def test_a3_test_token_is_not_a_saved_card(pm_handler, stripe_env, customer, stripe_emulator):
    resp = call(pm_handler, "POST", "/billing/payment-methods/pm_card_visa/default", stripe_env.user_sub)
    assert resp["statusCode"] == 404


def test_a3_foreign_invoice_pay_is_404_without_a_charge(
    pm_handler, stripe_env, customer, other_customer, stripe_emulator, stripe_client
):
    other, _ = other_customer
    invoice = stripe_client.v1.invoices.create(params={"customer": other.id})
    stripe_client.v1.invoice_items.create(params={"customer": other.id, "invoice": invoice.id, "amount": 900,
                                                 "currency": "usd"})  # fmt: skip
    stripe_client.v1.invoices.finalize_invoice(invoice.id)
    events = event_count(stripe_emulator)
    resp = call(pm_handler, "POST", f"/billing/invoices/{invoice.id}/pay", stripe_env.user_sub)
    assert resp["statusCode"] == 404
    assert event_count(stripe_emulator) == events
    assert stripe_client.v1.invoices.retrieve(invoice.id).status == "open"


def test_a3_paying_own_invoice_with_a_foreign_card_is_404(
    pm_handler, stripe_env, stripe_emulator, stripe_client, other_customer
):
    _, foreign_pm = other_customer
    _, _, _, invoice = past_due_customer(stripe_client, stripe_env.user_sub)
    events = event_count(stripe_emulator)
    resp = call(
        pm_handler,
        "POST",
        f"/billing/invoices/{invoice.id}/pay",
        stripe_env.user_sub,
        body={"payment_method": foreign_pm.id},
    )
    assert resp["statusCode"] == 404 and event_count(stripe_emulator) == events


def test_a3_user_without_a_customer_gets_404(pm_handler, stripe_env, other_customer):
    _, foreign_pm = other_customer
    resp = call(pm_handler, "DELETE", f"/billing/payment-methods/{foreign_pm.id}", "user-new")
    assert resp["statusCode"] == 404


# --- B8: Idempotency-Key ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/billing/payment-methods/pm_123/default"),
        ("DELETE", "/billing/payment-methods/pm_123"),
        ("POST", "/billing/invoices/in_123/pay"),
    ],
)
@pytest.mark.parametrize("key", [None, "k" * 256, "bad\x01key", "with space"])
def test_b8_idempotency_key_missing_too_long_or_with_control_characters_is_400(
    pm_handler, stripe_env, stripe_emulator, method, path, key
):
    events = event_count(stripe_emulator)
    resp = call(pm_handler, method, path, stripe_env.user_sub, key=key)
    assert resp["statusCode"] == 400, resp["body"]
    assert resp["json"]["error"]["code"] in {"idempotency_key_missing", "idempotency_key_invalid"}
    assert event_count(stripe_emulator) == events


def test_b8_malformed_ids_are_422(pm_handler, stripe_env):
    assert call(pm_handler, "POST", "/billing/payment-methods/cus_1/default", stripe_env.user_sub)["statusCode"] == 422
    resp = call(pm_handler, "POST", "/billing/invoices/in_1/pay", stripe_env.user_sub, body={"customer": "cus_x"})
    assert resp["statusCode"] == 422


# --- default --------------------------------------------------------------------------------------------------------
def test_default_updates_customer_and_billing_subscriptions(pm_handler, stripe_env, customer, stripe_client):
    old = attach(stripe_client, customer.id, default=True)
    subscription = subscribe(stripe_client, customer.id, price(stripe_client).id)
    new = attach(stripe_client, customer.id, "pm_card_mastercard")
    resp = call(pm_handler, "POST", f"/billing/payment-methods/{new.id}/default", stripe_env.user_sub)
    assert resp["statusCode"] == 200, resp["body"]
    assert resp["json"]["subscriptions_updated"] == [subscription.id]
    assert resp["json"]["overdue_invoices"] == []
    assert resp["json"]["default_payment_method"]["brand"] == "mastercard"
    assert stripe_client.v1.customers.retrieve(customer.id).invoice_settings.default_payment_method == new.id
    assert stripe_client.v1.subscriptions.retrieve(subscription.id).default_payment_method == new.id
    entry = AuditLog().entries(f"p_{stripe_env.user_sub}")[0]
    assert entry["before"] == {"default_payment_method": old.id}
    assert set(entry["after"]) == {"payment_method", "brand", "last4", "subscriptions", "invoices"}


def test_expired_card_cannot_become_the_default(pm_handler, stripe_env, customer, stripe_client, stripe_emulator):
    pm = attach(stripe_client, customer.id)
    with stripe_emulator.backend.lock:
        stripe_emulator.backend.objects[pm.id]["card"]["exp_year"] = time.gmtime().tm_year - 1
    resp = call(pm_handler, "POST", f"/billing/payment-methods/{pm.id}/default", stripe_env.user_sub)
    assert resp["statusCode"] == 409 and resp["json"]["error"]["code"] == "payment_method_not_chargeable"
    assert stripe_client.v1.customers.retrieve(customer.id).invoice_settings.default_payment_method is None


def test_d2_default_retried_with_the_same_key_replays_and_writes_once(
    pm_handler, stripe_env, stripe_emulator, stripe_client
):
    customer, _, _, invoice = past_due_customer(stripe_client, stripe_env.user_sub)
    new = attach(stripe_client, customer.id, "pm_card_visa")
    first = call(pm_handler, "POST", f"/billing/payment-methods/{new.id}/default", stripe_env.user_sub, key="k-1")
    events = event_count(stripe_emulator)
    second = call(pm_handler, "POST", f"/billing/payment-methods/{new.id}/default", stripe_env.user_sub, key="k-1")
    assert first["statusCode"] == second["statusCode"] == 200
    assert first["json"] == second["json"] and first["json"]["overdue_invoices"][0]["status"] == "paid"
    assert event_count(stripe_emulator) == events  # the replay made no Stripe write
    charges = [c for c in stripe_emulator.backend.all("charge") if c["customer"] == customer.id and c["paid"]]
    assert len(charges) == 2  # the first period and the overdue invoice: one recovery charge
    other = call(pm_handler, "POST", f"/billing/payment-methods/{new.id}/default", stripe_env.user_sub, key="k-1",
                 headers={})  # fmt: skip
    assert other["json"] == first["json"]
    assert stripe_client.v1.invoices.retrieve(invoice.id).status == "paid"


def test_d2_same_key_for_another_card_is_422(pm_handler, stripe_env, customer, stripe_client):
    a = attach(stripe_client, customer.id)
    b = attach(stripe_client, customer.id, "pm_card_mastercard")
    assert call(pm_handler, "POST", f"/billing/payment-methods/{a.id}/default", stripe_env.user_sub,
                key="k-2")["statusCode"] == 200  # fmt: skip
    resp = call(pm_handler, "POST", f"/billing/payment-methods/{b.id}/default", stripe_env.user_sub, key="k-2")
    assert resp["statusCode"] == 422 and resp["json"]["error"]["code"] == "idempotency_key_reused"


def test_e4_declining_new_default_reports_a_safe_reason_and_leaves_the_invoice_open(
    pm_handler, stripe_env, stripe_client, capsys
):
    customer, _, subscription, invoice = past_due_customer(stripe_client, stripe_env.user_sub)
    failing = attach(stripe_client, customer.id, "pm_card_chargeCustomerFail")
    resp = call(pm_handler, "POST", f"/billing/payment-methods/{failing.id}/default", stripe_env.user_sub)
    assert resp["statusCode"] == 200, resp["body"]
    outcome = resp["json"]["overdue_invoices"][0]
    assert outcome["status"] == "declined" and outcome["reason"] == "card_declined"
    assert "declined" in outcome["message"] and outcome["client_secret"] is None
    assert stripe_client.v1.invoices.retrieve(invoice.id).status == "open"
    assert stripe_client.v1.subscriptions.retrieve(subscription.id).status == "past_due"
    out = capsys.readouterr().out
    assert "4000000000000341" not in out and '"fingerprint"' not in out


def test_e5_three_d_secure_returns_what_stripe_js_needs_and_pays_after_authentication(
    pm_handler, stripe_env, stripe_emulator, stripe_client
):
    customer, _, subscription, invoice = past_due_customer(stripe_client, stripe_env.user_sub)
    card = attach(stripe_client, customer.id, "pm_card_authenticationRequired")
    resp = call(pm_handler, "POST", f"/billing/payment-methods/{card.id}/default", stripe_env.user_sub)
    assert resp["statusCode"] == 200, resp["body"]
    outcome = resp["json"]["overdue_invoices"][0]
    assert outcome["status"] == "requires_action"
    assert outcome["client_secret"].startswith(outcome["payment_intent"] + "_secret_")
    assert outcome["publishable_key"] == stripe_emulator.publishable_key
    # Not paid until the user authenticates (the subscription stays past due).
    assert stripe_client.v1.subscriptions.retrieve(subscription.id).status == "past_due"
    approve_3ds(stripe_emulator.api_base, outcome["payment_intent"])
    assert stripe_client.v1.invoices.retrieve(invoice.id).status == "paid"
    assert stripe_client.v1.subscriptions.retrieve(subscription.id).status == "active"


# --- delete ---------------------------------------------------------------------------------------------------------
def test_removing_the_default_card_of_an_active_subscription_is_409(
    pm_handler, stripe_env, customer, stripe_client, stripe_emulator
):
    pm = attach(stripe_client, customer.id, default=True)
    subscribe(stripe_client, customer.id, price(stripe_client).id)
    resp = call(pm_handler, "DELETE", f"/billing/payment-methods/{pm.id}", stripe_env.user_sub)
    assert resp["statusCode"] == 409 and resp["json"]["error"]["code"] == "default_payment_method_in_use"
    assert "default" in resp["json"]["error"]["message"]
    assert stripe_client.v1.payment_methods.retrieve(pm.id).customer == customer.id


def test_removing_a_card_that_is_not_the_default(pm_handler, stripe_env, customer, stripe_client):
    attach(stripe_client, customer.id, default=True)
    subscribe(stripe_client, customer.id, price(stripe_client).id)
    spare = attach(stripe_client, customer.id, "pm_card_amex")
    resp = call(pm_handler, "DELETE", f"/billing/payment-methods/{spare.id}", stripe_env.user_sub, key="k-del")
    assert resp["statusCode"] == 200, resp["body"]
    assert resp["json"]["removed"]["id"] == spare.id and resp["json"]["removed"]["last4"] == "0005"
    assert stripe_client.v1.payment_methods.retrieve(spare.id).customer is None
    replay = call(pm_handler, "DELETE", f"/billing/payment-methods/{spare.id}", stripe_env.user_sub, key="k-del")
    assert replay["statusCode"] == 200 and replay["json"] == resp["json"]
    entry = AuditLog().entries(f"p_{stripe_env.user_sub}")[0]
    assert entry["action"] == "payment_method.remove" and entry["before"]["last4"] == "0005"


def test_removing_the_default_card_without_a_billing_subscription_is_allowed(
    pm_handler, stripe_env, customer, stripe_client
):
    pm = attach(stripe_client, customer.id, default=True)
    resp = call(pm_handler, "DELETE", f"/billing/payment-methods/{pm.id}", stripe_env.user_sub)
    assert resp["statusCode"] == 200, resp["body"]
    assert stripe_client.v1.customers.retrieve(customer.id).invoice_settings.default_payment_method is None


# --- pay ------------------------------------------------------------------------------------------------------------
def test_pay_invoice_with_another_saved_card(pm_handler, stripe_env, stripe_client):
    customer, _, subscription, invoice = past_due_customer(stripe_client, stripe_env.user_sub)
    other = attach(stripe_client, customer.id, "pm_card_mastercard")
    resp = call(pm_handler, "POST", f"/billing/invoices/{invoice.id}/pay", stripe_env.user_sub,
                body={"payment_method": other.id})  # fmt: skip
    assert resp["statusCode"] == 200, resp["body"]
    assert resp["json"]["status"] == "paid" and resp["json"]["invoice"] == invoice.id
    assert stripe_client.v1.subscriptions.retrieve(subscription.id).status == "active"
    entry = AuditLog().entries(f"p_{stripe_env.user_sub}")[0]
    assert entry["action"] == "invoice.pay" and entry["after"]["last4"] == "4444"
    again = call(pm_handler, "POST", f"/billing/invoices/{invoice.id}/pay", stripe_env.user_sub)
    assert again["statusCode"] == 409 and again["json"]["error"]["code"] == "invoice_already_paid"


def test_e4_pay_invoice_with_the_declining_default_card_is_402_with_a_safe_reason(
    pm_handler, stripe_env, stripe_client
):
    _, _, subscription, invoice = past_due_customer(stripe_client, stripe_env.user_sub)
    resp = call(pm_handler, "POST", f"/billing/invoices/{invoice.id}/pay", stripe_env.user_sub)
    assert resp["statusCode"] == 402
    assert resp["json"]["error"]["code"] == "card_declined"
    assert "Your card was declined" in resp["json"]["error"]["message"]
    assert stripe_client.v1.invoices.retrieve(invoice.id).status == "open"
    assert stripe_client.v1.subscriptions.retrieve(subscription.id).status == "past_due"
    entry = AuditLog().entries(f"p_{stripe_env.user_sub}")[0]
    assert entry["action"] == "invoice.pay" and entry["outcome"] == "declined"


def test_e5_pay_invoice_with_a_3ds_card_returns_the_client_secret(pm_handler, stripe_env, stripe_client):
    customer, _, _, invoice = past_due_customer(stripe_client, stripe_env.user_sub)
    card = attach(stripe_client, customer.id, "pm_card_authenticationRequired")
    resp = call(pm_handler, "POST", f"/billing/invoices/{invoice.id}/pay", stripe_env.user_sub,
                body={"payment_method": card.id})  # fmt: skip
    assert resp["statusCode"] == 200, resp["body"]
    assert resp["json"]["status"] == "requires_action" and resp["json"]["client_secret"]
    assert stripe_client.v1.invoices.retrieve(invoice.id).status == "open"


def test_pay_without_a_default_card_is_409(pm_handler, stripe_env, customer, stripe_client):
    invoice = stripe_client.v1.invoices.create(params={"customer": customer.id})
    stripe_client.v1.invoice_items.create(params={"customer": customer.id, "invoice": invoice.id, "amount": 900,
                                                 "currency": "usd"})  # fmt: skip
    stripe_client.v1.invoices.finalize_invoice(invoice.id)
    resp = call(pm_handler, "POST", f"/billing/invoices/{invoice.id}/pay", stripe_env.user_sub)
    assert resp["statusCode"] == 409 and resp["json"]["error"]["code"] == "no_default_payment_method"
