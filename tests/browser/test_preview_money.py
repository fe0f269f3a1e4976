"""The plan-change dialog shows the preview's money as the API answers it: one invoice whose rows add up (H1),
discounts as their own rows, the trial choice, and a card asked for before a charge it could not make (H2)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import stripe
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import screen, sign_in_new_user
from tests.browser.seeded import seed_own_user

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_stack")]


def amount(text: str) -> int:
    """Cents of a displayed amount such as "$203.00" or "-$87.00" (signed)."""
    value = round(float(re.sub(r"[^0-9.]", "", text)) * 100)
    return -value if re.search(r"[-−]", text) else value


def dialog(page: Page) -> Locator:
    return page.locator("dialog[open]")


def flash(page: Page) -> Locator:
    return page.locator("#flash")


def adds_up(lines: Locator) -> int:
    """The preview table's rows add up: lines -> subtotal, discounts and tax -> total, credit -> the amount due.
    Returns the amount due (due now, or the next payment)."""

    def cell(row: Locator) -> int:
        return amount(row.locator("td").inner_text())

    items = sum(cell(r) for r in lines.locator("tbody tr").all())
    subtotal = cell(lines.locator("[data-row=subtotal]"))
    discounts = sum(cell(r) for r in lines.locator("tr[data-kind=discount]").all())
    tax = cell(lines.locator("[data-row=tax]"))
    total = cell(lines.locator("[data-row=total]"))
    balance = lines.locator("[data-row=balance]")
    credit = cell(balance) if balance.count() else 0
    due = cell(lines.locator("[data-row=due]"))
    assert items == subtotal, (items, subtotal)
    assert subtotal + discounts + tax == total, (subtotal, discounts, tax, total)
    assert total + credit == due, (total, credit, due)
    return due


def due_now(dlg: Locator) -> Locator:
    return dlg.locator("[data-testid=preview] dt:text-is('Due now') + dd")


def detach_cards(web_stack: dict[str, Any], email: str) -> None:
    """The customer's cards go away (removed elsewhere) between the preview and the confirmation."""
    client = stripe.StripeClient(web_stack["stripe_secret_key"], base_addresses={"api": web_stack["stripe_api_base"]})
    customers = client.v1.customers.list(params={"email": email}).data
    assert len(customers) == 1
    cards = client.v1.payment_methods.list(params={"customer": customers[0].id, "type": "card"}).data
    assert cards
    for card in cards:
        client.v1.payment_methods.detach(card.id)


def sign_in_seeded(page: Page, web_stack: dict[str, Any], scenario: str, name: str) -> None:
    """Seed `scenario` for a new user (tests/browser/seeded.py) and sign in."""
    email, password, _ = seed_own_user(web_stack, scenario, name)
    page.goto(web_stack["web_url"])
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("[data-ready=overview]")).to_be_visible()


def accept_retention_offer(page: Page) -> None:
    """The retention offer puts the "30% off for 3 months" coupon on the subscription (offered for switching)."""
    page.get_by_role("button", name="Cancel plan", exact=True).click()
    dlg = dialog(page)
    dlg.get_by_label("I'm switching to another service").check()
    dlg.get_by_role("button", name="Cancel plan", exact=True).click()
    dlg.get_by_role("button", name="Accept offer and stay").click()
    expect(flash(page)).to_contain_text("Thanks for staying!")


