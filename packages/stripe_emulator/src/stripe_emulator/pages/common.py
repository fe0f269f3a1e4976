"""Shared HTML helpers for the hosted pages: layout, escaping, money, the test card list."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlsplit

from ..router import RawResponse

# Test payment methods a person can pick (token, label). Same list as the Stripe.js stand-in.
TEST_CARDS: tuple[tuple[str, str], ...] = (
    ("pm_card_visa", "Visa 4242 (succeeds)"),
    ("pm_card_mastercard", "Mastercard 4444 (succeeds)"),
    ("pm_card_chargeDeclined", "Declines (generic decline)"),
    ("pm_card_chargeDeclinedInsufficientFunds", "Insufficient funds"),
    ("pm_card_authenticationRequired", "Requires 3-D Secure"),
    ("pm_card_chargeCustomerFail", "Fails on every charge (attaches)"),
)

_CSS = """
body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
h1{font-size:1.4rem}h2{font-size:1.1rem}fieldset{border:1px solid #ccc;border-radius:6px;margin:1rem 0}
button{font-size:1rem;padding:.5rem 1rem;margin:.25rem 0;cursor:pointer}
.error{color:#8a1c1c;background:#fdecec;padding:.5rem;border-radius:4px}
.notice{color:#14532d;background:#e8f7ee;padding:.5rem;border-radius:4px}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #eee}
label{display:block;margin:.25rem 0}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:.25rem 0}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dl.facts dt{color:#444}dl.facts dd{margin:0}
a{color:#1d4ed8}a:focus-visible,button:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}
"""


def esc(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def money(amount: Any, currency: Any) -> str:
    try:
        return f"{int(amount) / 100:.2f} {str(currency or '').upper()}"
    except (TypeError, ValueError):
        return "-"


def safe_url(url: Any) -> str | None:
    """Only http(s) URLs are used as links or redirects (no javascript: or data: URLs)."""
    if not isinstance(url, str) or not url:
        return None
    return url if urlsplit(url).scheme in ("http", "https") else None


def document(title: str, body: str) -> str:
    """A hosted page: inline style only (no external resources), the title as the page's one h1."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{_CSS}</style></head>"
        f"<body><main><h1>{esc(title)}</h1>{body}</main></body></html>"
    )


def page(title: str, body: str, status: int = 200) -> RawResponse:
    html = document(title, body)
    return RawResponse(
        status,
        html.encode("utf-8"),
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"},
    )


def redirect(location: str) -> RawResponse:
    return RawResponse(303, b"", "text/plain", {"Location": location, "Cache-Control": "no-store"})


def card_fieldset(name: str = "payment_method", legend: str = "Test card") -> str:
    options = "".join(
        f'<label><input type="radio" name="{esc(name)}" value="{esc(tok)}"{" checked" if i == 0 else ""}> '
        f"{esc(label)}</label>"
        for i, (tok, label) in enumerate(TEST_CARDS)
    )
    return f"<fieldset><legend>{esc(legend)}</legend>{options}</fieldset>"


def alert(message: str | None, kind: str = "error") -> str:
    if not message:
        return ""
    role = "alert" if kind == "error" else "status"
    return f'<p class="{kind}" role="{role}">{esc(message)}</p>'
