"""B10: a mobile app names one of the configured app links (APP_RETURN_URLS) as the portal's return target; any
other ``return_url`` is refused before a customer or session exists (A4: the client never picks the redirect)."""

from __future__ import annotations

import pytest
from billing_core.settings import reset_settings

from tests.integration.portal_session.portal_setup import only_session, post, sessions

APP_LINKS = "myapp://billing,https://app.example.com/billing"


@pytest.fixture
def app_links(stripe_env, monkeypatch):
    monkeypatch.setenv("APP_RETURN_URLS", APP_LINKS)
    reset_settings()
    yield
    reset_settings()


@pytest.mark.parametrize("url", ["myapp://billing/done?status=ok", "https://app.example.com/billing"])
def test_b10_a_configured_app_link_is_the_portals_return_and_redirect(
    handler, stripe_env, account, app_links, stripe_emulator, url
):
    resp = post(handler, stripe_env.user_sub, {"flow": "payment_method_update", "return_url": url})
    assert resp["statusCode"] == 200, resp["body"]
    session = only_session(stripe_emulator)
    assert session["return_url"] == url
    assert session["flow"]["after_completion"]["redirect"]["return_url"] == url


@pytest.mark.parametrize(
    "url",
    [
        "myapp2://billing",
        "https://app.example.com@evil.com/billing",
        "javascript:alert(1)",
        "https://evil.example/",
    ],
)
def test_b10_a_look_alike_is_400_with_no_session_and_no_customer(
    handler, stripe_env, account, app_links, stripe_client, stripe_emulator, url
):
    resp = post(handler, stripe_env.user_sub, {"return_url": url})
    assert resp["statusCode"] == 400, resp["body"]
    assert resp["json"]["error"]["code"] == "invalid_return_url"
    assert resp["json"]["error"]["param"] == "return_url"
    assert sessions(stripe_emulator) == []
    assert list(stripe_client.v1.customers.list().data) == []


def test_b10_without_configured_app_links_every_return_url_is_refused(handler, stripe_env, stripe_emulator):
    resp = post(handler, stripe_env.user_sub, {"return_url": "myapp://billing"})
    assert resp["statusCode"] == 400 and resp["json"]["error"]["code"] == "invalid_return_url"
    assert sessions(stripe_emulator) == []


def test_b10_return_path_and_return_url_together_are_422(handler, stripe_env, app_links, stripe_emulator):
    resp = post(handler, stripe_env.user_sub, {"return_path": "/billing", "return_url": "myapp://billing"})
    assert resp["statusCode"] == 422 and sessions(stripe_emulator) == []
