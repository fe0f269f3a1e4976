"""Invoice items: one-off charges (and proration credits/charges) waiting for the customer's next invoice."""

from __future__ import annotations

from typing import Any

from ..backend import Backend
from ..billing import common, invoicing
from ..billing.invoice_shape import compute_totals, pricing
from ..errors import invalid_request
from ..models.catalog import Price
from ..models.invoices import InvoiceItem


def new_invoice_item(
    b: Backend,
    *,
    customer: str,
    amount: int,
    currency: str,
    description: str | None,
    period: tuple[int, int] | None = None,
    price: Price | None = None,
    quantity: int = 1,
    subscription: str | None = None,
    subscription_item: str | None = None,
    proration: bool = False,
    invoice: str | None = None,
    discountable: bool = True,
    metadata: dict[str, Any] | None = None,
    date: int | None = None,
    request_id: str | None = None,
    emit: bool = True,
    fixed_discounts: list[dict[str, Any]] | None = None,
) -> InvoiceItem:
    """A pending invoice item; `fixed_discounts` (flexible-mode prorations) are its discount amounts, kept as they
    are on the invoice instead of being recomputed from the invoice's discounts."""
    now = b.now_for_customer(customer) if date is None else date
    cus = b.objects.get(customer) or {}
    unit = str(common.unit_amount(price)) if price is not None else str(amount // quantity if quantity else amount)
    ii: InvoiceItem = {
        "id": b.new_id("ii"),
        "object": "invoiceitem",
        "amount": amount,
        "currency": currency,
        "customer": customer,
        "customer_account": None,
        "date": now,
        "description": description,
        "discountable": discountable,
        "discounts": [],
        "frozen_fields": None,
        "invoice": invoice,
        "invoicing_rules": None,
        "livemode": False,
        "metadata": dict(metadata or {}),
        "net_amount": amount,
        "parent": (
            {
                "subscription_details": {"subscription": subscription, "subscription_item": subscription_item},
                "type": "subscription_details",
            }
            if subscription
            else None
        ),
        "period": {"end": (period or (now, now))[1], "start": (period or (now, now))[0]},
        "pricing": pricing(price, unit),
        "proration": proration,
        "proration_details": (
            {"credited_items": None, "discount_amounts": [dict(d) for d in fixed_discounts or []]}
            if proration
            else None
        ),
        "quantity": quantity,
        "quantity_decimal": str(quantity),
        "tax_rates": [],
        "test_clock": cus.get("test_clock"),
    }
    if fixed_discounts is not None:
        ii["_fixed_discounts"] = [dict(d) for d in fixed_discounts]
    b.store(ii)
    if emit:
        b.emit("invoiceitem.created", ii, request_id=request_id)
    return ii


def create_invoice_item(b: Backend, p: dict[str, Any], request_id: str | None = None) -> InvoiceItem:
    with b.lock:
        cus = b.get(p.get("customer"), "customer", param="customer")
        price_id = (p.get("pricing") or {}).get("price")
        pr = common.price(b, price_id, param="pricing[price]") if price_id else None
        quantity = int(p.get("quantity") or 1)
        if pr is not None:
            amount = common.unit_amount(pr) * quantity
            currency = pr["currency"]
        elif p.get("price_data"):
            amount = int(p["price_data"].get("unit_amount") or 0) * quantity
            currency = p["price_data"]["currency"]
        elif p.get("amount") is not None:
            amount = int(p["amount"])
            currency = p.get("currency") or cus.get("currency") or "usd"
        else:
            raise invalid_request("You must specify either `amount`, `pricing[price]` or `price_data`.", param="amount")
        inv = None
        if p.get("invoice"):
            inv = b.get(p["invoice"], "invoice", param="invoice")
            if inv["status"] != "draft":
                raise invalid_request("You can only add invoice items to draft invoices.", param="invoice")
        if p.get("subscription"):
            b.get(p["subscription"], "subscription", param="subscription")
        period = p.get("period")
        ii = new_invoice_item(
            b,
            customer=cus["id"],
            amount=amount,
            currency=currency,
            description=p.get("description"),
            period=(int(period["start"]), int(period["end"])) if period else None,
            price=pr,
            quantity=quantity,
            subscription=p.get("subscription"),
            invoice=None,
            discountable=p.get("discountable", True),
            metadata=p.get("metadata"),
            request_id=request_id,
        )
        if inv is not None:
            invoicing.invoice_item_line(b, inv, ii)
            compute_totals(b, inv, apply_balance=False)
        return ii
