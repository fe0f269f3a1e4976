"""Setup intents: confirm outcomes by card, 3-D Secure helper, publishable-key access, cancel."""

from __future__ import annotations

import httpx
import pytest
import stripe
from stripe_emulator import EmulatorServer


@pytest.fixture
def customer(stripe_client: stripe.StripeClient) -> stripe.Customer:
    return stripe_client.v1.customers.create(params={"email": "si@x.test"})


def _types(client: stripe.StripeClient) -> list[str]:
    return [e.type for e in client.v1.events.list(params={"limit": 100}).data][::-1]  # type: ignore[return-value]


def test_ok_card_succeeds_and_attaches(stripe_client: stripe.StripeClient, customer: stripe.Customer) -> None:
    si = stripe_client.v1.setup_intents.create(params={"customer": customer.id})
    assert si.status == "requires_payment_method" and si.usage == "off_session"
    assert si.client_secret is not None and si.client_secret.startswith(f"{si.id}_secret_")
    done = stripe_client.v1.setup_intents.confirm(si.id, params={"payment_method": "pm_card_visa"})
    assert done.status == "succeeded" and isinstance(done.payment_method, str)
    pm = stripe_client.v1.payment_methods.retrieve(done.payment_method)
    assert pm.customer == customer.id
    assert _types(stripe_client)[-3:] == ["setup_intent.created", "payment_method.attached", "setup_intent.succeeded"]


def test_create_with_confirm(stripe_client: stripe.StripeClient, customer: stripe.Customer) -> None:
    si = stripe_client.v1.setup_intents.create(
        params={"customer": customer.id, "payment_method": "pm_card_chargeCustomerFail", "confirm": True}
    )
    assert si.status == "succeeded"


@pytest.mark.parametrize("token", ["pm_card_authenticationRequired", "pm_card_authenticationRequiredOnSetup"])
def test_3ds_requires_action_then_approve(
    stripe_emulator: EmulatorServer, stripe_client: stripe.StripeClient, customer: stripe.Customer, token: str
) -> None:
    si = stripe_client.v1.setup_intents.create(params={"customer": customer.id})
    pending = stripe_client.v1.setup_intents.confirm(si.id, params={"payment_method": token})
    assert pending.status == "requires_action" and pending.next_action is not None
    assert pending.next_action.type == "use_stripe_sdk" and pending.next_action.use_stripe_sdk is not None
    r = httpx.post(f"{stripe_emulator.api_base}/_emulator/setup_intents/{si.id}/3ds", json={"result": "approve"})
    assert r.status_code == 200 and r.json()["status"] == "succeeded"
    assert stripe_client.v1.customers.payment_methods.list(customer.id).data[0].card.last4 in ("3184", "3155")
    assert "setup_intent.requires_action" in _types(stripe_client)


def test_3ds_redirect_and_fail(
    stripe_emulator: EmulatorServer, stripe_client: stripe.StripeClient, customer: stripe.Customer
) -> None:
    si = stripe_client.v1.setup_intents.create(
        params={
            "customer": customer.id,
            "payment_method": "pm_card_authenticationRequired",
            "confirm": True,
            "return_url": "https://app.example.test/billing?x=1",
        }
    )
    assert si.next_action is not None and si.next_action.type == "redirect_to_url"
    assert si.next_action.redirect_to_url is not None and si.next_action.redirect_to_url.url is not None
    page = httpx.get(si.next_action.redirect_to_url.url)
    assert page.status_code == 200 and "Fail authentication" in page.text
    r = httpx.post(si.next_action.redirect_to_url.url, data={"result": "fail", "redirect": "1"})
    assert r.status_code == 303
    assert r.headers["location"].startswith("https://app.example.test/billing?x=1&setup_intent=")
    assert "redirect_status=failed" in r.headers["location"]
    failed = stripe_client.v1.setup_intents.retrieve(si.id)
    assert failed.status == "requires_payment_method" and failed.payment_method is None
    assert failed.last_setup_error is not None and failed.last_setup_error.code == "setup_intent_authentication_failure"
    assert stripe_client.v1.customers.payment_methods.list(customer.id).data == []


def test_declined_card_answers_402_with_the_setup_intent(
    stripe_client: stripe.StripeClient, customer: stripe.Customer
) -> None:
    si = stripe_client.v1.setup_intents.create(params={"customer": customer.id})
    with pytest.raises(stripe.CardError) as exc:
        stripe_client.v1.setup_intents.confirm(
            si.id, params={"payment_method": "pm_card_chargeDeclinedInsufficientFunds"}
        )
    err = exc.value.error
    assert err is not None and err.decline_code == "insufficient_funds" and err.setup_intent is not None
    assert err.setup_intent.id == si.id and err.setup_intent.status == "requires_payment_method"
    got = stripe_client.v1.setup_intents.retrieve(si.id)
    assert got.last_setup_error is not None and got.last_setup_error.type == "card_error"
    assert "setup_intent.setup_failed" in _types(stripe_client)


def test_publishable_key_needs_client_secret(
    stripe_emulator: EmulatorServer, stripe_client: stripe.StripeClient
) -> None:
    si = stripe_client.v1.setup_intents.create(params={})
    pk = stripe.StripeClient(stripe_emulator.publishable_key, base_addresses={"api": stripe_emulator.api_base})
    got = pk.v1.setup_intents.retrieve(si.id, params={"client_secret": si.client_secret or ""})
    assert got.id == si.id
    with pytest.raises(stripe.InvalidRequestError):
        pk.v1.setup_intents.retrieve(si.id, params={"client_secret": "seti_x_secret_wrong"})
    r = httpx.post(
        f"{stripe_emulator.api_base}/v1/setup_intents/{si.id}/confirm",
        headers={"Authorization": f"Bearer {stripe_emulator.publishable_key}"},
        data={"client_secret": si.client_secret, "payment_method": "pm_card_visa"},
    )
    assert r.status_code == 200 and r.json()["status"] == "succeeded"
    with pytest.raises(stripe.AuthenticationError):
        pk.v1.setup_intents.create(params={})


def test_a_canceled_setup_intent_keeps_its_reason_and_cannot_be_confirmed(stripe_client: stripe.StripeClient) -> None:
    si = stripe_client.v1.setup_intents.create(params={})
    canceled = stripe_client.v1.setup_intents.cancel(si.id, params={"cancellation_reason": "abandoned"})
    assert canceled.status == "canceled" and canceled.cancellation_reason == "abandoned"
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.setup_intents.confirm(si.id, params={"payment_method": "pm_card_visa"})
