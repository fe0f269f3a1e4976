# mypy: disable-error-code="union-attr,index,arg-type,typeddict-item"
# (stripe-python types every field as Optional and expandable; these tests read them from known responses)
"""The Stripe.js stand-in at /v3/: served without a key, CORS for Stripe.js calls, and real browser runs.

The browser tests serve a tiny billing page from another origin (so CORS is exercised), mount the payment element,
pick a test card and confirm a SetupIntent / PaymentIntent, including the 3-D Secure modal (approve and fail).
"""

from __future__ import annotations

import http.client
import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import stripe

# Playwright's sync API refuses to start while another sync Playwright runs in the same process, and the browser
# tests keep one for the whole session: these tests join their xdist group so they run on the same worker, sorted
# before the browser tests (tests/browser/conftest.py), never after them.
pytestmark = pytest.mark.xdist_group("stack")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _get(api_base: str, path: str, method: str = "GET", headers: dict[str, str] | None = None) -> Any:
    u = urlsplit(api_base)
    conn = http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port, timeout=10)
    conn.request(method, path, headers=headers or {})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body


def test_stripe_js_is_served_without_a_key(stripe_emulator: Any) -> None:
    for path in ("/v3/", "/v3/stripe.js"):
        status, headers, body = _get(stripe_emulator.api_base, path)
        assert status == 200
        assert headers["content-type"].startswith("application/javascript")
        assert b"window.Stripe = Stripe" in body and b"3-D Secure test authentication" in body


def test_cors_preflight_and_publishable_routes(stripe_client: stripe.StripeClient, stripe_emulator: Any) -> None:
    status, headers, _ = _get(stripe_emulator.api_base, "/v1/setup_intents/seti_x/confirm", method="OPTIONS")
    assert status == 204 and headers["access-control-allow-origin"] == "*"
    assert "Authorization" in headers["access-control-allow-headers"]
    cus = stripe_client.v1.customers.create({})
    seti = stripe_client.v1.setup_intents.create({"customer": cus.id})
    auth = {"Authorization": f"Bearer {stripe_emulator.publishable_key}"}
    status, headers, body = _get(
        stripe_emulator.api_base, f"/v1/setup_intents/{seti.id}?client_secret={seti.client_secret}", headers=auth
    )
    assert status == 200 and headers["access-control-allow-origin"] == "*"
    assert json.loads(body)["id"] == seti.id
    # secret-key routes do not answer browsers, and refuse the publishable key
    status, headers, _ = _get(stripe_emulator.api_base, f"/v1/customers/{cus.id}", headers=auth)
    assert status == 401 and "access-control-allow-origin" not in headers


# --- browser -------------------------------------------------------------------------------------------------

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Billing test</title>
<script src="{api_base}/v3/"></script></head><body><main>
<h1>Payment details</h1><form id="f"><div id="payment-element"></div><button type="submit">Save</button></form>
<pre id="result"></pre><p id="changes">0</p>
<script>
  const params = new URLSearchParams(location.search);
  const stripe = Stripe(params.get("pk"));
  const elements = stripe.elements({{clientSecret: params.get("cs"), appearance: {{theme: "stripe"}}}});
  const el = elements.create("payment");
  el.on("change", () => {{ const c = document.getElementById("changes"); c.textContent = +c.textContent + 1; }});
  el.mount("#payment-element");
  document.getElementById("f").addEventListener("submit", async (e) => {{
    e.preventDefault();
    const cs = params.get("cs");
    const res = cs.startsWith("seti_")
      ? await stripe.confirmSetup({{elements, redirect: "if_required", confirmParams: {{return_url: location.href}}}})
      : await stripe.confirmCardPayment(cs, {{payment_method: el._value}});
    document.getElementById("result").textContent = JSON.stringify(res);
  }});
</script></main></body></html>"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.fail("Debian chromium is required for the browser tests: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def billing_page(stripe_emulator: Any) -> Iterator[str]:
    """A page on a second origin that loads the emulator's Stripe.js."""
    html = PAGE.format(api_base=stripe_emulator.api_base).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}/billing"
    finally:
        server.shutdown()
        server.server_close()


