"""Invoice, line item and invoice item objects in the endive shape, and the totals arithmetic."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..backend import Backend
from ..models.base import present
from ..models.catalog import Price
from ..models.invoices import Invoice, InvoiceLineItem
from ..models.subscriptions import Subscription
from . import common


def new_invoice(
    b: Backend,
    customer: str,
    *,
    billing_reason: str,
    subscription: Subscription | None = None,
    period_start: int | None = None,
    period_end: int | None = None,
    currency: str | None = None,
    auto_advance: bool = True,
    collection_method: str = "charge_automatically",
    description: str | None = None,
    metadata: dict[str, Any] | None = None,
    discounts: list[str] | None = None,
    default_payment_method: str | None = None,
    now: int | None = None,
) -> Invoice:
    """A stored draft invoice without lines."""
    cus = b.get(customer, "customer", param="customer")
    now = b.now_for_customer(customer) if now is None else now
    iid = b.new_id("in")
    parent = None
    if subscription is not None:
        parent = {
            "quote_details": None,
            "subscription_details": {
                "metadata": dict(subscription.get("metadata") or {}),
                "subscription": subscription["id"],
                "subscription_proration_date": None,
            },
            "type": "subscription_details",
        }
    inv: Invoice = {
        "id": iid,
        "object": "invoice",
        "account_country": "US",
        "account_name": "Emulated Stripe account",
        "account_tax_ids": None,
        "amount_due": 0,
        "amount_overpaid": 0,
        "amount_paid": 0,
        "amount_paid_off_stripe": 0,
        "amount_remaining": 0,
        "amount_shipping": 0,
        "application": None,
        "attempt_count": 0,
        "attempted": False,
        "auto_advance": auto_advance,
        "automatic_tax": {
            "disabled_reason": None,
            "enabled": False,
            "liability": None,
            "provider": None,
            "status": None,
        },
        "automatically_finalizes_at": None,
        "billing_reason": billing_reason,
        "collection_method": collection_method,
        "confirmation_secret": None,
        "created": now,
        "currency": currency or cus.get("currency") or "usd",
        "custom_fields": None,
        "customer": customer,
        "customer_account": None,
        "customer_address": cus.get("address"),
        "customer_email": cus.get("email"),
        "customer_name": cus.get("name"),
        "customer_phone": cus.get("phone"),
        "customer_shipping": cus.get("shipping"),
        "customer_tax_exempt": cus.get("tax_exempt") or "none",
        "customer_tax_ids": [],
        "default_payment_method": default_payment_method,
        "default_source": None,
        "default_tax_rates": [],
        "description": description,
        "discounts": list(discounts or []),
        "due_date": None,
        "effective_at": None,
        "ending_balance": None,
        "footer": None,
        "from_invoice": None,
        "hosted_invoice_url": None,
        "invoice_pdf": None,
        "issuer": {"type": "self"},
        "last_finalization_error": None,
        "latest_revision": None,
        "lines": {
            "object": "list",
            "data": [],
            "has_more": False,
            "total_count": 0,
            "url": f"/v1/invoices/{iid}/lines",
        },
        "livemode": False,
        "metadata": dict(metadata or {}),
        "next_payment_attempt": None,
        "number": None,
        "on_behalf_of": None,
        "parent": parent,
        "payment_settings": {"default_mandate": None, "payment_method_options": None, "payment_method_types": None},
        "payments": {"object": "list", "data": [], "has_more": False, "total_count": 0, "url": "/v1/invoice_payments"},
        "period_end": now if period_end is None else period_end,
        "period_start": now if period_start is None else period_start,
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "receipt_number": None,
        "rendering": None,
        "shipping_cost": None,
        "shipping_details": None,
        "starting_balance": 0,
        "statement_descriptor": None,
        "status": "draft",
        "status_details": None,
        "status_transitions": {
            "finalized_at": None,
            "marked_uncollectible_at": None,
            "paid_at": None,
            "voided_at": None,
        },
        "subtotal": 0,
        "subtotal_excluding_tax": 0,
        "test_clock": cus.get("test_clock"),
        "threshold_reason": None,
        "total": 0,
        "total_discount_amounts": [],
        "total_excluding_tax": 0,
        "total_pretax_credit_amounts": [],
        "total_taxes": [],
        "webhooks_delivered_at": None,
    }
    return b.store(inv)


def pricing(pr: Price | None, unit_decimal: str | None) -> dict[str, Any] | None:
    if pr is None:
        return {"price_details": None, "type": "price_details", "unit_amount_decimal": unit_decimal}
    return {
        "price_details": {"price": pr["id"], "product": common.product_id(pr)},
        "type": "price_details",
        "unit_amount_decimal": unit_decimal,
    }


def new_line(
    b: Backend,
    inv: Invoice,
    *,
    amount: int,
    description: str,
    period: tuple[int, int],
    quantity: int | None,
    price: Price | None,
    subscription: str | None = None,
    subscription_item: str | None = None,
    invoice_item: str | None = None,
    proration: bool = False,
    discountable: bool = True,
    metadata: dict[str, Any] | None = None,
) -> InvoiceLineItem:
    if subscription_item:
        parent: dict[str, Any] = {
            "invoice_item_details": None,
            "subscription_item_details": {
                "invoice_item": invoice_item,
                "proration": proration,
                "proration_details": {"credited_items": None},
                "subscription": subscription,
                "subscription_item": subscription_item,
            },
            "type": "subscription_item_details",
        }
    else:
        parent = {
            "invoice_item_details": {
                "invoice_item": invoice_item,
                "proration": proration,
                "proration_details": {"credited_items": None},
                "subscription": subscription,
            },
            "subscription_item_details": None,
            "type": "invoice_item_details",
        }
    unit_decimal = None
    if price is not None:
        unit_decimal = str(common.unit_amount(price))
    elif quantity:
        unit_decimal = str(Decimal(amount) / Decimal(quantity))
    line: InvoiceLineItem = {
        "id": b.new_id("il"),
        "object": "line_item",
        "amount": amount,
        "currency": inv["currency"],
        "description": description,
        "discount_amounts": [],
        "discountable": discountable,
        "discounts": [],
        "invoice": inv["id"],
        "livemode": False,
        "metadata": dict(metadata or {}),
        "parent": parent,
        "period": {"end": period[1], "start": period[0]},
        "pretax_credit_amounts": [],
        "pricing": pricing(price, unit_decimal),
        "quantity": quantity,
        "quantity_decimal": str(quantity) if quantity is not None else None,
        "subscription": subscription,
        "subtotal": amount,
        "taxes": [],
    }
    inv["lines"]["data"].append(line)
    inv["lines"]["total_count"] = len(inv["lines"]["data"])
    return line


def compute_totals(b: Backend, inv: Invoice, *, apply_balance: bool) -> None:
    """subtotal, discounts per line (percent per line, amount_off spread by weight), total, amount_due."""
    lines = inv["lines"]["data"]
    subtotal = sum(int(li["amount"]) for li in lines)
    totals: dict[str, int] = {}
    for li in lines:
        li["discount_amounts"] = []
    remaining = {li["id"]: int(li["amount"]) for li in lines}
    # Flexible-mode prorations carry their discounts already (`billing_mode.py`): kept as they are, counted in the
    # invoice's totals only when itemized (non-zero); `included` ones show amount 0 and stay out of the totals.
    fixed = [li for li in lines if li.get("_fixed_discounts") is not None]
    for li in fixed:
        li["discount_amounts"] = [dict(d) for d in li["_fixed_discounts"]]
        for d in li["discount_amounts"]:
            if d["amount"]:
                totals[d["discount"]] = totals.get(d["discount"], 0) + int(d["amount"])
    for did in inv.get("discounts") or []:
        disc = b.objects.get(did)
        coupon = common.coupon_of(b, disc) if disc else None
        if not coupon:
            continue
        eligible = [li for li in lines if li.get("discountable", True) and li.get("_fixed_discounts") is None]
        amounts: dict[str, int] = {}
        if coupon.get("percent_off") is not None:
            pct = Decimal(str(coupon["percent_off"]))
            for li in eligible:
                amounts[li["id"]] = common.round_half_up(Decimal(remaining[li["id"]]) * pct / 100)
        elif coupon.get("amount_off"):
            base = sum(remaining[li["id"]] for li in eligible)
            off = min(int(present(coupon["amount_off"])), max(base, 0))
            if base > 0 and off > 0:
                given = 0
                for n, li in enumerate(eligible):
                    if n == len(eligible) - 1:
                        share = off - given
                    else:
                        share = common.round_half_up(Decimal(off) * remaining[li["id"]] / base)
                    amounts[li["id"]] = share
                    given += share
        for li in eligible:
            amt = amounts.get(li["id"], 0)
            li["discount_amounts"].append({"amount": amt, "discount": did})
            remaining[li["id"]] -= amt
            totals[did] = totals.get(did, 0) + amt
    for li in lines:
        li["discounts"] = [d["discount"] for d in li["discount_amounts"]]
    discount_total = sum(totals.values())
    total = subtotal - discount_total
    inv["subtotal"] = inv["subtotal_excluding_tax"] = subtotal
    inv["total"] = inv["total_excluding_tax"] = total
    inv["total_discount_amounts"] = [{"amount": a, "discount": d} for d, a in totals.items()]
    balance = 0
    if apply_balance:
        cus = b.objects.get(inv["customer"] or "") or {}
        balance = int(cus.get("balance") or 0)
    applied = total + balance
    inv["starting_balance"] = balance
    inv["amount_due"] = max(applied, 0)
    inv["ending_balance"] = min(applied, 0) if apply_balance else None
    inv["amount_remaining"] = max(inv["amount_due"] - inv["amount_paid"], 0)
