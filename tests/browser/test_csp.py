"""The page's Content-Security-Policy is real: the static server sends it, and the browser blocks (and the
violation watcher of conftest reports) an inline script, an inline style attribute and a frame by a page that is
not an allowed host (F9). Each test empties the watcher's list after checking what it provoked on purpose."""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.csp_watch import csp_violations

DEADLINE_S = 30


def wait_for_violation(context: BrowserContext, needle: str) -> list[str]:
    """Poll until a recorded violation mentions `needle` (reports arrive asynchronously)."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        found = csp_violations(context)
        if any(needle in v for v in found):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"no CSP violation mentioning {needle!r} within {DEADLINE_S}s: {found}")
        context.pages[0].wait_for_timeout(100)


def open_sign_in(page: Page, web_stack: dict[str, Any]) -> None:
    response = page.goto(web_stack["web_url"])
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self' " in policy and "'unsafe-inline'" not in policy
    expect(page.get_by_label("Email")).to_be_visible()


def test_an_injected_inline_script_is_blocked_and_reported(
    page: Page, context: BrowserContext, web_stack: dict[str, Any]
) -> None:
    open_sign_in(page, web_stack)
    page.evaluate(
        """() => {
          const s = document.createElement("script");
          s.textContent = "window.__injected = true";
          document.body.append(s);
        }"""
    )
    found = wait_for_violation(context, "script-src")
    assert any("blocked 'inline'" in v for v in found), found
    assert page.evaluate("window.__injected") is None
    context.csp_violations.clear()  # type: ignore[attr-defined]


def test_an_inline_style_attribute_is_blocked_but_cssom_styles_apply(
    page: Page, context: BrowserContext, web_stack: dict[str, Any]
) -> None:
    open_sign_in(page, web_stack)
    colours = page.evaluate(
        """() => {
          const box = document.createElement("div");
          box.innerHTML = '<p id="attr" style="color: rgb(255, 0, 0)">x</p>';
          document.body.append(box);
          const cssom = document.createElement("p");
          cssom.style.setProperty("color", "rgb(0, 128, 0)");
          document.body.append(cssom);
          return [getComputedStyle(box.firstChild).color, getComputedStyle(cssom).color];
        }"""
    )
    assert colours[0] != "rgb(255, 0, 0)" and colours[1] == "rgb(0, 128, 0)"
    wait_for_violation(context, "style-src")
    context.csp_violations.clear()  # type: ignore[attr-defined]


def test_a_page_that_is_not_an_allowed_host_cannot_frame_the_billing_page(
    page: Page, context: BrowserContext, web_stack: dict[str, Any]
) -> None:
    page.set_content(f'<iframe id="billing" src="{web_stack["web_url"]}"></iframe>')
    wait_for_violation(context, "frame-ancestors")
    frame = page.frame_locator("#billing")
    expect(frame.get_by_label("Email")).to_have_count(0)
    context.csp_violations.clear()  # type: ignore[attr-defined]
