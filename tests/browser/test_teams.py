"""Teams on the /billing page: the account switcher, the Members view and what each role sees.

The seeded team (Business, 5 seats: owner, billing admin, member and one pending invitation, 4 of 5 seats used) is
shared by the session: these tests leave it as they found it (their own invitations are revoked; roles and
removals are tried on a team of their own).
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, Route, expect

from local.stack.aws import create_user
from tests.browser.conftest import screen, sign_in, sign_in_new_user

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("stack")]

TEAM = "Acme Team"


def flash(page: Page) -> Locator:
    return page.locator("#flash")


def dialog(page: Page) -> Locator:
    return page.locator("dialog[open]")


def switch_to(page: Page, option: str) -> None:
    page.get_by_label("Billing account").select_option(label=option)
    expect(page.get_by_label("Billing account")).to_have_value(re.compile(r"\S"))
    expect(page.locator("#main")).not_to_have_attribute("aria-busy", "true")


def members_tab(page: Page) -> None:
    page.get_by_role("link", name="Members").click()
    expect(page.locator("[data-ready=members]")).to_be_visible()


def invite(page: Page, email: str, role: str = "Member") -> None:
    form = page.locator("[data-testid=invite]")
    form.get_by_label("Email address").fill(email)
    form.get_by_label("Role").select_option(label=role)
    form.get_by_role("button", name="Send invitation").click()


def token_for(web_stack: dict[str, Any], email: str) -> str:
    """The token of the last invitation logged for `email` (what the host app would mail as the accept link)."""
    lines = Path(web_stack["invitation_log"]).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if json.loads(line)["email"] == email][-1]["token"]


def test_owner_switches_to_the_team_sees_its_seats_invites_and_revokes(page: Page, web_stack: dict[str, Any]) -> None:
    sign_in(page, web_stack, "team-owner")
    switch_to(page, f"{TEAM} (Owner)")
    expect(page.locator("[data-testid=plan-card]")).to_contain_text("Business")
    members_tab(page)
    expect(page.locator("[data-testid=seat-usage]")).to_have_text("4 of 5 seats used")
    members = page.locator("[data-testid=members]")
    expect(members.get_by_label("Role of team-member@example.com")).to_have_value("member")
    screen(page, "team-members-owner")

    email = f"invitee-{uuid.uuid4().hex[:8]}@example.com"
    invite(page, email, "Billing admin")
    expect(flash(page)).to_contain_text(f"Invitation sent to {email}")
    expect(page.locator("[data-testid=seat-usage]")).to_have_text("5 of 5 seats used")
    pending = page.locator("[data-testid=invitations]")
    expect(pending.locator("li", has_text=email)).to_contain_text("Billing admin")

    # The last seat is taken: Business buys seats as needed, so the page offers the exact preview of one more.
    second = f"second-{uuid.uuid4().hex[:8]}@example.com"
    invite(page, second)
    refusal = page.locator("[data-testid=invite] .alert.error")
    expect(refusal).to_contain_text("5 of 5 seats used")
    expect(refusal.locator("[data-testid=seat-offer]")).to_have_text(
        "One more seat makes 6 seats at $15.00 per seat per month."
    )
    screen(page, "team-seat-offer")
    refusal.get_by_role("button", name="Preview adding a seat").click()
    expect(dialog(page).get_by_label("$15.00 per seat per month")).to_be_checked()
    expect(dialog(page).get_by_role("spinbutton")).to_have_value("6")
    dialog(page).get_by_role("button", name="Cancel").click()
    expect(dialog(page)).to_have_count(0)
    page.get_by_role("link", name="Overview").click()  # the invitation waiting for its seat is kept
    members_tab(page)
    expect(page.locator("[data-testid=invite]").get_by_label("Email address")).to_have_value(second)

    pending.get_by_role("button", name=f"Revoke the invitation of {email}").click()
    expect(flash(page)).to_contain_text(f"The invitation of {email} was revoked")
    expect(page.locator("[data-testid=seat-usage]")).to_have_text("4 of 5 seats used")
    expect(pending.locator("li", has_text=email)).to_have_count(0)

    page.reload()  # the chosen account is remembered for the tab's session
    expect(page.locator("[data-ready=members]")).to_be_visible()
    expect(page.get_by_label("Billing account").locator("option:checked")).to_have_text(f"{TEAM} (Owner)")


def test_billing_admin_sees_every_billing_action_but_no_role_management(page: Page, web_stack: dict[str, Any]) -> None:
    sign_in(page, web_stack, "team-billing-admin")
    switch_to(page, f"{TEAM} (Billing admin)")
    card = page.locator("[data-testid=plan-card]")
    expect(card.get_by_role("button", name="Change plan")).to_be_visible()
    expect(page.locator("[data-testid=portal]")).to_be_visible()
    for tab in ("Payment methods", "Invoices", "Billing details", "Members"):
        expect(page.locator("#tabs").get_by_role("link", name=tab)).to_be_visible()
    members_tab(page)
    expect(page.locator("[data-testid=seat-usage]")).to_have_text("4 of 5 seats used")
    members = page.locator("[data-testid=members]")
    expect(members.locator("select")).to_have_count(0)
    expect(members.get_by_role("button", name="Remove")).to_have_count(0)
    expect(members.get_by_role("button", name="Transfer ownership")).to_have_count(0)
    expect(members.get_by_role("button", name="Leave team")).to_be_visible()
    roles = page.locator("[data-testid=invite]").get_by_label("Role").locator("option")
    expect(roles).to_have_text(["Member", "Billing admin"])
    expect(page.locator("[data-testid=invitations]")).to_contain_text("team-invitee@example.com")
    screen(page, "team-members-billing-admin")


def test_member_sees_the_plan_and_who_to_ask_and_no_billing_action(page: Page, web_stack: dict[str, Any]) -> None:
    sign_in(page, web_stack, "team-member")
    switch_to(page, f"{TEAM} (Member)")
    plan = page.locator("[data-testid=member-plan]")
    expect(plan).to_contain_text("Business")
    expect(plan).to_contain_text("Active")
    expect(plan).to_contain_text("4 of 5 seats used")
    expect(page.locator("section[aria-labelledby=features-title]")).to_contain_text("Single sign-on (SSO)")
    ask = page.locator("[data-testid=who-to-ask]")
    expect(ask.get_by_role("link", name="team-owner@example.com")).to_be_visible()
    expect(ask.get_by_role("link", name="team-billing-admin@example.com")).to_be_visible()
    expect(page.locator("#main").get_by_role("button")).to_have_count(0)
    tabs = page.locator("#tabs")
    for tab in ("Payment methods", "Invoices", "Billing details"):
        expect(tabs.get_by_role("link", name=tab)).to_be_hidden()
    screen(page, "team-overview-member")
    page.goto(web_stack["web_url"] + "#invoices")  # a billing section asked for by its address shows the overview
    expect(page.locator("[data-testid=member-plan]")).to_be_visible()
    members_tab(page)
    expect(page.locator("[data-testid=invite]")).to_have_count(0)
    expect(page.locator("[data-testid=invitations]")).to_have_count(0)
    expect(page.locator("[data-testid=members]").get_by_role("button", name="Leave team")).to_be_visible()
    screen(page, "team-members-member")


def member_row(page: Page, email: str) -> Locator:
    return page.locator("[data-testid=members] tr", has_text=email)


def test_a_new_team_invites_someone_who_joins_from_the_link_takes_over_and_removes_the_founder(
    page: Page, web_stack: dict[str, Any]
) -> None:
    """G4 (the last owner's leave is refused in words), G13 (removed meanwhile), G14 (the link through sign-in)."""
    founder = sign_in_new_user(page, web_stack, "Team Founder")
    team = f"Founders {uuid.uuid4().hex[:6]}"
    page.get_by_role("button", name="Create a team").click()
    dialog(page).get_by_label("Team name").fill(team)
    screen(page, "team-create")
    dialog(page).get_by_role("button", name="Create team").click()
    expect(flash(page)).to_contain_text(f"Team {team} created")
    expect(page.locator("[data-testid=seat-usage]")).to_have_text(
        "1 seat used (no seat limit until the team subscribes)"
    )
    email = f"joiner-{uuid.uuid4().hex[:8]}@example.com"
    create_user(web_stack["aws_endpoint_url"], web_stack["user_pool_id"], email, "DemoBilling2026", "Jo Iner",
                region=web_stack["region"])  # fmt: skip
    invite(page, email)
    expect(flash(page)).to_contain_text(f"Invitation sent to {email}")

    joiner = page.context.new_page()  # a tab of its own: its own session
    joiner.goto(web_stack["web_url"] + "#invitation=" + token_for(web_stack, email))
    expect(flash(joiner)).to_contain_text("You were invited to a team. Sign in with the e-mail address")
    expect(joiner).not_to_have_url(re.compile("invitation="))  # the token leaves the address bar at once
    answers: list[int] = []

    def lose_the_first_answer(route: Route) -> None:
        response = route.fetch()  # the server accepts...
        answers.append(response.status)
        if len(answers) == 1:
            route.abort("connectionreset")  # ...and its answer never reaches the page
        else:
            route.fulfill(response=response)

    joiner.route("**/invitations/*/accept", lose_the_first_answer)
    joiner.get_by_label("Email").fill(email)
    joiner.get_by_label("Password").fill("DemoBilling2026")
    joiner.get_by_role("button", name="Sign in").click()
    expect(flash(joiner)).to_contain_text("You have not joined the team.")
    flash(joiner).get_by_role("button", name="Try again").click()  # the kept token: accepting again is safe
    expect(flash(joiner)).to_contain_text(f"You joined {team} as Member")
    assert answers == [200, 200]  # accepted, then accepted again: the same team
    expect(joiner.locator("[data-ready=members]")).to_be_visible()
    expect(joiner.get_by_label("Billing account").locator("option:checked")).to_have_text(f"{team} (Member)")
    screen(joiner, "team-joined")

    page.reload()
    expect(page.locator("[data-testid=seat-usage]")).to_contain_text("2 seats used")
    member_row(page, email).get_by_label(f"Role of {email}").select_option("billing_admin")
    expect(flash(page)).to_contain_text(f"{email} is now Billing admin")
    expect(member_row(page, email).get_by_label(f"Role of {email}")).to_have_value("billing_admin")

    page.get_by_role("button", name="Transfer ownership").click()
    dialog(page).get_by_label("New owner").select_option(label=email)
    dialog(page).get_by_role("button", name="Transfer", exact=True).click()
    expect(flash(page)).to_contain_text(f"{email} is now an owner, and you are a billing admin.")
    expect(page.get_by_label("Billing account").locator("option:checked")).to_have_text(f"{team} (Billing admin)")
    expect(page.locator("[data-testid=members] select")).to_have_count(0)

    joiner.reload()  # now an owner: removes the founder
    member_row(joiner, founder).get_by_role("button", name="Remove").click()
    dialog(joiner).get_by_role("button", name="Remove from team").click()
    expect(flash(joiner)).to_contain_text(f"{founder} was removed from the team")
    expect(member_row(joiner, founder)).to_have_count(0)
    # The last owner cannot leave; the page says what to do instead.
    joiner.get_by_role("button", name="Leave team").click()
    dialog(joiner).get_by_role("button", name="Leave", exact=True).click()
    expect(dialog(joiner).locator(".alert.error")).to_contain_text("A team needs at least one owner.")
    joiner.close()

    page.reload()  # removed meanwhile: back to the personal account, saying why
    expect(flash(page)).to_contain_text("You are no longer a member of the team you had chosen.")
    expect(page.get_by_label("Billing account").locator("option:checked")).to_have_text("Personal account")
    expect(page.get_by_label("Billing account").locator("option")).to_have_count(1)


def test_without_the_accounts_service_the_personal_account_works_and_a_chosen_team_offers_a_retry(
    page: Page, web_stack: dict[str, Any]
) -> None:
    """G15"""
    sign_in(page, web_stack, "team-member")
    accounts_down = "**/accounts"  # GET /accounts only (members and invitations have longer paths)
    page.route(accounts_down, lambda route: route.abort("connectionreset"))
    page.reload()
    expect(page.locator("[data-testid=no-plan]")).to_be_visible()  # the personal account needs no list
    expect(page.get_by_label("Billing account")).to_be_hidden()
    page.unroute(accounts_down)

    page.reload()
    switch_to(page, f"{TEAM} (Member)")
    expect(page.locator("[data-testid=member-plan]")).to_be_visible()
    page.route(accounts_down, lambda route: route.abort("connectionreset"))
    page.reload()  # the team's role is unknown without the list: no billing screen is guessed
    expect(page.locator("#main .alert.error")).to_contain_text("The billing service cannot be reached.")
    expect(page.locator("[data-testid=member-plan]")).to_have_count(0)
    page.unroute(accounts_down)
    page.get_by_role("button", name="Try again").click()
    expect(page.locator("[data-testid=member-plan]")).to_contain_text("Business")
