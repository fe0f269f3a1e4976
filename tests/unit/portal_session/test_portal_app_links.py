"""B10: a mobile app's return target must be one of the configured app links (pure functions, no sockets)."""

from __future__ import annotations

import pytest
from billing_core.errors import BadInput, ConfigurationError
from billing_core.settings import Settings, app_link_problem
from portal_session.app_links import check_app_return_url

LINKS = ("myapp://billing", "https://app.example.com/billing", "otherapp://")

LOOK_ALIKES = [
    "myapp2://billing",
    "myap://billing",
    "MYAPP://billing",
    "Myapp://billing",
    "myapp://Billing",
    "myapp://billing2",
    "myapp://billingevil",
    "myapp://billing.evil.com",
    "myapp://billing@evil.com",
    "myapp://billing:80",
    "https://app.example.com@evil.com/billing",
    "https://app.example.com.evil.com/billing",
    "https://evil.com/app.example.com/billing",
    "https://APP.example.com/billing",
    "https://app.example.com:444/billing",
    "https://app.example.com/billing-evil",
    "https://app.example.com/billing/../admin",
    "https://app.example.com/billing/./x",
    "https://app.example.com/billing//evil.com",
    "https://app.example.com/billing/%2e%2e/admin",
    "https://app.example.com/billing\\evil.com",
    "http://app.example.com/billing",
    "javascript:alert(1)",
    "javascript://app.example.com/billing%0aalert(1)",
    "data:text/html,hi",
    "myapp://billing/\u202ex",
    "myapp://billing /x",
    "myapp://billing\r\nx",
    "otherapp:///x",
    "//app.example.com/billing",
    "/billing",
    "",
]


@pytest.mark.parametrize("url", LOOK_ALIKES)
def test_b10_look_alike_app_links_are_refused(url: str) -> None:
    with pytest.raises(BadInput) as exc:
        check_app_return_url(url, LINKS)
    assert exc.value.code == "invalid_return_url" and exc.value.param == "return_url"


@pytest.mark.parametrize(
    "url",
    [
        "myapp://billing",
        "myapp://billing/done",
        "myapp://billing?status=updated",
        "myapp://billing#cards",
        "https://app.example.com/billing",
        "https://app.example.com/billing/return?from=portal&x=1",
        "otherapp://anything/at/all",
    ],
)
def test_b10_configured_app_links_and_what_follows_them_are_accepted(url: str) -> None:
    assert check_app_return_url(url, LINKS) == url


def test_b10_nothing_is_accepted_when_no_app_link_is_configured() -> None:
    with pytest.raises(BadInput):
        check_app_return_url("myapp://billing", ())


@pytest.mark.parametrize(
    "link",
    [
        "http://app.example.com/billing",
        "javascript://x",
        "data://x",
        "file:///etc",
        "https://localhost/billing",
        "https://user@app.example.com",
        "https://app.example.com:443/billing",
        "https://app.example.com/billing?x=1",
        "MyApp://billing",
        "myapp://billing/../x",
        "myapp://billing%2F",
        "myapp:billing",
    ],
)
def test_f11_a_bad_app_link_in_configuration_refuses_to_start(link: str) -> None:
    assert app_link_problem(link)
    with pytest.raises(ConfigurationError) as exc:
        Settings.model_validate({"app_return_urls": f"myapp://billing,{link}"})
    assert "APP_RETURN_URLS" in exc.value.log_context["message_for_logs"]


def test_app_links_are_read_from_a_comma_separated_list() -> None:
    settings = Settings.model_validate({"app_return_urls": " myapp://billing , https://app.example.com/billing ,"})
    assert settings.app_return_urls == ("myapp://billing", "https://app.example.com/billing")
    assert Settings.model_validate({}).app_return_urls == ()
