"""The session URL opens the emulator's hosted portal page, and completing the flow returns to the allowed URL."""

from __future__ import annotations

import re

import httpx

from tests.integration.portal_session.portal_setup import only_session, post, subscribe


def _form_fields(html: str, action: str) -> dict[str, str]:
    """The hidden fields of the page's form whose ``action`` input has this value."""
    for form in re.findall(r"<form .*?</form>", html, flags=re.S):
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
        if hidden.get("action") == action:
            return hidden
    raise AssertionError(f"no form for {action!r} on the page")


def open_portal(url: str) -> httpx.Response:
    page = httpx.get(url, follow_redirects=False, timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    return page


def test_cancel_flow_page_opens_and_completion_returns_to_the_allowed_url(
    handler, stripe_env, account, stripe_client, stripe_emulator
):
    subscription = subscribe(stripe_client, account, stripe_env.user_sub, "starter_monthly")
    resp = post(handler, stripe_env.user_sub, {"flow": "subscription_cancel", "return_path": "/billing/done"})
    url = resp["json"]["url"]
    page = open_portal(url)
    assert "Why are you cancelling?" in page.text  # all eight reasons configured
    assert page.text.count('name="reason"') == 8
    fields = _form_fields(page.text, "cancel")
    done = httpx.post(url, data={**fields, "reason": "too_expensive"}, follow_redirects=False, timeout=10)
    assert done.status_code == 303
    assert done.headers["location"] == "https://app.example.test/billing/done"
    after = stripe_client.v1.subscriptions.retrieve(subscription.id)
    assert after.cancel_at_period_end is True
    assert after.cancellation_details.feedback == "too_expensive"


def test_retention_offer_accepted_in_the_portal_applies_the_coupon_and_returns(
    handler, stripe_env, account, stripe_client, stripe_emulator
):
    subscription = subscribe(stripe_client, account, stripe_env.user_sub, "pro_monthly")
    url = post(handler, stripe_env.user_sub, {"flow": "subscription_cancel"})["json"]["url"]
    page = open_portal(url)
    assert "Stay and get 30% off" in page.text
    done = httpx.post(url, data=_form_fields(page.text, "accept_offer"), follow_redirects=False, timeout=10)
    assert done.status_code == 303 and done.headers["location"] == "https://app.example.test/billing"
    after = stripe_client.v1.subscriptions.retrieve(subscription.id, params={"expand": ["discounts"]})
    assert not after.cancel_at_period_end
    assert [d.source.coupon for d in after.discounts] == ["RETENTION_30_OFF_3M"]


def test_update_confirm_flow_page_applies_exactly_the_server_chosen_change(
    handler, stripe_env, account, stripe_client, stripe_emulator
):
    subscription = subscribe(stripe_client, account, stripe_env.user_sub, "pro_monthly")
    body = {"flow": "subscription_update_confirm", "target": {"price_lookup_key": "pro_yearly"}}
    url = post(handler, stripe_env.user_sub, body)["json"]["url"]
    page = open_portal(url)
    assert "Confirm your new plan" in page.text and "Pro" in page.text
    done = httpx.post(url, data=_form_fields(page.text, "confirm_update"), follow_redirects=False, timeout=10)
    assert done.status_code == 303 and done.headers["location"] == "https://app.example.test/billing"
    item = stripe_client.v1.subscriptions.retrieve(subscription.id)["items"]["data"][0]
    assert item["price"]["id"] == account.prices["pro_yearly"]


def test_payment_method_flow_page_returns_to_the_allowed_url(handler, stripe_env, account, stripe_client):
    url = post(handler, stripe_env.user_sub, {"flow": "payment_method_update", "return_path": "/account"})["json"][
        "url"
    ]
    page = open_portal(url)
    fields = _form_fields(page.text, "update_payment_method")
    done = httpx.post(url, data={**fields, "card": "pm_card_mastercard"}, follow_redirects=False, timeout=10)
    assert done.status_code == 303 and done.headers["location"] == "https://app.example.test/account"
    (customer,) = stripe_client.v1.customers.list().data  # provisioned by the session request
    default = stripe_client.v1.payment_methods.retrieve(customer.invoice_settings.default_payment_method)
    assert default.card.brand == "mastercard"


def test_home_session_page_shows_the_configured_features_and_links_back(
    handler, stripe_env, account, stripe_client, stripe_emulator
):
    subscribe(stripe_client, account, stripe_env.user_sub, "business_seat_monthly", quantity=3)
    url = post(handler, stripe_env.user_sub, {"return_path": "/billing"})["json"]["url"]
    page = open_portal(url)
    for text in ("Update plan", "Cancel plan", "Payment method", "Billing information", "Invoice history"):
        assert text in page.text
    assert 'href="https://app.example.test/billing"' in page.text
    assert only_session(stripe_emulator)["configuration"] == account.configuration_id
