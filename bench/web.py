"""The /billing page's budget: static size and time to the rendered overview.

* `size`: what one page in one language can load: every HTML, JS and CSS file under web/ (not `examples/`; views
  load on demand, so this is the upper bound) plus the largest message catalog and the English one (the fallback
  for a key a catalog lacks). Stripe.js is Stripe's. Uncompressed (budget < 175 KB) and gzip -9, about what a
  CDN sends (budget < 60 KB). The budget was 100 KB before branding, embedding and five languages.
* `overview`: Debian's Chromium (Playwright) against the offline stack, signed in as `active-pro`: from navigation
  start to the `billing:overview` performance mark the page sets once the overview is in the DOM (config, modules,
  GET /billing through the local gateway and the real handler, render). The first load (cold Lambda) is reported
  apart; the budget (< 500 ms) applies to the median of the warm loads.
"""

from __future__ import annotations

import gzip
import statistics
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "web"
SIZE_BUDGET = 175 * 1024
GZIP_BUDGET = 60 * 1024
TIME_BUDGET_MS = 500.0
LOADS = 7
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def web_files() -> list[Path]:
    code = [p for p in WEB.rglob("*") if p.suffix in (".html", ".js", ".css") and p.is_file()]
    code = [p for p in code if "examples" not in p.relative_to(WEB).parts]
    catalogs = sorted((WEB / "i18n").glob("*.json"), key=lambda p: p.stat().st_size)
    one_language = {catalogs[-1], WEB / "i18n" / "en.json"} if catalogs else set()
    return sorted(set(code) | one_language)


def size_rows() -> list[dict[str, Any]]:
    files = web_files()
    raw = b"".join(p.read_bytes() for p in files)
    packed = sum(len(gzip.compress(p.read_bytes(), 9)) for p in files)
    return [
        {
            "metric": "size, one language (uncompressed)",
            "value": round(len(raw) / 1024, 1),
            "unit": "KB",
            "budget": SIZE_BUDGET / 1024,
            "files": len(files),
            "ok": len(raw) < SIZE_BUDGET,
        },
        {
            "metric": "size, one language (gzip -9 per file)",
            "value": round(packed / 1024, 1),
            "unit": "KB",
            "budget": GZIP_BUDGET / 1024,
            "files": len(files),
            "ok": packed < GZIP_BUDGET,
        },
    ]


def timing_rows() -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    from local.stack.run import running_stack

    with running_stack(timeout=90) as stack, sync_playwright() as pw:
        info = stack.info
        user = next(u for u in info["demo_users"] if u["scenario"] == "active-pro")
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(info["web_url"])
            page.get_by_label("Email").fill(user["username"])
            page.get_by_label("Password").fill(user["password"])
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_selector("[data-ready=overview]", timeout=30_000)
            samples = []
            for _ in range(LOADS):
                page.goto(info["web_url"])  # same tab: the session (sessionStorage) is kept, as on a reload
                page.wait_for_selector("[data-ready=overview]", timeout=30_000)
                samples.append(page.evaluate("performance.getEntriesByName('billing:overview')[0].startTime"))
        finally:
            browser.close()
    warm = samples[1:]
    median = statistics.median(warm)
    return [
        {"metric": "overview first load", "value": round(samples[0], 1), "unit": "ms", "budget": None, "ok": None},
        {
            "metric": "overview rendered (median)",
            "value": round(median, 1),
            "unit": "ms",
            "budget": TIME_BUDGET_MS,
            "samples": len(warm),
            "max": round(max(warm), 1),
            "ok": median < TIME_BUDGET_MS,
        },
    ]


def run() -> list[dict[str, Any]]:
    return [*size_rows(), *timing_rows()]


if __name__ == "__main__":
    for row in run():
        print(row)
