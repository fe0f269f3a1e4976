"""The hosted invoice page (HTML with a Pay button) and the invoice PDF (a real PDF made with fpdf2)."""

from __future__ import annotations

from ..backend import Backend
from ..models.invoices import Invoice
from ..pages.common import alert, document, esc
from . import common


def _money(amount: int, currency: str) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount) / 100:,.2f} {currency.upper()}"


def hosted_page(b: Backend, inv: Invoice, message: str = "", kind: str = "notice") -> bytes:
    """The hosted invoice page: the emulator's hosted-page style (`pages.common`), every value escaped."""
    cur = inv["currency"]
    rows = "".join(
        f"<tr><td>{esc(li['description'] or '')}</td><td class='num'>{esc(li['quantity'] or '')}</td>"
        f"<td class='num'>{esc(_money(li['amount'], cur))}</td></tr>"
        for li in inv["lines"]["data"]
    )
    pay = ""
    if inv["status"] == "open":
        pay = (
            f"<form method='post' action='/invoices/{esc(inv['id'])}/hosted/pay'>"
            "<button type='submit' id='pay'>Pay with the card on file</button></form>"
        )
    start, end = service_period(inv)
    facts = (
        f"<dl class='facts'><dt>Status</dt><dd><strong id='status'>{esc(inv['status'])}</strong></dd>"
        f"<dt>Period</dt><dd>{esc(common.fmt_date(start))} - {esc(common.fmt_date(end))}</dd></dl>"
    )
    table = (
        "<table><caption>Invoice lines</caption><thead><tr><th scope='col'>Description</th>"
        f"<th scope='col' class='num'>Qty</th><th scope='col' class='num'>Amount</th></tr></thead><tbody>{rows}</tbody>"
        "</table>"
    )
    totals = (
        f"<dl class='facts'><dt>Subtotal</dt><dd>{esc(_money(inv['subtotal'], cur))}</dd>"
        f"<dt>Total</dt><dd>{esc(_money(inv['total'], cur))}</dd>"
        f"<dt>Amount due</dt><dd>{esc(_money(inv['amount_due'], cur))}</dd>"
        f"<dt>Amount remaining</dt><dd id='remaining'>{esc(_money(inv['amount_remaining'], cur))}</dd></dl>"
    )
    body = (
        f"{alert(message, kind)}{facts}{table}{totals}{pay}"
        f"<p><a href='/invoices/{esc(inv['id'])}/pdf'>Download PDF</a></p>"
    )
    return document(f"Invoice {inv.get('number') or inv['id']}", body).encode("utf-8")


def service_period(inv: Invoice) -> tuple[int, int]:
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


def invoice_pdf(b: Backend, inv: Invoice) -> bytes:
    from fpdf import FPDF  # on first use: only invoice PDF downloads need it

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _latin(f"Invoice {inv.get('number') or inv['id']}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    cus = b.objects.get(inv["customer"] or "") or {}
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
