"""Payment methods: test tokens cloned into pm_ objects, attach / detach rules, listing, update."""

from __future__ import annotations

import time

import pytest
import stripe
from stripe_emulator import EmulatorServer


@pytest.fixture
def customer(stripe_client: stripe.StripeClient) -> stripe.Customer:
    return stripe_client.v1.customers.create(params={"email": "pm@x.test"})


@pytest.mark.parametrize(
    ("token", "brand", "last4", "behaviour"),
    [
        ("pm_card_visa", "visa", "4242", "ok"),
        ("pm_card_mastercard", "mastercard", "4444", "ok"),
        ("pm_card_amex", "amex", "0005", "ok"),
        ("pm_card_chargeCustomerFail", "visa", "0341", "fail_charge"),
        ("pm_card_authenticationRequired", "visa", "3184", "3ds"),
        ("pm_card_authenticationRequiredOnSetup", "visa", "3155", "3ds_setup"),
        ("pm_card_threeDSecure2Required", "visa", "3220", "3ds"),
    ],
)
def test_tokens_attach_as_new_payment_methods(
    stripe_emulator: EmulatorServer,
    stripe_client: stripe.StripeClient,
    customer: stripe.Customer,
    token: str,
    brand: str,
    last4: str,
    behaviour: str,
) -> None:
    pm = stripe_client.v1.payment_methods.attach(token, params={"customer": customer.id})
    assert pm.id.startswith("pm_") and pm.id != token and pm.customer == customer.id and pm.type == "card"
    card = pm.card
    assert card is not None and card.brand == brand and card.last4 == last4
    assert card.exp_year >= time.gmtime().tm_year + 2 and card.funding == "credit" and card.country == "US"
    assert card.fingerprint and card.networks is not None and card.networks.available == [brand]
    assert card.wallet is None and card.three_d_secure_usage is not None and card.three_d_secure_usage.supported
    assert stripe_emulator.backend.objects[pm.id]["_behaviour"] == behaviour
    assert "_behaviour" not in pm.to_dict()
    evt = stripe_client.v1.events.list(params={"type": "payment_method.attached"}).data[0]
    assert evt.data.object["id"] == pm.id


def test_documented_sequence_declined_card_cannot_be_attached(
    stripe_client: stripe.StripeClient, customer: stripe.Customer
) -> None:
    """Stripe: create a customer, attach pm_card_chargeDeclined -> 402 card_error, decline_code generic_decline."""
    with pytest.raises(stripe.CardError) as exc:
        stripe_client.v1.payment_methods.attach("pm_card_chargeDeclined", params={"customer": customer.id})
    assert exc.value.http_status == 402 and exc.value.code == "card_declined"
    assert exc.value.error is not None and exc.value.error.decline_code == "generic_decline"
    assert stripe_client.v1.customers.payment_methods.list(customer.id).data == []
    assert stripe_client.v1.events.list(params={"type": "payment_method.attached"}).data == []


@pytest.mark.parametrize(
    ("token", "code", "decline_code"),
    [
        ("pm_card_visa_chargeDeclined", "card_declined", "generic_decline"),
        ("pm_card_visa_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"),
        ("pm_card_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"),
        ("pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card"),
        ("pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc", "incorrect_cvc"),
        ("pm_card_chargeDeclinedProcessingError", "processing_error", "processing_error"),
    ],
)
def test_declining_cards_fail_to_attach(
    stripe_client: stripe.StripeClient, customer: stripe.Customer, token: str, code: str, decline_code: str
) -> None:
    with pytest.raises(stripe.CardError) as exc:
        stripe_client.v1.payment_methods.attach(token, params={"customer": customer.id})
    assert exc.value.code == code and exc.value.error is not None and exc.value.error.decline_code == decline_code


def test_expires_next_month_token(stripe_client: stripe.StripeClient, customer: stripe.Customer) -> None:
    pm = stripe_client.v1.payment_methods.attach("pm_card_visa_expiresNextMonth", params={"customer": customer.id})
    now = time.gmtime()
    month = now.tm_mon % 12 + 1
    assert pm.card is not None and (pm.card.exp_month, pm.card.exp_year) == (
        month,
        now.tm_year + (1 if month == 1 else 0),
    )


def test_create_with_card_token_or_number(stripe_client: stripe.StripeClient) -> None:
    pm = stripe_client.v1.payment_methods.create(params={"type": "card", "card": {"token": "tok_mastercard"}})
    assert pm.card is not None and pm.card.last4 == "4444" and pm.customer is None
    num = stripe_client.v1.payment_methods.create(
        params={"type": "card", "card": {"number": "4000000000000341", "exp_month": 12, "exp_year": 2040, "cvc": "1"}}
    )
    assert num.card is not None and num.card.last4 == "0341" and num.card.exp_year == 2040
    with pytest.raises(stripe.CardError):
        stripe_client.v1.payment_methods.create(
            params={"type": "card", "card": {"number": "4111111111111112", "exp_month": 1, "exp_year": 2040}}
        )


def test_attach_rules_and_detach_clears_default(stripe_client: stripe.StripeClient, customer: stripe.Customer) -> None:
    pm = stripe_client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    other = stripe_client.v1.customers.create(params={})
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.payment_methods.attach(pm.id, params={"customer": other.id})
    stripe_client.v1.customers.update(customer.id, params={"invoice_settings": {"default_payment_method": pm.id}})
    detached = stripe_client.v1.payment_methods.detach(pm.id)
    assert detached.customer is None
    assert stripe_client.v1.customers.retrieve(customer.id).invoice_settings.default_payment_method is None
    evt = stripe_client.v1.events.list(params={"type": "payment_method.detached"}).data[0]
    assert evt.data.previous_attributes is not None and evt.data.previous_attributes["customer"] == customer.id
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.payment_methods.detach(pm.id)


