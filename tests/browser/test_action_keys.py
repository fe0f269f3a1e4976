"""Every change the /billing page makes goes through one place (``Action.send`` in web/dom.js), which pairs the
request with the user action's Idempotency-Key: a press whose answer was lost is retried with the same key (the
server replays its first answer, nothing is done twice), and an answer, success or refusal, ends the action so
the next press is a new one."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_stack")]

TAX_ID = "FR40303265045"


def test_a_lost_answer_is_retried_with_the_same_key_and_an_answer_renews_it(
    page: Page, web_stack: dict[str, Any]
) -> None:
    sign_in(page, web_stack, "canceling")
    page.get_by_role("link", name="Billing details").click()
    expect(page.locator("[data-testid=tax-ids]")).to_be_visible()

    keys: list[str] = []

    def lose_the_first_answer(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        keys.append(route.request.headers.get("idempotency-key", ""))
        if len(keys) == 1:
            route.fetch()  # the server adds the tax ID...
            route.abort("connectionreset")  # ...and its answer never reaches the page
        else:
            route.continue_()

    page.route("**/billing/tax-ids", lose_the_first_answer)
    for attempt in ("lost", "retried", "duplicate"):
        if attempt != "retried":
            page.get_by_role("button", name="Add a tax ID").click()
        dlg = page.locator("dialog[open]")
        dlg.get_by_label("Type").select_option("eu_vat")
        dlg.get_by_label("Number").fill(TAX_ID)
        dlg.get_by_role("button", name="Add tax ID").click()
        if attempt == "lost":
            expect(dlg.locator(".alert.error")).to_be_visible()  # the page says it could not reach the server
        elif attempt == "retried":
            expect(page.locator("#flash")).to_contain_text("Your tax ID was added.")
        else:
            expect(dlg).to_contain_text("already on your billing account")

    assert len(keys) == 3 and all(keys)
    assert keys[0] == keys[1]  # the retry is the same action: the server replayed, no second tax ID
    assert keys[2] != keys[1]  # the answer ended that action; the next press is a new one
    dlg.get_by_role("button", name="Cancel").click()
    taxes = page.locator("[data-testid=tax-ids] li").filter(has_text=TAX_ID)
    expect(taxes).to_have_count(1)
    # Leave the shared demo user as it was (its removal goes through the same place).
    taxes.get_by_role("button", name=f"Remove tax ID {TAX_ID}").click()
    page.locator("dialog[open]").get_by_role("button", name="Remove tax ID", exact=True).click()
    expect(taxes).to_have_count(0)
    assert page.js_errors == []  # type: ignore[attr-defined]
