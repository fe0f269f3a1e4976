"""The card form's Payment Element shows the customer's saved cards (a customer session with the SetupIntent)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screen, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_stack")]


def test_saved_cards_show_in_the_card_form(page: Page, web_stack: dict[str, Any]) -> None:
    sign_in(page, web_stack, "active-pro")
    page.get_by_role("link", name="Payment methods").click()
    listed = page.locator("[data-ready=cards] li")
    expect(listed.first).to_be_visible()
    last4s = sorted(re.findall(r"\d{4}", text)[0] for text in listed.all_inner_texts())
    page.get_by_role("button", name="Add a card").click()
    form = page.locator("dialog[open]")
    saved = form.locator("input[data-saved-card]")
    expect(saved).to_have_count(len(last4s))
    labels = form.locator("label:has(input[data-saved-card])")
    assert sorted(re.findall(r"•••• (\d{4})", text)[0] for text in labels.all_inner_texts()) == last4s
    expect(form.get_by_label("Visa 4242 (succeeds)")).to_be_visible()  # a new card can still be added
    screen(page, "card-form-saved-cards")
    form.get_by_role("button", name="Cancel").click()
    expect(page.locator("dialog[open]")).to_have_count(0)
