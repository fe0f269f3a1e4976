"""Every Content-Security-Policy violation in a browser context, so a browser test fails when a flow trips the
page's CSP (`web/security_headers.json`, sent by the offline static server).

An init script (run by Playwright in every frame before the page's own scripts, and not subject to CSP) listens
for `securitypolicyviolation` and reports each one through a binding; console messages about the Content
Security Policy are recorded too (a refused frame-ancestors shows up only there, in the framing page).
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import BrowserContext, ConsoleMessage
from playwright.sync_api import Error as PlaywrightError

BINDING = "__billingCspViolation"
INIT_SCRIPT = f"""
(() => {{
  if (window.__billingCspWatch) return;
  window.__billingCspWatch = true;
  document.addEventListener("securitypolicyviolation", (e) => {{
    const report = window["{BINDING}"];
    if (report) report({{
      directive: e.effectiveDirective || e.violatedDirective,
      blocked: e.blockedURI,
      source: e.sourceFile,
      line: e.lineNumber,
      sample: e.sample,
      page: location.href,
    }});
  }}, true);
}})();
"""


def watch_csp(context: BrowserContext) -> list[dict[str, Any]]:
    """Start recording; returns the (live) list of violations, also kept as `context.csp_violations`."""
    violations: list[dict[str, Any]] = []

    def on_violation(source: dict[str, Any], report: dict[str, Any]) -> None:
        violations.append(dict(report))

    def on_console(msg: ConsoleMessage) -> None:
        if "Content Security Policy" in msg.text:
            violations.append({"directive": "(console)", "blocked": msg.text, "page": msg.page.url if msg.page else ""})

    context.expose_binding(BINDING, on_violation)
    context.add_init_script(INIT_SCRIPT)
    context.on("console", on_console)
    context.csp_violations = violations  # type: ignore[attr-defined]
    return violations


def describe(violation: dict[str, Any]) -> str:
    where = f" at {violation['source']}:{violation.get('line')}" if violation.get("source") else ""
    sample = f" ({violation['sample']!r})" if violation.get("sample") else ""
    return (
        f"{violation.get('directive')} blocked {violation.get('blocked')!r}{sample}{where} on {violation.get('page')}"
    )


def csp_violations(context: BrowserContext) -> list[str]:
    """The violations so far, after a round trip to every open page (reports still in flight arrive first)."""
    for page in context.pages:
        try:
            page.evaluate("0")
        except PlaywrightError:
            pass  # closed or navigating: whatever it reported was already delivered
    return [describe(v) for v in context.csp_violations]  # type: ignore[attr-defined]
