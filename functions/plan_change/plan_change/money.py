"""The money of a Stripe invoice (or invoice preview) as the page shows it: lines, discount rows, tax, totals.

Read from the endive invoice shape (stripe-python 16 ``Invoice``): ``lines.data[].amount`` is each line before
discounts, ``total_discount_amounts[]`` the discounts of the whole invoice (its ``discount`` is expandable; the
preview asks for ``total_discount_amounts.discount.source.coupon`` so a row can name its coupon),
``total_excluding_tax`` the total after discounts and before exclusive tax, ``amount_due`` what is collected after
the customer's credit balance. The identity the page relies on (H1) is stated in ``InvoiceMoney``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from billing_core.observability import logger
from billing_core.stripe_fields import field as g
from billing_core.stripe_fields import object_id as oid

from plan_change.models import PreviewLine

#: What the preview asks Stripe to expand so discount rows carry their coupon's name.
DISCOUNT_EXPAND = ["total_discount_amounts.discount.source.coupon"]


@dataclass(frozen=True)
class InvoiceMoney:
    """One invoice's money, with discounts as their own rows.

    Identity (checked by the tests): ``sum(item and proration lines) == subtotal``;
    ``subtotal + sum(discount lines) == total_excluding_tax``; ``total_excluding_tax + tax == total``;
    ``total + balance_applied == amount_due`` (``balance_applied`` <= 0 is the customer's credit used).
    """

    currency: str | None
    lines: list[PreviewLine]
    subtotal: int
    discount_total: int
    total_excluding_tax: int
    tax: int
    total: int
    balance_applied: int
    amount_due: int
    discounts_in_line_amounts: list[str]


def _int(value: Any) -> int:
    return int(value) if isinstance(value, int) else 0


def _discount_name(discount: Any) -> str:
    coupon = g(discount, "source", "coupon") or g(discount, "coupon")
    name = g(coupon, "name") if not isinstance(coupon, str) else None
    if isinstance(name, str) and name:
        return name
    percent = g(coupon, "percent_off") if not isinstance(coupon, str) else None
    if isinstance(percent, int | float) and percent:
        return f"{percent:g}% off"
    return "Discount"


def _line(line: Any) -> PreviewLine:
    proration = g(line, "parent", "subscription_item_details", "proration")
    if proration is None:
        proration = g(line, "parent", "invoice_item_details", "proration")
    return PreviewLine(
        kind="proration" if proration else "item",
        description=g(line, "description"),
        amount=_int(g(line, "amount")),
        proration=bool(proration),
        period_start=g(line, "period", "start"),
        period_end=g(line, "period", "end"),
    )


def discount_names(subscription: Any) -> dict[str, str]:
    """Discount id -> coupon name, from a subscription read with ``discounts.source.coupon`` expanded."""
    names: dict[str, str] = {}
    for discount in g(subscription, "discounts") or []:
        found = oid(discount)
        if found and not isinstance(discount, str):
            names[found] = _discount_name(discount)
    return names


def _netted_discounts(invoice: Any, itemized: set[str], names: dict[str, str]) -> list[str]:
    """Discounts Stripe folded into proration amounts (flexible billing, ``proration_discounts=included``: the
    line's ``discount_amounts`` name them with amount 0 and ``total_discount_amounts`` leaves them out; Stripe's
    changelog 2025-09-30 "itemize proration discount amounts"). Their money is inside the lines, so they get no
    row (the rows still add up); their names are listed so the page can say the amounts are discounted."""
    found: dict[str, str] = {}
    for line in g(invoice, "lines", "data") or []:
        for entry in g(line, "discount_amounts") or []:
            did = oid(g(entry, "discount")) or ""
            if not _int(g(entry, "amount")) and did not in itemized:
                found.setdefault(did, names.get(did, "Discount"))
    return list(found.values())


def invoice_money(invoice: Any, names: dict[str, str] | None = None) -> InvoiceMoney:
    """The invoice's lines followed by one ``discount`` row per applied discount (negative amounts)."""
    lines = [_line(line) for line in g(invoice, "lines", "data") or []]
    discount_rows: list[PreviewLine] = []
    for entry in g(invoice, "total_discount_amounts") or []:
        amount = _int(g(entry, "amount"))
        if not amount:
            continue
        discount = g(entry, "discount")
        discount_rows.append(
            PreviewLine(
                kind="discount",
                description=_discount_name(discount) if not isinstance(discount, str) else "Discount",
                amount=-amount,
                discount_id=oid(discount),
            )
        )
    netted = _netted_discounts(invoice, {row.discount_id or "" for row in discount_rows}, names or {})
    subtotal = _int(g(invoice, "subtotal"))
    total = _int(g(invoice, "total"))
    excluding = g(invoice, "total_excluding_tax")
    total_excluding_tax = excluding if isinstance(excluding, int) else total
    discount_total = -sum(row.amount for row in discount_rows)
    if sum(line.amount for line in lines) != subtotal or subtotal - discount_total != total_excluding_tax:
        # Credits Stripe applies before tax (credit grants) would show here; the product creates none.
        logger.warning("invoice lines do not add up to its totals", extra={"invoice": oid(invoice)})
    amount_due = _int(g(invoice, "amount_due"))
    return InvoiceMoney(
        currency=g(invoice, "currency"),
        lines=lines + discount_rows,
        subtotal=subtotal,
        discount_total=discount_total,
        total_excluding_tax=total_excluding_tax,
        tax=total - total_excluding_tax,
        total=total,
        balance_applied=amount_due - total,
        amount_due=amount_due,
        discounts_in_line_amounts=netted,
    )


def balance_after(invoice: Any) -> int:
    """The customer's balance once ``invoice`` is finalized (< 0: credit left for later invoices).

    Stripe applies the starting balance to the invoice: a debit is added to what is due, a credit pays it, and a
    credit larger than the total (a change whose unused time exceeds the new charge) stays on the balance.
    """
    return min(0, _int(g(invoice, "starting_balance")) + _int(g(invoice, "total")))


def balance_before(invoice: Any) -> int:
    """The customer's balance before ``invoice`` (its ``starting_balance``; < 0 is a credit)."""
    return _int(g(invoice, "starting_balance"))


def _repeating_discounts(invoice: Any, renews_at: int) -> dict[str, Any]:
    """Discount id -> coupon for the invoice's discounts still applying at ``renews_at``."""
    out: dict[str, Any] = {}
    for entry in g(invoice, "total_discount_amounts") or []:
        discount = g(entry, "discount")
        if isinstance(discount, str):
            continue
        end = g(discount, "end")
        coupon = g(discount, "source", "coupon") or g(discount, "coupon")
        if isinstance(coupon, str) or g(coupon, "duration") == "once":
            continue  # unknown coupon terms, or a coupon used up by this invoice
        if isinstance(end, int) and end <= renews_at:
            continue
        out[oid(discount) or ""] = coupon
    return out


def renewal_after_reset(invoice: Any, renews_at: int, *, balance: int = 0) -> int:
    """The renewal invoice's amount due after a change that restarts the billing period now (anchor reset, trial
    ended), or after an interval change scheduled for the period end.

    Stripe cannot preview an invoice one period ahead, so it is built from Stripe's own figures: the invoice holds
    one full-period line per item on the new price (the renewal repeats them); each discount on those lines
    repeats unless it ends (``discount.end``) before the renewal or is a ``once`` coupon. A percent-off discount
    repeats its line amounts; an amount-off discount takes its whole ``amount_off`` off the renewal (on this
    invoice Stripe spread it over the proration lines too). ``balance`` is the customer's balance when the
    renewal is finalized (:func:`balance_after` of a change invoice; a credit < 0 pays the renewal first).
    Tax is not part of this figure.
    """
    repeating = _repeating_discounts(invoice, renews_at)
    gross = 0
    percent_off = 0
    amount_off: dict[str, int] = {}
    for line in g(invoice, "lines", "data") or []:
        if _line(line).proration:
            continue
        gross += _int(g(line, "amount"))
        for entry in g(line, "discount_amounts") or []:
            did = oid(g(entry, "discount")) or ""
            coupon = repeating.get(did)
            if coupon is None:
                continue
            if isinstance(g(coupon, "amount_off"), int):
                amount_off[did] = int(g(coupon, "amount_off"))
            else:
                percent_off += _int(g(entry, "amount"))
    total = max(gross - percent_off - sum(amount_off.values()), 0)
    return max(total + balance, 0)
