"""Dialogs on the /billing page keep focus inside (Tab and Shift+Tab cycle, Escape closes, focus returns to the
opener), and removing a tax ID asks first; a tax ID the customer already has is refused at its field."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import check_axe, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_stack")]

TAX_ID = "FR12345678901"


def dialog(page: Page) -> Locator:
    return page.locator("dialog[open]")


def focus_in_dialog(page: Page) -> bool:
    return bool(
        page.evaluate("() => Boolean(document.activeElement && document.activeElement.closest('dialog[open]'))")
    )


def focused_label(page: Page) -> str:
    return str(
        page.evaluate(
            "() => { const el = document.activeElement;"
            " return el ? (el.getAttribute('aria-label') || el.name || el.textContent || el.tagName).trim() : ''; }"
        )
    )


def open_details(page: Page, web_stack: dict[str, Any]) -> None:
    sign_in(page, web_stack, "trialing")
    page.get_by_role("link", name="Billing details").click()
    expect(page.locator("[data-testid=tax-ids]")).to_be_visible()


def test_tab_and_shift_tab_stay_inside_an_open_dialog_and_escape_returns_focus(
    page: Page, web_stack: dict[str, Any]
) -> None:
    open_details(page, web_stack)
    opener = page.get_by_role("button", name="Add a tax ID")
    opener.click()
    expect(dialog(page)).to_be_visible()
    stops = dialog(page).evaluate("d => d.querySelectorAll('button, input, select').length")
    seen_forward: list[str] = []
    for _ in range(stops * 2 + 2):  # more than two full cycles
        page.keyboard.press("Tab")
        assert focus_in_dialog(page), f"Tab left the dialog after {seen_forward}"
        seen_forward.append(focused_label(page))
    assert len(set(seen_forward)) == stops  # every control is reached, none skipped
    seen_backward: list[str] = []
    for _ in range(stops * 2 + 2):
        page.keyboard.press("Shift+Tab")
        assert focus_in_dialog(page), f"Shift+Tab left the dialog after {seen_backward}"
        seen_backward.append(focused_label(page))
    assert len(set(seen_backward)) == stops
    assert check_axe(page) == []
    page.keyboard.press("Escape")
    expect(dialog(page)).to_have_count(0)
    expect(opener).to_be_focused()
    # A second dialog in a row behaves the same (Escape without other user activation in between).
    opener.press("Enter")
    expect(dialog(page)).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog(page)).to_have_count(0)
    expect(opener).to_be_focused()
    assert page.js_errors == []  # type: ignore[attr-defined]


def test_removing_a_tax_id_asks_first_and_a_duplicate_is_refused(page: Page, web_stack: dict[str, Any]) -> None:
    open_details(page, web_stack)
    for attempt in ("first", "again"):
        page.get_by_role("button", name="Add a tax ID").click()
        dlg = dialog(page)
        dlg.get_by_label("Type").select_option("eu_vat")
        dlg.get_by_label("Number").fill(TAX_ID if attempt == "first" else TAX_ID.lower())
        dlg.get_by_role("button", name="Add tax ID").click()
        if attempt == "first":
            expect(page.locator("#flash")).to_contain_text("Your tax ID was added.")
    expect(dlg.get_by_label("Number")).to_have_attribute("aria-invalid", "true")
    expect(dlg).to_contain_text("already on your billing account")
    dlg.get_by_role("button", name="Cancel").click()
    expect(dialog(page)).to_have_count(0)
    taxes = page.locator("[data-testid=tax-ids] li").filter(has_text=TAX_ID)
    expect(taxes).to_have_count(1)

    remove = taxes.get_by_role("button", name=f"Remove tax ID {TAX_ID}")
    remove.click()
    confirm = dialog(page)
    expect(confirm.get_by_role("heading", name="Remove tax ID")).to_be_visible()
    expect(confirm).to_contain_text(f"EU VAT number {TAX_ID}")
    expect(confirm.get_by_role("button", name="Remove tax ID", exact=True)).to_be_focused()
    assert check_axe(page) == []
    page.keyboard.press("Escape")
    expect(dialog(page)).to_have_count(0)
    expect(remove).to_be_focused()
    remove.click()
    dialog(page).get_by_role("button", name="Keep tax ID").click()
    expect(dialog(page)).to_have_count(0)
    expect(taxes).to_have_count(1)  # nothing removed without confirming

    remove.click()
    dialog(page).get_by_role("button", name="Remove tax ID", exact=True).click()
    expect(page.locator("#flash")).to_contain_text(f"Tax ID {TAX_ID} was removed.")
    expect(taxes).to_have_count(0)
    assert page.js_errors == []  # type: ignore[attr-defined]


def test_signing_out_revokes_the_refresh_token_without_a_console_error(page: Page, web_stack: dict[str, Any]) -> None:
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    sign_in(page, web_stack, "canceling")
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.request.headers.get("x-amz-target", "").endswith(".RevokeToken")
    ) as revoked:
        page.get_by_role("button", name="Sign out").click()
    assert revoked.value.status == 200
    expect(page.get_by_role("heading", name="Sign in to manage your billing")).to_be_visible()
    assert console_errors == []