def test_list_by_customer_and_type(stripe_client: stripe.StripeClient, customer: stripe.Customer) -> None:
    a = stripe_client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    b = stripe_client.v1.payment_methods.attach("pm_card_amex", params={"customer": customer.id})
    stripe_client.v1.payment_methods.create(params={"type": "card", "card": {"token": "tok_visa"}})
    listed = stripe_client.v1.payment_methods.list(params={"customer": customer.id, "type": "card"}).data
    assert [p.id for p in listed] == [b.id, a.id]
    via_customer = stripe_client.v1.customers.payment_methods.list(customer.id, params={"type": "card"}).data
    assert [p.id for p in via_customer] == [b.id, a.id]
    assert stripe_client.v1.customers.payment_methods.retrieve(customer.id, a.id).id == a.id


def test_update_billing_details_and_expiry(stripe_client: stripe.StripeClient, customer: stripe.Customer) -> None:
    pm = stripe_client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    upd = stripe_client.v1.payment_methods.update(
        pm.id,
        params={
            "billing_details": {"name": "Ada", "address": {"country": "GB"}},
            "card": {"exp_month": 4, "exp_year": 2040},
        },
    )
    assert upd.billing_details.name == "Ada" and upd.billing_details.address is not None
    assert upd.billing_details.address.country == "GB" and upd.billing_details.address.city is None
    assert upd.card is not None and (upd.card.exp_month, upd.card.exp_year) == (4, 2040)
    evt = stripe_client.v1.events.list(params={"type": "payment_method.updated"}).data[0]
    assert evt.data.previous_attributes is not None and "card" in evt.data.previous_attributes
    with pytest.raises(stripe.CardError):
        stripe_client.v1.payment_methods.update(pm.id, params={"card": {"exp_month": 1, "exp_year": 2001}})


def test_detaching_a_card_clears_it_as_subscription_default_and_it_cannot_come_back(
    stripe_client: stripe.StripeClient, customer: stripe.Customer
) -> None:
    """A removed card must not be charged at the next renewal: Stripe unsets it wherever it was the default."""
    pm = stripe_client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    keep = stripe_client.v1.payment_methods.attach("pm_card_mastercard", params={"customer": customer.id})
    stripe_client.v1.customers.update(customer.id, params={"invoice_settings": {"default_payment_method": pm.id}})
    product = stripe_client.v1.products.create(params={"name": "Pro"})
    price = stripe_client.v1.prices.create(
        params={"product": product.id, "unit_amount": 900, "currency": "usd", "recurring": {"interval": "month"}}
    )
    on_card = stripe_client.v1.subscriptions.create(
        params={"customer": customer.id, "items": [{"price": price.id}], "default_payment_method": pm.id}
    )
    on_other = stripe_client.v1.subscriptions.create(
        params={"customer": customer.id, "items": [{"price": price.id}], "default_payment_method": keep.id}
    )
    stripe_client.v1.payment_methods.detach(pm.id)
    assert stripe_client.v1.subscriptions.retrieve(on_card.id).default_payment_method is None
    assert stripe_client.v1.subscriptions.retrieve(on_other.id).default_payment_method == keep.id
    assert stripe_client.v1.customers.retrieve(customer.id).invoice_settings.default_payment_method is None
    updated = [
        e
        for e in stripe_client.v1.events.list(params={"type": "customer.subscription.updated"}).data
        if "default_payment_method" in (e.data.previous_attributes or {})
    ]
    assert [e.data.object["id"] for e in updated] == [on_card.id]
    assert updated[0].data.previous_attributes.to_dict() == {"default_payment_method": pm.id}
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.payment_methods.attach(pm.id, params={"customer": customer.id})
    assert "may not be used again" in exc.value.user_message


def test_radar_block_card_attaches_but_every_charge_is_blocked(
    stripe_client: stripe.StripeClient, stripe_emulator: EmulatorServer, customer: stripe.Customer
) -> None:
    pm = stripe_client.v1.payment_methods.attach("pm_card_radarBlock", params={"customer": customer.id})
    assert pm.customer == customer.id and pm.card is not None and pm.card.last4 == "0019"
    si = stripe_client.v1.setup_intents.create(params={"customer": customer.id})
    assert stripe_client.v1.setup_intents.confirm(si.id, params={"payment_method": "pm_card_radarBlock"}).status == (
        "succeeded"  # Radar scores payments; saving the card works
    )
    with pytest.raises(stripe.CardError) as exc:
        stripe_client.v1.payment_intents.create(
            params={
                "amount": 2000,
                "currency": "usd",
                "customer": customer.id,
                "payment_method": pm.id,
                "confirm": True,
                "off_session": True,
            }
        )
    assert exc.value.http_status == 402 and exc.value.code == "card_declined"
    assert exc.value.error is not None and exc.value.error.decline_code == "fraudulent"
    pi = stripe_client.v1.payment_intents.list(params={"customer": customer.id}).data[0]
    assert pi.status == "requires_payment_method" and pi.last_payment_error is not None
    assert pi.last_payment_error.decline_code == "fraudulent"
    charge = stripe_emulator.backend.objects[str(pi.latest_charge)]  # no /v1/charges route: read the state
    assert charge["status"] == "failed" and charge["outcome"]["type"] == "blocked"
    assert charge["outcome"]["risk_level"] == "highest" and charge["outcome"]["network_status"] == "not_sent_to_network"