def _run(browser: Any, url: str, card_label: str, three_ds: str | None = None) -> dict[str, Any]:
    page = browser.new_page()
    try:
        page.goto(url)
        page.get_by_role("radio", name=card_label).check()
        assert page.locator("#changes").inner_text() == "1"
        page.get_by_role("button", name="Save").click()
        if three_ds:
            dialog = page.get_by_role("dialog", name="3-D Secure test authentication")
            dialog.wait_for(timeout=10_000)
            assert page.evaluate("document.activeElement.textContent") == "Complete authentication"
            dialog.get_by_role("button", name=three_ds).click()
            dialog.wait_for(state="detached", timeout=10_000)
        page.locator("#result").filter(has_text="{").wait_for(timeout=10_000)
        return dict(json.loads(page.locator("#result").inner_text()))
    finally:
        page.close()


def _setup_intent(client: stripe.StripeClient) -> Any:
    cus = client.v1.customers.create({"email": "b@example.com"})
    return client.v1.setup_intents.create({"customer": cus.id, "usage": "off_session"})


@pytest.mark.browser
def test_browser_confirm_setup_succeeds(
    browser: Any, billing_page: str, stripe_client: stripe.StripeClient, stripe_emulator: Any
) -> None:
    seti = _setup_intent(stripe_client)
    res = _run(
        browser, f"{billing_page}?pk={stripe_emulator.publishable_key}&cs={seti.client_secret}", "Visa 4242 (succeeds)"
    )
    assert "setupIntent" in res, res
    assert res["setupIntent"]["status"] == "succeeded"
    pm = stripe_client.v1.payment_methods.retrieve(res["setupIntent"]["payment_method"])
    assert pm.customer == seti.customer and pm.card.last4 == "4242"


@pytest.mark.browser
def test_browser_confirm_setup_decline(
    browser: Any, billing_page: str, stripe_client: stripe.StripeClient, stripe_emulator: Any
) -> None:
    seti = _setup_intent(stripe_client)
    res = _run(
        browser, f"{billing_page}?pk={stripe_emulator.publishable_key}&cs={seti.client_secret}", "Insufficient funds"
    )
    assert res["error"]["type"] == "card_error"
    assert res["error"]["code"] == "card_declined" and res["error"]["decline_code"] == "insufficient_funds"


@pytest.mark.browser
@pytest.mark.parametrize(
    ("button", "status"), [("Complete authentication", "succeeded"), ("Fail authentication", None)]
)
def test_browser_confirm_setup_3ds(
    browser: Any,
    billing_page: str,
    stripe_client: stripe.StripeClient,
    stripe_emulator: Any,
    button: str,
    status: str | None,
) -> None:
    seti = _setup_intent(stripe_client)
    url = f"{billing_page}?pk={stripe_emulator.publishable_key}&cs={seti.client_secret}"
    res = _run(browser, url, "Requires 3-D Secure", three_ds=button)
    if status:
        assert res.get("setupIntent", {}).get("status") == status, res
    else:
        assert res["error"]["code"] == "setup_intent_authentication_failure"
        assert res["error"]["setup_intent"]["status"] == "requires_payment_method"
    assert stripe_client.v1.setup_intents.retrieve(seti.id).status == (status or "requires_payment_method")


@pytest.mark.browser
def test_browser_confirm_card_payment_3ds(
    browser: Any, billing_page: str, stripe_client: stripe.StripeClient, stripe_emulator: Any
) -> None:
    cus = stripe_client.v1.customers.create({})
    pi = stripe_client.v1.payment_intents.create({"amount": 1500, "currency": "usd", "customer": cus.id})
    url = f"{billing_page}?pk={stripe_emulator.publishable_key}&cs={pi.client_secret}"
    res = _run(browser, url, "Requires 3-D Secure", three_ds="Complete authentication")
    assert res["paymentIntent"]["status"] == "succeeded" and res["paymentIntent"]["amount"] == 1500
