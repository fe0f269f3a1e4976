"""Customer Sessions: the object Stripe answers (endive), its validation, and what Stripe.js reads with its secret."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe
from stripe_emulator import EmulatorServer

from .billing_setup import T0, advance, clock_customer


@pytest.fixture
def customer(stripe_client: stripe.StripeClient) -> stripe.Customer:
    return stripe_client.v1.customers.create(params={"email": "cuss@x.test"})


def _create(client: stripe.StripeClient, params: dict[str, Any]) -> stripe.CustomerSession:
    return client.v1.customer_sessions.create(params=params)  # type: ignore[arg-type]


def test_mobile_session_has_secret_expiry_and_only_given_features(
    stripe_client: stripe.StripeClient, customer: stripe.Customer
) -> None:
    session = _create(
        stripe_client,
        {
            "customer": customer.id,
            "components": {"mobile_payment_element": {"enabled": True, "features": {"payment_method_save": "enabled"}}},
        },
    )
    assert session.client_secret.startswith("cuss_secret_") and len(session.client_secret) == 61
    assert session.customer == customer.id and session.livemode is False
    assert session.expires_at - session.created == 30 * 60
    mobile = session.components.mobile_payment_element
    assert mobile.enabled and mobile.features is not None
    assert mobile.features.payment_method_save == "enabled" and mobile.features.payment_method_remove is None
    others = session.components
    assert not others.customer_sheet.enabled and others.customer_sheet.features is None
    assert not others.pricing_table.enabled and not others.buy_button.enabled
    # The Payment Element's features are never null: Stripe's documented defaults.
    assert others.payment_element.features.payment_method_redisplay == "disabled"
    assert others.payment_element.features.payment_method_allow_redisplay_filters == ["always"]


def test_each_session_gets_a_new_secret(stripe_client: stripe.StripeClient, customer: stripe.Customer) -> None:
    params = {"customer": customer.id, "components": {"customer_sheet": {"enabled": True}}}
    assert _create(stripe_client, params).client_secret != _create(stripe_client, params).client_secret


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"components": {"customer_sheet": {"enabled": True}}}, "customer"),
        ({}, "components"),
        ({"components": {"customer_sheet": {"enabled": False}}}, "components"),
        ({"components": {"customer_sheet": {"features": {"payment_method_remove": "enabled"}}}}, None),
        ({"components": {"customer_sheet": {"enabled": True, "features": {"payment_method_remove": "maybe"}}}}, None),
        (
            {"components": {"payment_element": {"enabled": True, "features": {"payment_method_redisplay_limit": 11}}}},
            None,
        ),
        ({"components": {"payment_sheet": {"enabled": True}}}, None),
    ],
    ids=["no_customer", "no_components", "none_enabled", "no_enabled", "bad_feature_value", "limit_over_10", "unknown"],
)
def test_invalid_params_are_400_with_stripes_error_shape(
    stripe_client: stripe.StripeClient, customer: stripe.Customer, params: dict[str, Any], param: str | None
) -> None:
    if "customer" not in params and param != "customer":
        params = {**params, "customer": customer.id}
    with pytest.raises(stripe.InvalidRequestError) as err:
        _create(stripe_client, params)
    assert err.value.http_status == 400
    assert err.value.error is not None and err.value.error.type == "invalid_request_error"
    if param is not None:
        assert err.value.error.param == param
    else:
        assert str(err.value.error.param).startswith("components[")


def test_unknown_or_deleted_customer_is_404(stripe_client: stripe.StripeClient, customer: stripe.Customer) -> None:
    stripe_client.v1.customers.delete(customer.id)
    for cus in (customer.id, "cus_missing"):
        with pytest.raises(stripe.InvalidRequestError) as err:
            _create(stripe_client, {"customer": cus, "components": {"customer_sheet": {"enabled": True}}})
        assert err.value.http_status == 404 and err.value.code == "resource_missing"


def test_payment_element_session_lists_saved_cards_for_stripe_js(
    stripe_emulator: EmulatorServer, stripe_client: stripe.StripeClient, customer: stripe.Customer
) -> None:
    for token in ("pm_card_visa", "pm_card_mastercard"):
        stripe_client.v1.payment_methods.attach(token, params={"customer": customer.id})
    features = {"payment_method_redisplay": "enabled", "payment_method_remove": "disabled"}
    shown = _create(
        stripe_client,
        {
            "customer": customer.id,
            "components": {
                "payment_element": {
                    "enabled": True,
                    "features": {**features, "payment_method_allow_redisplay_filters": ["unspecified"]},
                }
            },
        },
    )
    hidden = _create(stripe_client, {"customer": customer.id, "components": {"payment_element": {"enabled": True}}})
    url = f"{stripe_emulator.api_base}/_emulator/customer_sessions/payment_methods"
    auth = {"Authorization": f"Bearer {stripe_emulator.publishable_key}"}
    got = httpx.get(url, params={"customer_session_client_secret": shown.client_secret}, headers=auth).json()
    assert sorted(pm["card"]["last4"] for pm in got["data"]) == ["4242", "4444"]
    assert got["payment_method_remove"] == "disabled"
    # Redisplay defaults to disabled; an unknown secret is refused.
    assert (
        httpx.get(url, params={"customer_session_client_secret": hidden.client_secret}, headers=auth).json()["data"]
        == []
    )
    assert httpx.get(url, params={"customer_session_client_secret": "cuss_secret_x"}, headers=auth).status_code == 400


def test_a_session_expires_after_30_minutes_of_the_customers_clock(
    stripe_emulator: EmulatorServer, stripe_client: stripe.StripeClient
) -> None:
    clock, cus, _ = clock_customer(stripe_client)
    session = _create(
        stripe_client,
        {"customer": cus.id, "components": {"payment_element": {"enabled": True}}},
    )
    assert session.created == T0 and session.expires_at == T0 + 30 * 60
    url = f"{stripe_emulator.api_base}/_emulator/customer_sessions/payment_methods"
    auth = {"Authorization": f"Bearer {stripe_emulator.publishable_key}"}
    params = {"customer_session_client_secret": session.client_secret}
    assert httpx.get(url, params=params, headers=auth).status_code == 200
    advance(stripe_client, clock.id, T0 + 30 * 60)
    expired = httpx.get(url, params=params, headers=auth)
    assert expired.status_code == 400 and expired.json()["error"]["code"] == "customer_session_expired"
