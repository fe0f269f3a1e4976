"""Branding from config.json, the contrast check shared with `make check-branding`, the README screenshots, and
the page embedded in the offline stack's example host app on another origin (the billing:* messages)."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Frame, Locator, Page, Route, expect

from local import contrast as c
from local.stack.aws import client, create_user
from local.stack.host import HostServer
from tests.browser.conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_stack")]

ACME = json.loads((REPO / "local" / "stack" / "examples" / "branding.acme.json").read_text())
SCREENSHOTS = REPO / "docs" / "screenshots"
PASSWORD = "DemoBilling2026"


def brand(page: Page, branding: dict[str, Any] | None) -> None:
    """Serve the stack's config.json with `branding` in it (what a deployment's config.json would hold)."""

    def handle(route: Route) -> None:
        response = route.fetch()
        config = response.json()
        config.pop("branding", None)
        if branding is not None:
            config["branding"] = branding
        route.fulfill(response=response, json=config)

    page.route("**/billing/config.json", handle)


def css_var(page: Page, name: str) -> str:
    return str(page.evaluate(f"getComputedStyle(document.documentElement).getPropertyValue('{name}').trim()"))


def branding_warnings(page: Page) -> list[str]:
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" and "Branding" in m.text else None)
    return warnings


def new_user(stack: dict[str, Any], name: str) -> str:
    email = f"{name.lower().replace(' ', '-')}-{uuid.uuid4().hex[:8]}@example.com"
    create_user(stack["aws_endpoint_url"], stack["user_pool_id"], email, PASSWORD, name, region=stack["region"])
    return email


def access_token(stack: dict[str, Any], username: str, password: str) -> str:
    idp = client("cognito-idp", stack["aws_endpoint_url"], stack["region"])
    out = idp.initiate_auth(
        ClientId=stack["user_pool_client_id"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return str(out["AuthenticationResult"]["AccessToken"])


def demo(stack: dict[str, Any], scenario: str) -> dict[str, str]:
    return next(u for u in stack["demo_users"] if u["scenario"] == scenario)


# ------------------------------------------------------------------------------------------- contrast & brand
def test_page_and_check_branding_compute_the_same_contrast(page: Page, web_stack: dict[str, Any]) -> None:
    pairs = [
        ["#777", "#fff"],
        ["#0a58ca", "#f6f8fa"],
        ["rgb(10 88 202 / 50%)", "#ffffff"],
        ["hsl(30, 90%, 40%)", "hsla(210 20% 98% / 1)"],
        ["#f59e0b", "#1e293b"],
        ["rgba(255, 255, 255, .6)", "#0f172a"],
    ]
    colours = ["#abc", "#abcd", "rgba(10,88,202,.5)", "rgb(10 88 202/50%)", "hsl(-30 50% 50%)", "rgb(1, 2 3)"]
    colours += ["rgb(1 2 3, .5)", "red", "#ggg", "hsl(10%, 50%, 50%)", "rgb(1,2)", " #fff "]
    page.goto(web_stack["web_url"])
    out = page.evaluate(
        """async ([pairs, colours]) => {
          const m = await import("/billing/contrast.js");
          return {ratios: pairs.map(([a, b]) => m.contrast(a, b)), pairs: m.PAIRS, aa: m.AA,
                  parsed: colours.map((c) => m.parseColor(c))};
        }""",
        [pairs, colours],
    )
    assert out["ratios"] == pytest.approx([c.contrast(fg, bg) for fg, bg in pairs], rel=1e-12)
    python = [c.parse_color(colour) for colour in colours]
    assert [p is None for p in out["parsed"]] == [p is None for p in python]
    flat = [x for p in out["parsed"] if p for x in p]
    assert flat == pytest.approx([x for p in python if p for x in p], rel=1e-12)
    assert round(out["ratios"][0], 2) == 4.48
    assert [tuple(p) for p in out["pairs"]] == list(c.PAIRS) and out["aa"] == c.AA


def test_default_look_is_unchanged_without_branding(page: Page, web_stack: dict[str, Any]) -> None:
    warnings = branding_warnings(page)
    brand(page, None)
    page.goto(web_stack["web_url"])
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert css_var(page, "--color-primary") == "#0a58ca"
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(27, 31, 36)"
    assert page.evaluate("getComputedStyle(document.documentElement).backgroundColor") == "rgb(246, 248, 250)"
    expect(page.locator("#brand-name")).to_be_hidden()
    expect(page.locator("#brand-logo")).to_be_hidden()
    expect(page.locator("#support")).to_be_hidden()
    assert warnings == []


def test_branding_sets_colours_name_logo_favicon_and_support_and_warns_about_bad_values(
    page: Page, web_stack: dict[str, Any]
) -> None:
    warnings = branding_warnings(page)
    brand(
        page,
        {
            "name": "Bluebird",
            "logo_url": "/billing/examples/acme-logo.svg",
            "favicon_url": "/billing/examples/acme-logo.svg",
            "colors": {"primary": "#5b21b6", "text": "#777", "surface": "#fff", "danger": "not-a-colour"},
            "font_family": "Georgia, serif",
            "border_radius": "0",
            "support_url": "https://support.bluebird.example/billing",
            "support_email": "help@bluebird.example",
            "logo_alt": "x",
        },
    )
    # The API fails: the error message offers the brand's support contact.
    page.route(
        web_stack["api_url"] + "/billing",
        lambda route: route.fulfill(status=503, json={"error": {"code": "unavailable", "message": "Busy."}}),
    )
    page.goto(web_stack["web_url"])
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert css_var(page, "--color-primary") == "#5b21b6"
    assert css_var(page, "--color-danger") == "#b42318"  # the invalid value is ignored, the default stays
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(119, 119, 119)"
    assert "Georgia" in page.evaluate("getComputedStyle(document.body).fontFamily")
    assert page.evaluate("getComputedStyle(document.querySelector('button')).borderTopLeftRadius") == "0px"
    # Set through CSSOM, never a style attribute or element (a CSP without 'unsafe-inline' allows that).
    assert page.locator("style").count() == 0
    expect(page.locator("#brand-name")).to_have_text("Bluebird")
    expect(page.locator("#brand-logo")).to_be_visible()
    assert (
        page.evaluate(
            "document.getElementById('brand-logo').complete && document.getElementById('brand-logo').naturalWidth"
        )
        > 0
    )
    assert page.evaluate("document.querySelector('link[rel=icon]').href").endswith("/billing/examples/acme-logo.svg")
    footer = page.locator("#support")
    expect(footer.get_by_role("link", name="Contact support")).to_have_attribute(
        "href", "https://support.bluebird.example/billing"
    )
    expect(footer.get_by_role("link", name="help@bluebird.example")).to_have_attribute(
        "href", "mailto:help@bluebird.example"
    )
    joined = "\n".join(warnings)
    assert 'colors.danger "not-a-colour"' in joined
    assert 'unknown key "logo_alt"' in joined
    assert "contrast of text/surface is 4.48:1, below WCAG AA 4.5:1" in joined

    u = demo(web_stack, "active-pro")
    page.get_by_label("Email").fill(u["username"])
    page.get_by_label("Password").fill(u["password"])
    page.get_by_role("button", name="Sign in").click()
    alert = page.locator("#main").get_by_role("alert")
    expect(alert).to_contain_text("Busy.")
    expect(alert.get_by_role("link", name="Contact support")).to_have_attribute(
        "href", "https://support.bluebird.example/billing"
    )


@pytest.mark.parametrize(
    ("name", "locale", "branding"),
    [("billing-default", "en-US", None), ("billing-acme-de", "de-DE", ACME)],
    ids=["default", "acme-de"],
)
def test_readme_screenshot_renders_in_the_brand(
    browser: Browser, web_stack: dict[str, Any], name: str, locale: str, branding: dict[str, Any] | None
) -> None:
    """docs/screenshots/<name>.png, written only with UPDATE_SCREENSHOTS=1 (the run must not dirty the repo)."""
    ctx = browser.new_context(viewport={"width": 1100, "height": 760}, locale=locale, reduced_motion="reduce")
    try:
        page = ctx.new_page()
        brand(page, branding)
        u = demo(web_stack, "active-pro")
        token = access_token(web_stack, u["username"], u["password"])  # no sign-in form: any locale
        page.goto(f"{web_stack['web_url']}#access_token={token}&expires_in=3600")
        expect(page.locator("[data-ready=overview]")).to_be_visible()
        page.wait_for_function("performance.getEntriesByName('billing:overview').length > 0")
        page.wait_for_function("document.fonts.status === 'loaded'")
        expected = (branding or {}).get("colors", {}).get("primary", "#0a58ca")
        assert css_var(page, "--color-primary") == expected
        if branding:
            expect(page.locator("#brand-name")).to_have_text(branding["name"])
            page.wait_for_function("document.getElementById('brand-logo').complete")
        if os.environ.get("UPDATE_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.locator("#account-name").evaluate("el => { el.textContent = 'ada@example.com'; }")
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, animations="disabled")
    finally:
        ctx.close()


# ------------------------------------------------------------------------------------------------- embedding
def billing_frame(page: Page) -> Frame:
    handle = page.locator("#billing-frame").element_handle()
    frame = handle.content_frame() if handle else None
    assert frame is not None
    return frame


def frame_fits_its_content(page: Page) -> None:
    """The iframe is exactly as tall as the page inside (sized from billing:resize): no inner scrollbar."""
    billing_frame(page).wait_for_function(
        """() => {
          const el = document.documentElement;
          return el.scrollHeight <= el.clientHeight && innerHeight === Math.ceil(el.getBoundingClientRect().height);
        }""",
        timeout=15_000,
    )


def scroll_host_to(page: Page, target: Locator) -> None:
    """What a user does when a dialog in the frame is taller than the window: scroll the host page down to it
    (the frame never scrolls; Playwright does not scroll a parent page for an element fixed in a frame)."""
    bottom = target.evaluate("el => el.getBoundingClientRect().bottom")
    frame_top = page.locator("#billing-frame").evaluate("el => el.getBoundingClientRect().top")
    page.evaluate("(y) => window.scrollBy(0, y)", frame_top + bottom + 16 - page.viewport_size["height"])


def host_sign_in(page: Page, url: str, email: str | None = None) -> None:
    page.goto(url)
    if email:
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
    else:
        expect(page.get_by_label("Email")).not_to_have_value("")  # the stack's demo user, filled in
    page.get_by_role("button", name="Sign in and open billing").click()


def test_embedded_page_follows_its_height_and_tells_the_host_about_changes(
    page: Page, web_stack: dict[str, Any]
) -> None:
    email = new_user(web_stack, "Emma Embedded")
    host_sign_in(page, web_stack["host_url"], email)
    frame = page.frame_locator("#billing-frame")
    expect(frame.get_by_role("button", name="Choose a plan")).to_be_visible()  # signed in by the host's token
    expect(page.locator("#last-section")).to_have_text("overview")
    frame_fits_its_content(page)

    frame.get_by_role("button", name="Choose a plan").click()
    dlg = frame.locator("dialog[open]")
    dlg.get_by_label("$9.00 per month").check()
    dlg.get_by_role("button", name="Subscribe", exact=True).click()
    expect(page.locator("#last-change")).to_have_attribute("data-plan", "starter")

    frame.get_by_role("button", name="Change plan", exact=True).click()
    dlg = frame.locator("dialog[open]")
    dlg.get_by_label("$29.00 per month").check()
    dlg.get_by_role("button", name="Preview change").click()  # in view: the host scrolled to the dialog
    confirm = dlg.get_by_role("button", name="Confirm change")
    expect(confirm).to_be_visible()
    scroll_host_to(page, confirm)
    confirm.click()
    expect(page.locator("#last-change")).to_have_attribute("data-plan", "pro")
    expect(page.locator("#last-change")).to_have_text("plan_change: Pro (trialing)")
    changed = [m for m in page.evaluate("window.billingMessages") if m["type"] == "billing:changed"]
    assert [(m["action"], m["plan"]) for m in changed] == [
        ("subscribe", {"id": "starter", "name": "Starter"}),
        ("plan_change", {"id": "pro", "name": "Pro"}),
    ]
    assert changed[-1]["status"] == "trialing" and changed[-1]["scheduled_change"] is None
    frame_fits_its_content(page)

    frame.get_by_role("link", name="Invoices").click()
    expect(page.locator("#last-section")).to_have_text("invoices")
    frame_fits_its_content(page)
    frame.get_by_role("link", name="Billing details").click()
    expect(page.locator("#last-section")).to_have_text("details")
    frame_fits_its_content(page)
    # Saving details re-renders nothing; the host still hears of it.
    form = frame.locator("[data-testid=details-form]")
    form.get_by_label("Name or company").fill("Emma Embedded Ltd")
    form.get_by_label("Address", exact=True).fill("1 Frame Street")
    form.get_by_label("City").fill("Berlin")
    form.get_by_label("Postal code").fill("10115")
    form.get_by_label("Country").select_option("DE")
    form.get_by_role("button", name="Save details").click()
    expect(page.locator("#last-change")).to_have_text("details: Pro (trialing)")


@pytest.fixture
def foreign_host(web_stack: dict[str, Any]) -> Iterator[str]:
    """The example host app on a port of its own: another origin, not in the page's host_origins."""
    u = demo(web_stack, "active-pro")
    config = {
        "billing_url": web_stack["web_url"],
        "cognito_endpoint": web_stack["aws_endpoint_url"],
        "user_pool_client_id": web_stack["user_pool_client_id"],
        "demo_user": {"username": u["username"], "password": u["password"]},
    }
    server = HostServer("127.0.0.1", 0, lambda: config).start()
    try:
        yield server.url
    finally:
        server.stop()


