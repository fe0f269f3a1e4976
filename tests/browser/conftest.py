"""Browser tests: Debian's Chromium driven by Playwright (sync API) against the offline stack.

The stack (moto, Stripe emulator, local API gateway, static server for web/) is started once per session on free
ports by `local.stack.run.start_stack` and stopped afterwards. Every test gets a fresh browser context (its own
sessionStorage, so its own sign-in). Screenshots go to test-artifacts/screenshots/.

The browser tests are in two xdist groups, ``stack`` (with the e2e suites) and ``browser_stack``: each group runs on
one worker with its own stack, so under `make test` the two halves run side by side. A browser test mostly waits
(for the page, the stack, Chromium), so one worker holding all of them was the suite's longest path.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from local.stack.run import StackProcess, start_stack

from .csp_watch import csp_violations, watch_csp

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
expect.set_options(timeout=15_000)  # first calls of a function in the offline stack include its cold start

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise RuntimeError("Debian's chromium is required: apt-get install -y chromium")
    return path


@pytest.fixture(scope="session")
def web_stack() -> Iterator[dict[str, Any]]:
    proc: StackProcess = start_stack()
    try:
        proc.wait_ready(240)
        # Offline, invitations go to a log instead of being mailed (billing_core.accounts.notifier.LogNotifier).
        yield proc.info | {"invitation_log": str(proc.state_file.parent / "invitations.log")}
    finally:
        proc.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def context(browser: Browser, web_stack: dict[str, Any]) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-US")
    ctx.set_default_timeout(10_000)
    watch_csp(ctx)
    try:
        yield ctx
        # Every browser test fails when the page's CSP blocked anything (tests/browser/csp_watch.py).
        violations = csp_violations(ctx)
        assert violations == [], "Content-Security-Policy violations:\n" + "\n".join(violations)
    finally:
        ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    p.js_errors = errors  # type: ignore[attr-defined]
    return p


@pytest.fixture
def user(web_stack: dict[str, Any]) -> Any:
    def by_scenario(scenario: str) -> dict[str, str]:
        return next(u for u in web_stack["demo_users"] if u["scenario"] == scenario)

    return by_scenario


def sign_in(page: Page, stack: dict[str, Any], scenario: str) -> None:
    u = next(u for u in stack["demo_users"] if u["scenario"] == scenario)
    page.goto(stack["web_url"])
    page.get_by_label("Email").fill(u["username"])
    page.get_by_label("Password").fill(u["password"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("[data-ready=overview]")).to_be_visible()


def sign_in_new_user(page: Page, stack: dict[str, Any], name: str) -> str:
    """A user created just for this test (no customer yet): flows that change state need a user of their own.
    Returns the e-mail address (the Stripe customer's, once the user subscribes)."""
    import uuid

    from local.stack.aws import create_user

    email = f"{name.lower().replace(' ', '-')}-{uuid.uuid4().hex[:8]}@example.com"
    password = "DemoBilling2026"
    create_user(stack["aws_endpoint_url"], stack["user_pool_id"], email, password, name, region=stack["region"])
    page.goto(stack["web_url"])
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("[data-ready=overview]")).to_be_visible()
    return email


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def check_axe(page: Page) -> list[dict[str, Any]]:
    """axe-core on the page as it is now: the serious and critical violations (expected: none)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]} for v in bad]


def screen(page: Page, name: str) -> None:
    """One main screen: screenshot kept as an artifact, and no serious or critical axe violation."""
    shot(page, name)
    violations = check_axe(page)
    assert violations == [], f"axe on {name}: {violations}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The screens of the seeded demo users first, then the flows that change them (one shared stack)."""
    items.sort(
        key=lambda item: 0 if item.path.name == "test_pages.py" else 1 if item.path.parent.name == "browser" else -1
    )
