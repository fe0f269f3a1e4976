"""POST /billing/customer-session: a CustomerSession for PaymentSheet, CustomerSheet and the Payment Element, with
the features the server decides, through Mangum with moto and the Stripe emulator."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from billing_core.audit import AuditLog
from payment_methods_setup import attach, call, mapped_customer, price, subscribe

from tests.helpers import aws as h

PATH = "/billing/customer-session"


def _session(handler: Any, sub: str, component: str, **kw: Any) -> dict[str, Any]:
    return call(handler, "POST", PATH, sub, body={"component": component}, **kw)


def _saved_cards_in_the_payment_element(emulator: Any, secret: str) -> dict[str, Any]:
    """What Stripe.js reads with ``elements({customerSessionClientSecret})`` (the emulator's stand-in endpoint)."""
    response = httpx.get(
        f"{emulator.api_base}/_emulator/customer_sessions/payment_methods",
        params={"customer_session_client_secret": secret},
        headers={"Authorization": f"Bearer {emulator.publishable_key}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_first_session_creates_the_customer_and_answers_what_paymentsheet_needs(
    pm_handler, stripe_env, stripe_emulator, stripe_client
):
    resp = _session(pm_handler, stripe_env.user_sub, "mobile_payment_element", key=None)
    assert resp["statusCode"] == 200, resp["body"]
    body = resp["json"]
    mapping = h.get_item(f"ACCOUNT#p_{stripe_env.user_sub}", "CUSTOMER")
    assert body["customer"] == mapping["customer_id"]["S"]
    assert body["component"] == "mobile_payment_element"
    assert body["customer_session_client_secret"].startswith("cuss_secret_")
    assert body["publishable_key"] == stripe_emulator.publishable_key
    assert body["expires_at"] > 0
    # Nothing bills yet: the sheet may save, show and remove cards.
    assert body["features"] == {"save": True, "remove": True, "redisplay": True}
    assert body["remove_blocked_by"] is None
    assert stripe_client.v1.customers.retrieve(body["customer"]).email == stripe_env.user_email


@pytest.mark.parametrize(
    ("component", "features"),
    [
        ("mobile_payment_element", {"save": True, "remove": False, "redisplay": True}),
        ("customer_sheet", {"save": True, "remove": False, "redisplay": True}),
        ("payment_element", {"save": False, "remove": False, "redisplay": True}),
    ],
)
def test_removing_is_not_offered_while_a_live_subscription_has_a_default_card(
    pm_handler, stripe_env, stripe_client, component, features
):
    """A10: Stripe's remove switch covers every card, so none is removable in the SDK while one pays."""
    customer = mapped_customer(stripe_client, stripe_env.user_sub)
    attach(stripe_client, customer.id, default=True)
    subscribe(stripe_client, customer.id, price(stripe_client).id)
    resp = _session(pm_handler, stripe_env.user_sub, component)
    assert resp["statusCode"] == 200, resp["body"]
    assert resp["json"]["features"] == features
    assert resp["json"]["remove_blocked_by"] == "default_payment_method_in_use"


def test_removing_is_offered_again_once_the_subscription_ended(pm_handler, stripe_env, stripe_client):
    customer = mapped_customer(stripe_client, stripe_env.user_sub)
    attach(stripe_client, customer.id, default=True)
    sub = subscribe(stripe_client, customer.id, price(stripe_client).id)
    stripe_client.v1.subscriptions.cancel(sub.id)
    resp = _session(pm_handler, stripe_env.user_sub, "customer_sheet")
    assert resp["json"]["features"]["remove"] is True and resp["json"]["remove_blocked_by"] is None


def test_payment_element_session_shows_the_saved_cards(pm_handler, stripe_env, stripe_emulator, stripe_client):
    customer = mapped_customer(stripe_client, stripe_env.user_sub)
    attach(stripe_client, customer.id, "pm_card_visa", default=True)
    attach(stripe_client, customer.id, "pm_card_mastercard")
    resp = _session(pm_handler, stripe_env.user_sub, "payment_element")
    assert resp["statusCode"] == 200, resp["body"]
    shown = _saved_cards_in_the_payment_element(stripe_emulator, resp["json"]["customer_session_client_secret"])
    assert sorted(pm["card"]["last4"] for pm in shown["data"]) == ["4242", "4444"]


@pytest.mark.parametrize(
    "body",
    [{"component": "payment_sheet"}, {}, {"component": "customer_sheet", "customer": "cus_other"}],
    ids=["unknown_component", "no_component", "names_a_customer"],
)
def test_bad_input_is_422_and_creates_nothing(pm_handler, stripe_env, body):
    """A10: the client names only the component, never the customer or the features."""
    resp = call(pm_handler, "POST", PATH, stripe_env.user_sub, body=body)
    assert resp["statusCode"] == 422, resp["body"]
    assert h.get_item(f"ACCOUNT#p_{stripe_env.user_sub}", "CUSTOMER") is None


def test_a_deleted_customer_is_409_customer_gone(pm_handler, stripe_env, stripe_client):
    customer = mapped_customer(stripe_client, stripe_env.user_sub)
    stripe_client.v1.customers.delete(customer.id)
    resp = _session(pm_handler, stripe_env.user_sub, "customer_sheet")
    assert resp["statusCode"] == 409 and resp["json"]["error"]["code"] == "customer_gone"


def test_the_same_key_answers_the_same_session_and_the_secret_is_never_logged(
    pm_handler, stripe_env, stripe_client, capsys
):
    mapped_customer(stripe_client, stripe_env.user_sub)
    first = _session(pm_handler, stripe_env.user_sub, "customer_sheet", key="k-cuss")
    second = _session(pm_handler, stripe_env.user_sub, "customer_sheet", key="k-cuss")
    secret = first["json"]["customer_session_client_secret"]
    assert second["json"]["customer_session_client_secret"] == secret
    assert secret not in capsys.readouterr().out
    entry = AuditLog().entries(f"p_{stripe_env.user_sub}")[0]
    assert entry["action"] == "payment_method.customer_session" and secret not in str(entry)
