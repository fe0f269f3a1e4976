"""Sign-in, overview for every demo user, invoices, billing details validation, 360 px, token hand-over."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screen, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_stack")]


def test_sign_in_errors_then_overview_and_sign_out(page: Page, web_stack: dict[str, Any]) -> None:
    page.goto(web_stack["web_url"])
    expect(page.get_by_role("heading", name="Sign in to manage your billing")).to_be_visible()
    screen(page, "sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your email and password")
    page.get_by_label("Email").fill("active-pro@example.com")
    page.get_by_label("Password").fill("wrong-password-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("The email or password is not correct.")
    page.get_by_label("Password").fill("DemoBilling2026")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("[data-testid=plan-card]")).to_contain_text("Pro plan")
    token = page.evaluate("JSON.parse(sessionStorage.getItem('billing.session'))")
    assert token["access"] and token["refresh"]
    # A reload keeps the session of the tab.
    page.reload()
    expect(page.locator("[data-ready=overview]")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to manage your billing")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('billing.session')") is None


def test_expired_token_is_refreshed(page: Page, web_stack: dict[str, Any]) -> None:
    sign_in(page, web_stack, "active-pro")
    before = page.evaluate("JSON.parse(sessionStorage.getItem('billing.session'))")
    page.evaluate(
        "s => sessionStorage.setItem('billing.session', JSON.stringify({...s, expires: Date.now() - 1000}))", before
    )
    page.get_by_role("link", name="Invoices").click()
    expect(page.locator("[data-ready=invoices]")).to_be_visible()
    after = page.evaluate("JSON.parse(sessionStorage.getItem('billing.session'))")
    assert after["expires"] > before["expires"] - 5000 and after["refresh"] == before["refresh"]


def test_token_handed_over_in_the_fragment(page: Page, web_stack: dict[str, Any]) -> None:
    import boto3

    u = next(u for u in web_stack["demo_users"] if u["scenario"] == "business-seats")
    cognito = boto3.client(
        "cognito-idp",
        endpoint_url=web_stack["aws_endpoint_url"],
        region_name=web_stack["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    token = cognito.initiate_auth(
        ClientId=web_stack["user_pool_client_id"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": u["username"], "PASSWORD": u["password"]},
    )["AuthenticationResult"]["AccessToken"]
    page.goto(f"{web_stack['web_url']}#access_token={token}&expires_in=3600")
    expect(page.locator("[data-testid=plan-card]")).to_contain_text("Business plan")
    assert "access_token" not in page.url


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        ("active-pro", ["Pro plan", "Active", "Next payment"]),
        ("trialing", ["Pro plan", "Free trial", "Trial ends"]),
        ("canceling", ["Starter plan", "Ends soon", "ends on"]),
        ("business-seats", ["Business plan", "Seats", " × $15.00"]),
        ("no-customer", ["You have no plan yet", "Choose a plan"]),
    ],
)
def test_overview_of_each_demo_user(page: Page, web_stack: dict[str, Any], scenario: str, expected: list[str]) -> None:
    sign_in(page, web_stack, scenario)
    main = page.locator("main")
    for text in expected:
        expect(main).to_contain_text(text)
    screen(page, f"overview-{scenario}")


def test_past_due_banner(page: Page, web_stack: dict[str, Any]) -> None:
    sign_in(page, web_stack, "past-due")
    banner = page.locator("[data-testid=past-due]")
    expect(banner).to_contain_text("Your last payment failed")
    expect(banner).to_contain_text("$29.00")
    expect(banner.get_by_role("button", name="Update card and pay now")).to_be_visible()
    screen(page, "overview-past-due")


def test_sections_invoices_cards_details_and_load_more(page: Page, web_stack: dict[str, Any]) -> None:
    sign_in(page, web_stack, "active-pro")
    page.get_by_role("link", name="Invoices").click()
    rows = page.locator("[data-ready=invoices] tbody tr")
    expect(rows).to_have_count(10)
    first = rows.first
    expect(first.get_by_role("link", name="Download PDF of invoice")).to_have_attribute("href", re.compile(r"/pdf$"))
    screen(page, "invoices")
    page.get_by_role("button", name="Load more").click()
    expect(rows).not_to_have_count(10)
    assert rows.count() > 10
    expect(page.get_by_role("button", name="Load more")).to_be_hidden()

    page.get_by_role("link", name="Payment methods").click()
    cards = page.locator("[data-ready=cards] li")
    expect(cards.first).to_be_visible()
    expect(page.locator("[data-ready=cards]")).to_contain_text("Default")
    screen(page, "cards")

    page.get_by_role("link", name="Billing details").click()
    form = page.locator("[data-testid=details-form]")
    expect(form.get_by_label("Name or company")).to_have_value("Ada Active")
    form.get_by_label("Billing email").fill("not-an-email")
    form.get_by_label("City").fill("")
    form.get_by_role("button", name="Save details").click()
    expect(form.get_by_label("Billing email")).to_have_attribute("aria-invalid", "true")
    expect(form).to_contain_text("Enter an email address like name@example.com.")
    expect(form).to_contain_text("Enter the city.")
    expect(form.get_by_label("Billing email")).to_be_focused()
    screen(page, "details")


def test_narrow_screen_360px(page: Page, web_stack: dict[str, Any]) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, web_stack, "business-seats")
    for tab in ("Overview", "Invoices", "Payment methods", "Billing details"):
        page.get_by_role("link", name=tab).click()
        page.wait_for_selector("main[data-view]:not([aria-busy])")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{tab}: page is {width}px wide at 360px"
    page.get_by_role("link", name="Overview").click()
    expect(page.locator("[data-ready=overview]")).to_be_visible()
    screen(page, "overview-360px")


def test_no_javascript_errors_and_no_cdn(page: Page, web_stack: dict[str, Any]) -> None:
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    sign_in(page, web_stack, "active-pro")
    local = {web_stack["web_url"].split("/")[2], web_stack["api_url"].split("/")[2]}
    local.add(web_stack["aws_endpoint_url"].split("/")[2])
    assert hosts <= local, hosts - local
    assert page.js_errors == []  # type: ignore[attr-defined]
