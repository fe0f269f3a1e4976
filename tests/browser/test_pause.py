"""Pause from the page (the catalog's lengths, the server's preview), the paused card, Resume now, and the hosted
portal's pause deep link; axe on the dialogs and the paused card."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screen, sign_in
from tests.browser.test_preview_money import sign_in_seeded

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_stack")]


def test_pause_for_two_months_then_resume_now_with_its_previews(page: Page, web_stack: dict[str, Any]) -> None:
    sign_in_seeded(page, web_stack, "business-seats", "Pia Pause")
    card = page.locator("[data-testid=plan-card]")
    card.get_by_role("button", name="Pause plan").click()
    dlg = page.locator("dialog[open]")
    expect(dlg.get_by_role("heading", name="Pause your plan")).to_be_visible()
    dlg.get_by_label("2 months").check()
    preview = dlg.locator("[data-testid=pause-preview]")
    expect(preview).to_contain_text("Resumes on")
    expect(preview).to_contain_text("Credited now")
    expect(preview).to_contain_text("Projects")  # the catalog's read-only set
    screen(page, "pause-dialog")
    resumes = preview.locator("dt:has-text('Resumes on') + dd").inner_text()
    dlg.get_by_role("button", name="Pause plan", exact=True).dblclick()  # a double click pauses once
    expect(page.locator("#flash")).to_contain_text(f"Your plan is paused. It resumes on {resumes}.")
    paused = card.locator("[data-testid=paused]")
    expect(paused).to_contain_text(f"Your plan is paused and resumes on {resumes}.")
    expect(card.get_by_role("button", name="Pause plan")).to_have_count(0)
    screen(page, "overview-paused")

    paused.get_by_role("button", name="Resume now").click()
    dlg = page.locator("dialog[open]")
    expect(dlg.locator("[data-testid=resume-preview]")).to_contain_text("charges $")
    screen(page, "resume-dialog")
    dlg.get_by_role("button", name="Resume and pay").click()
    expect(page.locator("#flash")).to_contain_text("Your plan is active again")
    expect(card.locator("[data-testid=paused]")).to_have_count(0)


def test_the_portal_pause_button_opens_stripes_pause_page(page: Page, web_stack: dict[str, Any]) -> None:
    sign_in(page, web_stack, "business-seats")
    page.locator("[data-testid=portal]").get_by_role("button", name="Pause in Stripe").click()
    page.wait_for_url(web_stack["stripe_api_base"] + "/**")
    expect(page.get_by_role("button", name="Pause plan")).to_be_visible()
