"""Proration as Stripe computes it: time-based to the second, one line per old and per new item state.

credit = -round(old_unit_amount * old_quantity * remaining / period)
charge =  round(new_unit_amount * new_quantity * remaining / period)
with remaining = period_end - proration_date and period = period_end - period_start; half cents round away from
zero. Each line is an invoice item flagged `proration=true` whose invoice line carries
`parent.subscription_item_details.proration=true`.
"""

from __future__ import annotations

from typing import Any

from ..backend import Backend
from ..models.catalog import Price
from ..models.invoices import InvoiceItem
from ..models.subscriptions import Subscription
from ..resources.invoice_items import new_invoice_item
from . import billing_mode, common


def _label(b: Backend, pr: Price, quantity: int) -> str:
    name = common.product_name(b, pr)
    return f"{quantity} × {name}" if quantity != 1 else name


def proration_item(
    b: Backend,
    sub: Subscription,
    *,
    item_id: str,
    price: Price,
    quantity: int,
    credit: bool,
    at: int,
    period: tuple[int, int],
) -> InvoiceItem | None:
    """A pending proration invoice item for one side of an item change (None when it would be zero time)."""
    start, end = period
    remaining = end - at
    if remaining <= 0:
        return None
    value = common.prorated(common.unit_amount(price), quantity, remaining, end - start)
    what = "Unused time on" if credit else "Remaining time on"
    return new_invoice_item(
        b,
        customer=sub["customer"],
        amount=-value if credit else value,
        currency=sub["currency"],
        description=f"{what} {_label(b, price, quantity)} after {common.fmt_date(at)}",
        period=(at, end),
        price=price,
        quantity=quantity,
        subscription=sub["id"],
        subscription_item=item_id,
        proration=True,
        date=at,
    )


def prorate_changes(
    b: Backend,
    sub: Subscription,
    before: list[dict[str, Any]],
    after: list[dict[str, Any]],
    *,
    at: int,
    period: tuple[int, int],
    charge_new: bool = True,
) -> list[InvoiceItem]:
    """Invoice items for the difference between two item lists ({id, price, quantity} dicts).

    Classic mode credits the old item state at its current price and quantity; flexible mode credits what was
    originally debited for the time left (`billing_mode.credits`) and records each charge as a new debit.
    """
    flexible = billing_mode.is_flexible(sub)
    out: list[InvoiceItem] = []
    old_by_id = {i["id"]: i for i in before}
    new_by_id = {i["id"]: i for i in after}
    for old in before:
        nxt = new_by_id.get(old["id"])
        if nxt is not None and nxt["price"]["id"] == old["price"]["id"] and nxt["quantity"] == old["quantity"]:
            continue
        if flexible:
            out.extend(billing_mode.credits(b, sub, old["id"], at))
            continue
        ii = proration_item(
            b,
            sub,
            item_id=old["id"],
            price=old["price"],
            quantity=old["quantity"] or 0,
            credit=True,
            at=at,
            period=period,
        )
        if ii is not None:
            out.append(ii)
    if not charge_new:
        return out
    for new in after:
        prev = old_by_id.get(new["id"])
        if prev is not None and new["price"]["id"] == prev["price"]["id"] and new["quantity"] == prev["quantity"]:
            continue
        if flexible:
            ii = billing_mode.charge(
                b, sub, item_id=new["id"], price=new["price"], quantity=new["quantity"] or 0, at=at, period=period
            )
            if ii is not None:
                out.append(ii)
            continue
        ii = proration_item(
            b,
            sub,
            item_id=new["id"],
            price=new["price"],
            quantity=new["quantity"] or 0,
            credit=False,
            at=at,
            period=period,
        )
        if ii is not None:
            out.append(ii)
    return out
