"""Every self-service action in the browser, one demo user per flow (the stack is shared by the session)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import screen, sign_in, sign_in_new_user
from tests.browser.seeded import seed_own_user

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("stack")]


def cents(text: str) -> int:
    return round(float(re.sub(r"[^0-9.]", "", text)) * 100)


def dialog(page: Page) -> Locator:
    return page.locator("dialog[open]")


def flash(page: Page) -> Locator:
    return page.locator("#flash")


def three_d_secure(page: Page, approve: bool) -> None:
    modal = page.get_by_role("dialog", name="3-D Secure test authentication")
    expect(modal).to_be_visible()
    modal.get_by_role("button", name="Complete authentication" if approve else "Fail authentication").click()
    expect(modal).to_be_hidden()


def features(page: Page) -> Locator:
    return page.locator("section[aria-labelledby=features-title]")


def add_card(page: Page, card_label: str) -> None:
    dlg = dialog(page)
    dlg.get_by_label(card_label).check()


def test_change_seats_with_preview_then_downgrade_scheduled_and_undone(page: Page, web_stack: dict[str, Any]) -> None:
    sign_in(page, web_stack, "business-seats")
    page.get_by_role("button", name="Change plan", exact=True).click()
    dlg = dialog(page)
    expect(dlg.get_by_role("heading", name="Change plan", exact=True)).to_be_visible()
    dlg.get_by_label("$15.00 per seat per month").check()
    dlg.get_by_label("Seats").fill("7")
    screen(page, "change-plan-picker")
    dlg.get_by_role("button", name="Preview change").click()
    preview = dlg.locator("[data-testid=preview]")
    expect(preview).to_contain_text("Add seats")
    expect(preview).to_contain_text("Due now")
    expect(preview).to_contain_text("$105.00 per month")
    screen(page, "change-plan-preview")
    confirm = dlg.get_by_role("button", name="Confirm change")
    confirm.dblclick()  # a double click changes the plan once
    expect(flash(page)).to_contain_text("You now have 7 seats.")
    expect(page.locator("[data-testid=plan-card]")).to_contain_text("7 ×")
    # The feature list is redrawn from the new state, no reload needed.
    expect(features(page)).to_contain_text("7 seats")

    page.get_by_role("button", name="Change plan", exact=True).click()
    dlg = dialog(page)
    dlg.get_by_label("$29.00 per month").check()
    dlg.get_by_role("button", name="Preview change").click()
    expect(dlg.locator("[data-testid=preview]")).to_contain_text("Downgrade")
    dlg.get_by_role("button", name="Confirm change").click()
    expect(flash(page)).to_contain_text("Your plan changes to Pro on")
    scheduled = page.locator("[data-testid=scheduled-change]")
    expect(scheduled).to_contain_text("Changes to Pro")
    screen(page, "overview-scheduled-change")
    scheduled.get_by_role("button", name="Undo this change").click()
    expect(flash(page)).to_contain_text("The scheduled change was undone.")
    expect(page.locator("[data-testid=scheduled-change]")).to_have_count(0)


def test_cancel_too_expensive_shows_the_cheaper_plan_preview_decline_then_resume(
    page: Page, web_stack: dict[str, Any]
) -> None:
    sign_in(page, web_stack, "trialing")
    page.get_by_role("button", name="Cancel plan", exact=True).click()
    dlg = dialog(page)
    dlg.get_by_role("button", name="Cancel plan", exact=True).click()
    expect(dlg.get_by_role("alert")).to_contain_text("Choose a reason")
    for label in (
        "It's too expensive",
        "I need a break for a while",
        "Some features are missing",
        "I'm switching to another service",
        "Another reason",
    ):
        expect(dlg.get_by_label(label)).to_be_visible()
    dlg.get_by_label("It's too expensive").check()
    dlg.get_by_label("Anything else you want to tell us? (optional)").fill("Budget cuts this quarter.")
    screen(page, "cancel-survey")
    dlg.get_by_role("button", name="Cancel plan", exact=True).click()
    # Too expensive during a trial (no pause while trialing): the cheaper plan with its exact preview.
    offer = dlg.locator("[data-testid=offer]")
    expect(offer.get_by_role("heading", name="Stay for less on Starter")).to_be_visible()
    expect(offer.locator("[data-testid=new-price]")).to_contain_text("$9.00")
    expect(dlg.get_by_role("button", name="Switch to Starter")).to_be_visible()
    screen(page, "cancel-offer")
    dlg.get_by_role("button", name="No thanks, cancel").click()
    expect(flash(page)).to_contain_text("You keep access until")
    canceling = page.locator("[data-testid=canceling]")
    expect(canceling).to_contain_text("Your plan is canceled and ends on")
    screen(page, "overview-canceling")
    canceling.get_by_role("button", name="Resume plan").click()
    expect(flash(page)).to_contain_text("Your plan is active again")
    expect(page.locator("[data-testid=canceling]")).to_have_count(0)


def test_resume_a_canceled_plan(page: Page, web_stack: dict[str, Any]) -> None:
    sign_in(page, web_stack, "canceling")
    card = page.locator("[data-testid=plan-card]")
    # A plan set to end offers Resume, not a "Change plan" the server would refuse.
    expect(card.get_by_role("button", name="Change plan", exact=True)).to_have_count(0)
    expect(card.get_by_role("button", name="Cancel plan", exact=True)).to_have_count(0)
    card.locator("[data-testid=canceling]").get_by_role("button", name="Resume plan").click()
    expect(flash(page)).to_contain_text("Your plan is active again")
    expect(card).to_contain_text("Next payment")
    expect(card.get_by_role("button", name="Change plan", exact=True)).to_be_visible()


def test_cancel_and_accept_retention_offer(page: Page, web_stack: dict[str, Any]) -> None:
    sign_in(page, web_stack, "business-seats")
    card = page.locator("[data-testid=plan-card]")
    price = cents(card.locator(".price").inner_text())
    page.get_by_role("button", name="Cancel plan", exact=True).click()
    dlg = dialog(page)
    dlg.get_by_label("I'm switching to another service").check()
    dlg.get_by_role("button", name="Cancel plan", exact=True).click()
    expect(dlg.locator("[data-testid=offer]")).to_contain_text("30% off for 3 months")
    dlg.get_by_role("button", name="Accept offer and stay").click()
    expect(flash(page)).to_contain_text("Thanks for staying! 30% off for 3 months")
    expect(card).to_contain_text(f"Next payment${price * 0.7 / 100:,.2f} on")  # 30% off the next payment
    expect(page.locator("[data-testid=canceling]")).to_have_count(0)


def test_a_break_offers_a_pause_that_opens_the_pause_dialog(page: Page, web_stack: dict[str, Any]) -> None:
    email, password, _ = seed_own_user(web_stack, "active-pro", "Paula Pause")
    page.goto(web_stack["web_url"])
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Cancel plan", exact=True).click()
    dlg = dialog(page)
    dlg.get_by_label("I need a break for a while").check()
    dlg.get_by_role("button", name="Cancel plan", exact=True).click()
    offer = dlg.locator("[data-testid=offer]")
    expect(offer.get_by_role("heading", name="Take a break instead")).to_be_visible()
    expect(offer).to_contain_text("1 month, 2 months, or 3 months")
    expect(dlg.get_by_role("button", name="Pause my plan")).to_be_focused()
    screen(page, "cancel-offer-pause")
    dlg.get_by_role("button", name="Pause my plan").click()
    pause = dialog(page)
    expect(pause.get_by_role("heading", name="Pause your plan")).to_be_visible()
    expect(pause.get_by_label("2 months")).to_be_visible()
    expect(page.locator("[data-testid=canceling]")).to_have_count(0)


def test_subscribe_without_a_plan(page: Page, web_stack: dict[str, Any]) -> None:
    sign_in(page, web_stack, "no-customer")
    page.get_by_role("button", name="Choose a plan").click()
    dlg = dialog(page)
    dlg.get_by_label("$9.00 per month").check()
    screen(page, "subscribe")
    dlg.get_by_role("button", name="Subscribe", exact=True).click()
    expect(flash(page)).to_contain_text("Starter")
    expect(page.locator("[data-testid=plan-card]")).to_contain_text("Starter plan")


def test_past_due_recovery_with_3ds_fail_then_approve(page: Page, web_stack: dict[str, Any]) -> None:
    sign_in(page, web_stack, "past-due")
    page.get_by_role("button", name="Update card and pay now").click()
    dlg = dialog(page)
    add_card(page, "Requires 3-D Secure")
    screen(page, "update-card-and-pay")
    dlg.get_by_role("button", name="Save card and pay $29.00").click()
    three_d_secure(page, approve=True)  # the bank checks the new card once when it is saved
    three_d_secure(page, approve=False)  # ... and again for the overdue payment: failed
    expect(dialog(page).get_by_role("alert")).to_contain_text("Authentication with your bank failed")
    dialog(page).get_by_role("button", name="Cancel", exact=True).click()
    page.reload()
    banner = page.locator("[data-testid=past-due]")
    expect(banner).to_be_visible()
    banner.get_by_role("button", name="Retry with my current card").click()
    three_d_secure(page, approve=True)
    expect(flash(page)).to_contain_text("The invoice is paid.")
    expect(page.locator("[data-testid=past-due]")).to_have_count(0)


def test_cards_add_make_default_remove(page: Page, web_stack: dict[str, Any]) -> None:
    sign_in(page, web_stack, "active-pro")
    page.get_by_role("link", name="Payment methods").click()
    page.get_by_role("button", name="Add a card").click()
    dlg = dialog(page)
    add_card(page, "Mastercard 4444 (succeeds)")
    dlg.get_by_label("Use as my default card").uncheck()
    screen(page, "add-card")
    dlg.get_by_role("button", name="Save card", exact=True).click()
    expect(flash(page)).to_contain_text("Your card was added.")
    cards = page.locator("[data-ready=cards] li")
    new = cards.filter(has_text="Mastercard", has_not=page.locator(".badge.good")).last
    new.get_by_role("button", name="Make default").click()
    expect(flash(page)).to_contain_text("is now your default card")
    default = page.locator("[data-ready=cards] li").filter(has=page.locator(".badge.good"))
    expect(default.get_by_role("button", name="Remove", exact=True)).to_have_count(0)
    expect(default).to_contain_text("This card pays your subscription. To remove it, make another card the default")
    old = page.locator("[data-ready=cards] li").filter(has_not=page.locator(".badge.good")).first
    count = page.locator("[data-ready=cards] li").count()
    old.get_by_role("button", name="Remove", exact=True).click()
    screen(page, "remove-card")
    dialog(page).get_by_role("button", name="Remove card").click()
    expect(flash(page)).to_contain_text("was removed")
    expect(page.locator("[data-ready=cards] li")).to_have_count(count - 1)


def test_declined_card_is_explained_on_plan_change(page: Page, web_stack: dict[str, Any]) -> None:
    sign_in(page, web_stack, "active-pro")
    page.get_by_role("link", name="Payment methods").click()
    page.get_by_role("button", name="Add a card").click()
    add_card(page, "Fails on every charge")
    dialog(page).get_by_role("button", name="Save card", exact=True).click()
    expect(flash(page)).to_contain_text("is now your default")
    page.get_by_role("link", name="Overview").click()
    page.get_by_role("button", name="Change plan", exact=True).click()
    dlg = dialog(page)
    dlg.get_by_label("$290.00 per year").check()
    dlg.get_by_role("button", name="Preview change").click()
    expect(dlg.locator("[data-testid=preview]")).to_contain_text("Due now")
    dlg.get_by_role("button", name="Confirm change").click()
    alert = dlg.get_by_role("alert")
    expect(alert).to_contain_text("Your card was declined, so your plan did not change")
    expect(alert).to_contain_text("Reference for support")
    screen(page, "change-plan-declined")
    dlg.get_by_role("button", name="Cancel", exact=True).click()
    expect(page.locator("[data-testid=plan-card]")).to_contain_text("per month")


def test_billing_details_saved_and_tax_id_added_and_removed(page: Page, web_stack: dict[str, Any]) -> None:
    sign_in(page, web_stack, "active-pro")
    page.get_by_role("link", name="Billing details").click()
    form = page.locator("[data-testid=details-form]")
    form.get_by_label("Name or company").fill("Ada Active Ltd")
    form.get_by_label("Phone (optional)").fill("+1 555 0100")
    form.get_by_role("button", name="Save details").click()
    expect(flash(page)).to_contain_text("Your billing details were saved.")
    page.reload()
    expect(page.locator("[data-testid=details-form]").get_by_label("Name or company")).to_have_value("Ada Active Ltd")

    page.get_by_role("button", name="Add a tax ID").click()
    dlg = dialog(page)
    dlg.get_by_label("Type").select_option("eu_vat")
    dlg.get_by_role("button", name="Add tax ID").click()
    expect(dlg).to_contain_text("Enter the tax ID number.")
    dlg.get_by_label("Number").fill("DE123456789")
    dlg.get_by_role("button", name="Add tax ID").click()
    expect(flash(page)).to_contain_text("Your tax ID was added.")
    tax = page.locator("[data-testid=tax-ids] li").filter(has_text="DE123456789")
    expect(tax).to_contain_text("EU VAT number")
    expect(tax.locator(".badge")).to_be_visible()
    screen(page, "details-tax-id")
    tax.get_by_role("button", name="Remove tax ID DE123456789").click()
    dialog(page).get_by_role("button", name="Remove tax ID", exact=True).click()  # the confirmation step
    expect(flash(page)).to_contain_text("was removed")
    expect(page.locator("[data-testid=tax-ids] li").filter(has_text="DE123456789")).to_have_count(0)


@pytest.mark.parametrize("button", ["Manage in Stripe", "Update card in Stripe"])
def test_hosted_portal_buttons(page: Page, web_stack: dict[str, Any], button: str) -> None:
    sign_in(page, web_stack, "business-seats")
    portal = page.locator("[data-testid=portal]")
    portal.get_by_role("button", name=button).click()
    page.wait_for_url(web_stack["stripe_api_base"] + "/**")
    assert page.url.startswith(web_stack["stripe_api_base"])


def test_trial_without_a_card_says_so_and_an_upgrade_redraws_the_features(
    page: Page, web_stack: dict[str, Any]
) -> None:
    sign_in_new_user(page, web_stack, "Tia Trialcard")
    page.get_by_role("button", name="Choose a plan").click()
    dlg = dialog(page)
    dlg.get_by_label("$9.00 per month").check()
    dlg.get_by_role("button", name="Subscribe", exact=True).click()
    expect(flash(page)).to_contain_text("Your Starter trial has started")
    card = page.locator("[data-testid=plan-card]")
    trial_end = card.locator("dt:has-text('Trial ends') + dd").inner_text()
    warning = card.locator("[data-testid=trial-no-card]")
    expect(warning).to_contain_text(f"Add a card before {trial_end} to keep Starter.")
    expect(features(page)).not_to_contain_text("API access")
    screen(page, "overview-trial-without-card")

    page.get_by_role("button", name="Change plan", exact=True).click()
    dlg = dialog(page)
    dlg.get_by_label("$29.00 per month").check()
    dlg.get_by_role("button", name="Preview change").click()
    expect(dlg.locator("[data-testid=preview]")).to_contain_text("Upgrade")
    dlg.get_by_role("button", name="Confirm change").click()
    expect(flash(page)).to_contain_text("You are now on the Pro plan.")
    expect(card).to_contain_text("Pro plan")
    expect(features(page)).to_contain_text("API access")  # redrawn from the new state, no reload
    expect(warning).to_contain_text("to keep Pro.")

    # A later error clears the success message: it no longer stands next to the error as if it still applied.
    page.get_by_role("button", name="Change plan", exact=True).click()
    dlg = dialog(page)
    dlg.get_by_role("button", name="Preview change").click()
    expect(dlg.get_by_role("alert")).to_contain_text("Choose a plan first.")
    expect(flash(page)).not_to_contain_text("You are now on the Pro plan.")
    dlg.get_by_role("button", name="Cancel", exact=True).click()

    warning.get_by_role("button", name="Add a card").click()
    expect(dialog(page).get_by_role("heading", name="Add a card")).to_be_visible()