def test_trial_with_a_coupon_shows_discount_rows_the_trial_choice_and_asks_for_a_card(
    page: Page, web_stack: dict[str, Any]
) -> None:
    email = sign_in_new_user(page, web_stack, "Cora Coupon")
    page.get_by_role("button", name="Choose a plan").click()
    dlg = dialog(page)
    dlg.get_by_label("$29.00 per month").check()
    dlg.get_by_role("button", name="Subscribe", exact=True).click()
    expect(flash(page)).to_contain_text("Your Pro trial has started")
    accept_retention_offer(page)

    page.get_by_role("button", name="Change plan", exact=True).click()
    dlg = dialog(page)
    dlg.get_by_label("$290.00 per year").check()
    dlg.get_by_role("button", name="Preview change").click()
    keep = dlg.get_by_label(re.compile(r"^Keep my trial \(first payment on .+\)$"))
    expect(keep).to_be_checked()
    label = dlg.locator("[data-testid=trial-choice] label").first.inner_text()
    found = re.search(r"first payment on (.+)\)", label)
    assert found, label
    trial_end = found.group(1)

    # Trial kept: nothing is charged now; the table is the first invoice, with the coupon as its own row.
    lines = dlg.locator("[data-testid=preview-lines]")
    expect(lines.locator("caption")).to_have_text(f"Your next invoice on {trial_end}")
    discount = lines.locator("tr[data-kind=discount]")
    expect(discount).to_have_count(1)
    expect(discount.locator("th")).to_have_text("30% off for 3 months")
    assert amount(discount.locator("td").inner_text()) == -8700
    expect(lines.locator("[data-row=due] th")).to_have_text("Next payment")
    assert adds_up(lines) == 20300  # $290.00 a year, 30% off
    expect(due_now(dlg)).to_have_text("$0.00")
    preview = dlg.locator("[data-testid=preview]")
    expect(preview.get_by_test_id("trial-kept")).to_have_text(
        f"Your trial continues. Your first payment of $203.00 is on {trial_end}."
    )
    expect(preview.get_by_test_id("card-needed")).to_contain_text(f"Add a card before {trial_end} to keep Pro.")
    confirm = dlg.get_by_role("button", name="Confirm change")
    expect(confirm).to_be_visible()  # the change itself charges nothing now
    screen(page, "change-plan-preview-trial-coupon")

    # Ending the trial re-previews: the table is what is charged now, and it cannot be charged without a card.
    dlg.get_by_label("End my trial now and pay today").check()
    expect(lines.locator("caption")).to_have_text("Charged now")
    expect(lines.locator("[data-row=due] th")).to_have_text("Due now")
    charged = adds_up(lines)
    assert charged > 0
    assert amount(due_now(dlg).inner_text()) == charged
    needed = preview.get_by_test_id("card-needed")
    expect(needed).to_contain_text(f"A card is needed to pay the ${charged / 100:,.2f} due now.")
    expect(confirm).to_be_hidden()
    screen(page, "change-plan-preview-card-needed")
    needed.get_by_role("link", name="Go to payment methods").click()
    expect(dialog(page)).to_have_count(0)
    page.get_by_role("button", name="Add a card").click()
    dialog(page).get_by_label("Mastercard 4444 (succeeds)").check()
    dialog(page).get_by_role("button", name="Save card", exact=True).click()
    expect(page.locator("[data-ready=cards] li")).to_have_count(1)

    page.get_by_role("link", name="Overview").click()
    page.get_by_role("button", name="Change plan", exact=True).click()
    dlg = dialog(page)
    dlg.get_by_label("$290.00 per year").check()
    dlg.get_by_role("button", name="Preview change").click()
    dlg.get_by_label("End my trial now and pay today").check()
    lines = dlg.locator("[data-testid=preview-lines]")
    expect(lines.locator("caption")).to_have_text("Charged now")
    expect(dlg.get_by_test_id("card-needed")).to_have_count(0)
    confirm = dlg.get_by_role("button", name="Confirm change")
    expect(confirm).to_be_visible()

    # The card is removed before the confirmation: the change is refused with the card message, not a decline.
    detach_cards(web_stack, email)
    confirm.click()
    alert = dlg.get_by_role("alert")
    expect(alert).to_contain_text("Add a card under Payment methods to pay for this change")
    expect(alert).to_contain_text("Your plan did not change and nothing was charged.")
    expect(alert).not_to_contain_text("declined")
    expect(alert.get_by_role("link", name="Go to payment methods")).to_be_visible()
    screen(page, "change-plan-card-required")
    dlg.get_by_role("button", name="Cancel", exact=True).click()
    expect(page.locator("[data-testid=plan-card]")).to_contain_text("per month")


def test_seat_preview_shows_the_price_per_seat_times_the_seats_and_says_the_discount_is_in_the_amounts(
    page: Page, web_stack: dict[str, Any]
) -> None:
    sign_in_seeded(page, web_stack, "business-seats", "Nina Netted")  # Business, 5 seats, Visa
    accept_retention_offer(page)
    page.get_by_role("button", name="Change plan", exact=True).click()
    dlg = dialog(page)
    dlg.get_by_label("$15.00 per seat per month").check()
    dlg.get_by_label("Seats").fill("9")
    dlg.get_by_role("button", name="Preview change").click()
    preview = dlg.locator("[data-testid=preview]")
    expect(preview.get_by_test_id("new-price")).to_have_text("$15.00 per seat × 9 seats = $135.00 per month")
    lines = dlg.locator("[data-testid=preview-lines]")
    expect(lines.locator("caption")).to_have_text("Charged now")
    # Stripe netted the coupon into the proration amounts: no row of its own, and the page says so.
    expect(preview.get_by_test_id("discounts-included")).to_have_text(
        "The amounts above already include 30% off for 3 months."
    )
    expect(lines.locator("tr[data-kind=discount]")).to_have_count(0)
    charged = adds_up(lines)
    assert charged > 0
    assert amount(due_now(dlg).inner_text()) == charged
    expect(dlg.get_by_role("button", name="Confirm change")).to_be_visible()
    screen(page, "change-plan-preview-seats")
