"""A full team on a plan that buys seats as needed (Business, seat policy ``auto``): the invitation waits for its
seat, the page shows Stripe's exact proration of one more seat, and "Buy the seat and send the invitation" buys it.

The team is the test's own (a new user creates it, adds a card and subscribes it to 3 Business seats), so buying a
seat changes nothing another test reads.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, Route, expect

from tests.browser.conftest import screen, sign_in_new_user

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("stack")]


def dialog(page: Page) -> Locator:
    return page.locator("dialog[open]")


def flash(page: Page) -> Locator:
    return page.locator("#flash")


def seat_usage(page: Page) -> Locator:
    return page.locator("[data-testid=seat-usage]")


def invite(page: Page, email: str) -> None:
    form = page.locator("[data-testid=invite]")
    form.get_by_label("Email address").fill(email)
    form.get_by_role("button", name="Send invitation").click()


def three_d_secure(page: Page) -> None:
    modal = page.get_by_role("dialog", name="3-D Secure test authentication")
    expect(modal).to_be_visible()
    modal.get_by_role("button", name="Complete authentication").click()
    expect(modal).to_be_hidden()


def team_on_three_business_seats(page: Page, web_stack: dict[str, Any], card: str = "Visa 4242 (succeeds)") -> None:
    sign_in_new_user(page, web_stack, "Seat Buyer")
    page.get_by_role("button", name="Create a team").click()
    dialog(page).get_by_label("Team name").fill(f"Seats {uuid.uuid4().hex[:6]}")
    dialog(page).get_by_role("button", name="Create team").click()
    expect(page.locator("[data-ready=members]")).to_be_visible()
    page.get_by_role("link", name="Payment methods").click()
    page.get_by_role("button", name="Add a card").click()
    dialog(page).get_by_label(card).check()
    dialog(page).get_by_role("button", name="Save card", exact=True).click()
    if card == "Requires 3-D Secure":
        three_d_secure(page)  # the bank checks the card once when it is saved
    expect(page.locator("[data-ready=cards] li")).to_have_count(1)
    page.get_by_role("link", name="Overview").click()
    page.get_by_role("button", name="Choose a plan").click()
    dialog(page).get_by_label("$15.00 per seat per month").check()
    expect(dialog(page).get_by_role("spinbutton")).to_have_value("3")
    dialog(page).get_by_role("button", name="Subscribe", exact=True).click()
    if card == "Requires 3-D Secure":
        three_d_secure(page)
    expect(page.locator("[data-testid=plan-card]")).to_contain_text("Business")
    page.get_by_role("link", name="Members").click()
    expect(seat_usage(page)).to_have_text("1 of 3 seats used")


def test_a_full_team_buys_the_previewed_seat_and_the_waiting_invitation_is_sent(
    page: Page, web_stack: dict[str, Any]
) -> None:
    """G16 (the invitation waits for its seat), G17 (a stale preview is previewed again before anything is charged)."""
    team_on_three_business_seats(page, web_stack)
    for _ in range(2):
        email = f"colleague-{uuid.uuid4().hex[:8]}@example.com"
        invite(page, email)
        expect(flash(page)).to_contain_text(f"Invitation sent to {email}")
    expect(seat_usage(page)).to_have_text("3 of 3 seats used")

    late = f"late-{uuid.uuid4().hex[:8]}@example.com"
    invite(page, late)
    expect(flash(page)).to_contain_text(f"the invitation of {late} waits for one more seat")
    seat = dialog(page)
    waits = f"The invitation of {late} (Member) waits for a seat"
    expect(seat.get_by_test_id("seat-invitation")).to_contain_text(waits)
    expect(seat.get_by_test_id("new-price")).to_have_text("$15.00 per seat × 4 seats = $60.00 per month")
    due_now = seat.locator(".preview-total").inner_text()
    assert due_now.startswith("$"), due_now
    buy = seat.get_by_role("button", name="Buy the seat and send the invitation")
    expect(buy).to_be_focused()
    screen(page, "team-seat-preview")

    # Meanwhile the subscription changed: the confirmation is refused as stale, the page previews again and says so.
    answers: list[int] = []

    def stale_once(route: Route) -> None:
        if not answers:
            answers.append(409)
            error = {"code": "preview_stale", "message": "The subscription changed since this preview."}
            route.fulfill(status=409, content_type="application/json", body=json.dumps({"error": error}))
        else:
            answers.append(0)
            route.continue_()

    page.route("**/confirm-seat", stale_once)
    buy.click()
    expect(seat.get_by_test_id("seat-changed")).to_contain_text("The amount changed since the preview")
    expect(seat.get_by_test_id("new-price")).to_have_text("$15.00 per seat × 4 seats = $60.00 per month")
    screen(page, "team-seat-preview-changed")
    buy.click()
    expect(flash(page)).to_contain_text(f"One more seat bought. Invitation sent to {late}.")
    assert answers == [409, 0]
    expect(seat_usage(page)).to_have_text("4 of 4 seats used")
    sent = page.locator("[data-testid=invitations] li", has_text=late)
    expect(sent).to_have_attribute("data-status", "pending")
    expect(sent).to_contain_text("It holds a seat until then.")

    page.get_by_role("link", name="Invoices").click()  # the seat was charged exactly as previewed
    expect(page.locator("[data-ready=invoices]")).to_contain_text(due_now)


def test_a_waiting_invitation_is_listed_with_its_seat_preview_and_revoking_it_charges_nothing(
    page: Page, web_stack: dict[str, Any]
) -> None:
    team_on_three_business_seats(page, web_stack)
    for _ in range(2):
        sent = f"guest-{uuid.uuid4().hex[:8]}@example.com"
        invite(page, sent)
        expect(flash(page)).to_contain_text(f"Invitation sent to {sent}")
    email = f"waiting-{uuid.uuid4().hex[:8]}@example.com"
    invite(page, email)
    expect(dialog(page).get_by_test_id("new-price")).to_have_text("$15.00 per seat × 4 seats = $60.00 per month")
    dialog(page).get_by_role("button", name="Cancel").click()
    expect(dialog(page)).to_have_count(0)
    waiting = page.locator("[data-testid=invitations] li[data-status=needs_seat]")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text(email)
    expect(waiting).to_contain_text("Waiting for a seat")
    expect(seat_usage(page)).to_have_text("3 of 3 seats used")  # a waiting invitation holds no seat
    screen(page, "team-invitation-waiting")

    waiting.get_by_role("button", name=f"Preview the seat for {email}").click()
    expect(dialog(page).get_by_test_id("new-price")).to_have_text("$15.00 per seat × 4 seats = $60.00 per month")
    dialog(page).get_by_role("button", name="Cancel").click()
    waiting.get_by_role("button", name=f"Revoke the invitation of {email}").click()
    expect(flash(page)).to_contain_text(f"The invitation of {email} was revoked. Nothing was sent or charged.")
    expect(waiting).to_have_count(0)
    expect(seat_usage(page)).to_have_text("3 of 3 seats used")


def test_a_seat_whose_payment_needs_3d_secure_is_paid_in_the_page_and_then_the_invitation_is_sent(
    page: Page, web_stack: dict[str, Any]
) -> None:
    """G19 (the seat's payment needs 3-D Secure: paid in Stripe.js's step, then the invitation is sent on it)."""
    team_on_three_business_seats(page, web_stack, "Requires 3-D Secure")
    for _ in range(2):
        sent = f"guest-{uuid.uuid4().hex[:8]}@example.com"
        invite(page, sent)
        expect(flash(page)).to_contain_text(f"Invitation sent to {sent}")
    email = f"secure-{uuid.uuid4().hex[:8]}@example.com"
    invite(page, email)
    dialog(page).get_by_role("button", name="Buy the seat and send the invitation").click()
    three_d_secure(page)
    expect(flash(page)).to_contain_text(f"One more seat bought. Invitation sent to {email}.")
    expect(seat_usage(page)).to_have_text("4 of 4 seats used")
    expect(page.locator("[data-testid=invitations] li", has_text=email)).to_have_attribute("data-status", "pending")