def test_a_host_not_in_host_origins_can_neither_frame_the_page_nor_trade_messages_with_it(
    page: Page, web_stack: dict[str, Any], foreign_host: str
) -> None:
    """The same host app on another origin (not in host_origins): the page's CSP `frame-ancestors` refuses to be
    framed by it, and a window it opens takes no token from it and posts nothing to it."""
    config = page.request.get(web_stack["web_url"] + "/config.json").json()
    host_origin = web_stack["host_url"].rstrip("/").removesuffix("/host")
    assert config["host_origins"] == [host_origin]
    assert not foreign_host.startswith(host_origin + "/")
    host_sign_in(page, foreign_host)

    # Framed by a foreign origin: refused (Chromium reports frame-ancestors on the framing page's console).
    violations = page.context.csp_violations  # type: ignore[attr-defined]
    deadline = time.monotonic() + 15
    while not any("frame-ancestors" in str(v.get("blocked")) for v in violations):
        assert time.monotonic() < deadline, f"the frame was not refused: {violations}"
        page.wait_for_timeout(100)
    assert billing_frame(page).get_by_role("button", name="Sign in").count() == 0
    violations.clear()  # the refusal is the point of this test, not a defect of the page

    # Opened as a window by the foreign host: its token is ignored and the page posts nothing to it.
    page.evaluate("() => { window.fromPopup = []; addEventListener('message', (e) => window.fromPopup.push(e.data)); }")
    with page.context.expect_page() as opened:
        page.evaluate("(url) => { window.popup = window.open(url); }", web_stack["web_url"])
    popup = opened.value
    expect(popup.get_by_role("button", name="Sign in")).to_be_visible()
    popup.evaluate(
        """() => {
          window.probed = new Promise((r) => addEventListener("message", (e) => e.data?.type === "probe" && r(true)));
        }"""
    )
    u = demo(web_stack, "active-pro")
    token = access_token(web_stack, u["username"], u["password"])
    page.evaluate(
        """([token, origin]) => {
          window.popup.postMessage({type: "billing:token", access_token: token, expires_in: 3600}, origin);
          window.popup.postMessage({type: "probe"}, origin);
        }""",
        [token, web_stack["web_url"].rsplit("/billing", 1)[0]],
    )
    assert popup.evaluate("() => window.probed") is True
    assert popup.evaluate("sessionStorage.getItem('billing.session')") is None
    expect(popup.get_by_role("button", name="Sign in")).to_be_visible()
    # Messages from one window arrive in order: a probe posted to any origin arrives alone.
    popup.evaluate("() => opener.postMessage({type: 'billing:probe'}, '*')")
    page.wait_for_function("window.fromPopup.some((m) => m?.type === 'billing:probe')")
    assert [m.get("type") for m in page.evaluate("window.fromPopup")] == ["billing:probe"]


def test_embedded_page_tells_the_host_which_billing_account_it_acts_on(page: Page, web_stack: dict[str, Any]) -> None:
    member = next(u for u in web_stack["demo_users"] if u["scenario"] == "team-member")
    host_sign_in(page, web_stack["host_url"], member["username"])
    frame = page.frame_locator("#billing-frame")
    expect(frame.locator("[data-ready=overview]")).to_be_visible()
    frame.get_by_label("Billing account").select_option(label="Acme Team (Member)")
    expect(frame.locator("[data-testid=member-plan]")).to_be_visible()
    page.wait_for_function("window.billingMessages.filter((m) => m.type === 'billing:account').length === 2")
    accounts = [m["account"] for m in page.evaluate("window.billingMessages") if m["type"] == "billing:account"]
    assert accounts == [
        {"id": f"p_{member['sub']}", "kind": "personal", "name": None, "role": "owner"},
        {"id": member["account_id"], "kind": "team", "name": "Acme Team", "role": "member"},
    ]
