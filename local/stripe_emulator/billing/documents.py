"""The hosted invoice page (HTML with a Pay button) and the invoice PDF (a real PDF made with fpdf2)."""

from __future__ import annotations

import html
from typing import Any

from ..backend import Backend
from . import common


def _money(amount: int, currency: str) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount) / 100:,.2f} {currency.upper()}"


def hosted_page(b: Backend, inv: dict[str, Any], message: str = "") -> bytes:
    rows = "".join(
        f"<tr><td>{html.escape(li['description'] or '')}</td><td>{li['quantity'] or ''}</td>"
        f"<td style='text-align:right'>{_money(li['amount'], inv['currency'])}</td></tr>"
        for li in inv["lines"]["data"]
    )
    pay = ""
    if inv["status"] == "open":
        pay = (
            f"<form method='post' action='/invoices/{inv['id']}/hosted/pay'>"
            "<button type='submit' id='pay'>Pay with the card on file</button></form>"
        )
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Invoice {
        html.escape(inv.get("number") or inv["id"])
    }</title></head><body><main>
<h1>Invoice {html.escape(inv.get("number") or "")}</h1>
<p>Status: <strong id="status">{inv["status"]}</strong></p>
{f'<p role="alert">{html.escape(message)}</p>' if message else ""}
<table><thead><tr><th>Description</th><th>Qty</th><th>Amount</th></tr></thead><tbody>{rows}</tbody></table>
<p>Subtotal {_money(inv["subtotal"], inv["currency"])}</p><p>Total {_money(inv["total"], inv["currency"])}</p>
<p>Amount due {_money(inv["amount_due"], inv["currency"])}</p>
<p>Amount remaining <span id="remaining">{_money(inv["amount_remaining"], inv["currency"])}</span></p>
{pay}<p><a href="/invoices/{inv["id"]}/pdf">Download PDF</a></p></main></body></html>"""
    return page.encode("utf-8")


def service_period(inv: dict[str, Any]) -> tuple[int, int]:
    """The service period the invoice's lines cover: earliest line `period.start` to latest `period.end`.

    Not the invoice's own `period_start`/`period_end`: stripe-python's `Invoice` docstrings call those the
    timestamps between which invoice items can be associated with it ("Use the line item period to get the
    service period for each price"); for a subscription invoice they are the previous period (zero-length on
    the first invoice). An invoice without lines falls back to its own period.
    """
    periods = [li["period"] for li in inv["lines"]["data"] if li.get("period")]
    if not periods:
        return inv["period_start"], inv["period_end"]
    return min(p["start"] for p in periods), max(p["end"] for p in periods)


def _latin(text: str) -> str:
    return text.replace("×", "x").encode("latin-1", "replace").decode("latin-1")


def invoice_pdf(b: Backend, inv: dict[str, Any]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _latin(f"Invoice {inv.get('number') or inv['id']}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    cus = b.objects.get(inv["customer"]) or {}
    facts = [
        f"Status: {inv['status']}",
        f"Date of issue: {common.fmt_date(inv['status_transitions'].get('finalized_at') or inv['created'])}",
        f"Billed to: {cus.get('name') or ''} {cus.get('email') or ''}",
        "Period: {} - {}".format(*map(common.fmt_date, service_period(inv))),
    ]
    for fact in facts:
        pdf.cell(0, 6, _latin(fact), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(120, 7, "Description", border=1)
    pdf.cell(20, 7, "Qty", border=1)
    pdf.cell(50, 7, "Amount", border=1, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    for li in inv["lines"]["data"]:
        pdf.cell(120, 7, _latin((li.get("description") or "")[:80]), border=1)
        pdf.cell(20, 7, str(li.get("quantity") or ""), border=1)
        pdf.cell(50, 7, _money(li["amount"], inv["currency"]), border=1, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    discount = sum(d["amount"] for d in inv.get("total_discount_amounts") or [])
    totals = [
        ("Subtotal", inv["subtotal"]),
        ("Discount", -discount),
        ("Total", inv["total"]),
        ("Amount paid", inv["amount_paid"]),
        ("Amount due", inv["amount_due"]),
    ]
    for label, value in totals:
        pdf.cell(140, 6, label, align="R")
        pdf.cell(50, 6, _money(value, inv["currency"]), align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
