"""Invoice lifecycle: gather lines, finalize (number, URLs, payment intent), pay, fail, void, uncollectible.

Payment outcomes flow back to the subscription engine (`billing/subscription_core.py`): the first invoice paid
activates an incomplete subscription, a failed renewal makes it past_due, and a paid invoice that carries a
pending update applies it.
"""

from __future__ import annotations

from ..backend import Backend
from ..errors import invalid_request
from ..models.base import present
from ..models.invoices import Invoice, InvoiceItem, InvoiceLineItem
from ..models.payments import PaymentIntent
from ..resources import payment_intents
from . import common, invoice_outcomes
from .invoice_shape import compute_totals, new_line


def invoice_item_line(b: Backend, inv: Invoice, ii: InvoiceItem) -> InvoiceLineItem:
    """Turn a pending invoice item into a line of `inv` (prorations keep their subscription item parent)."""
    details = (ii.get("parent") or {}).get("subscription_details") or {}
    price_id = ((ii.get("pricing") or {}).get("price_details") or {}).get("price")
    pr = b.objects.get(price_id) if price_id else None
    ii["invoice"] = inv["id"]
    line = new_line(
        b,
        inv,
        amount=int(ii["amount"]),
        description=ii.get("description") or "",
        period=(ii["period"]["start"], ii["period"]["end"]),
        quantity=ii.get("quantity"),
        price=pr,
        subscription=details.get("subscription"),
        subscription_item=details.get("subscription_item"),
        invoice_item=ii["id"],
        proration=bool(ii.get("proration")),
        discountable=bool(ii.get("discountable", True)),
        metadata=ii.get("metadata"),
    )
    if ii.get("_fixed_discounts") is not None:
        line["_fixed_discounts"] = [dict(d) for d in present(ii["_fixed_discounts"])]
    return line


def pending_items(b: Backend, customer: str, subscription: str | None) -> list[InvoiceItem]:
    """Pending invoice items of a customer for a subscription invoice (its own and unassigned), oldest first."""

    def wanted(ii: InvoiceItem) -> bool:
        if ii.get("customer") != customer or ii.get("invoice") is not None or ii.get("_deleted"):
            return False
        sub = ((ii.get("parent") or {}).get("subscription_details") or {}).get("subscription")
        return sub is None or sub == subscription

    return list(reversed(b.all("invoiceitem", where=wanted, customer=customer)))


def _next_number(b: Backend, customer: str) -> str:
    cus = b.objects[customer]
    seqs = b.extra.setdefault("invoice_numbers", {})
    seqs[customer] = seqs.get(customer, 0) + 1
    return f"{cus.get('invoice_prefix') or 'EMU'}-{seqs[customer]:04d}"


def finalize(b: Backend, inv: Invoice, request_id: str | None = None) -> Invoice:
    """draft -> open (or paid when nothing is due); creates the payment intent the invoice is paid with."""
    if inv["status"] != "draft":
        raise invalid_request(
            "This invoice is already finalized, you can't re-finalize a non-draft invoice.", code="invoice_not_editable"
        )
    now = b.now_for_customer(inv["customer"])
    compute_totals(b, inv, apply_balance=True)
    cus = b.objects[present(inv["customer"])]
    if inv["starting_balance"] != inv["ending_balance"]:
        cus["balance"] = inv["ending_balance"] or 0
    base = b.extra.get("api_base", "")
    inv.update(
        {
            "status": "open",
            "automatically_finalizes_at": None,
            "number": _next_number(b, present(inv["customer"])),
            "hosted_invoice_url": f"{base}/invoices/{inv['id']}/hosted",
            "invoice_pdf": f"{base}/invoices/{inv['id']}/pdf",
            "effective_at": now,
        }
    )
    inv["status_transitions"]["finalized_at"] = now
    if inv["amount_due"] > 0:
        pi = payment_intents.create_intent(
            b,
            customer=inv["customer"],
            amount=inv["amount_due"],
            currency=inv["currency"],
            description=f"Invoice {inv['number']}",
            invoice=inv["id"],
            request_id=request_id,
        )
        inv["_payment_intent"] = pi["id"]
        inv["confirmation_secret"] = {"client_secret": pi["client_secret"], "type": "payment_intent"}
        payment = {
            "id": b.new_id("inpay"),
            "object": "invoice_payment",
            "amount_paid": None,
            "amount_requested": inv["amount_due"],
            "created": now,
            "currency": inv["currency"],
            "invoice": inv["id"],
            "is_default": True,
            "livemode": False,
            "payment": {"payment_intent": pi["id"], "type": "payment_intent"},
            "status": "open",
            "status_transitions": {"canceled_at": None, "paid_at": None},
        }
        b.store(payment)
        payments = present(inv["payments"])
        payments["data"].append(payment)
        payments["total_count"] = 1
    b.emit("invoice.finalized", inv, request_id=request_id)
    if inv["amount_due"] == 0:
        _mark_paid(b, inv, request_id)
    return inv


def payment_method_for(b: Backend, inv: Invoice) -> str | None:
    if inv.get("default_payment_method"):
        return str(inv["default_payment_method"])
    sub_id = subscription_of(inv)
    sub = b.objects.get(sub_id) if sub_id else None
    if sub and sub.get("default_payment_method"):
        return str(sub["default_payment_method"])
    return common.customer_default_pm(b, present(inv["customer"]))


def subscription_of(inv: Invoice) -> str | None:
    parent = inv.get("parent") or {}
    return ((parent.get("subscription_details") or {}).get("subscription")) or None


def attempt(
    b: Backend,
    inv: Invoice,
    *,
    payment_method: str | None = None,
    off_session: bool = True,
    automatic: bool = False,
    request_id: str | None = None,
) -> bool:
    """Try to collect an open invoice. True when it is paid afterwards."""
    if inv["status"] == "paid":
        return True
    if inv["status"] != "open":
        raise invalid_request(
            f"Invoice is {inv['status']}; only open invoices can be paid.",
            code="invoice_not_editable" if inv["status"] == "draft" else None,
        )
    pm = payment_method or payment_method_for(b, inv)
    inv["_automatic"] = automatic
    if not pm:
        inv["attempted"] = True
        inv["attempt_count"] += 1
        b.emit("invoice.payment_failed", inv, request_id=request_id)
        _after_failure(b, inv, request_id)
        return False
    pi = b.objects[inv["_payment_intent"]]
    if pi["status"] == "requires_action" and pm == pi.get("payment_method") and not automatic:
        return False
    if pi["status"] in ("requires_action", "requires_confirmation"):
        pi["status"] = "requires_payment_method"
    inv["attempted"] = True
    inv["attempt_count"] += 1
    payment_intents.confirm_intent(b, pi, payment_method=pm, off_session=off_session, request_id=request_id)
    return bool(inv["status"] == "paid")


def on_intent_succeeded(b: Backend, pi: PaymentIntent, request_id: str | None = None) -> None:
    inv = b.objects.get(pi["_invoice"] or "")
    if inv is None or inv["status"] not in ("open", "uncollectible"):
        return
    for pay in present(inv["payments"])["data"]:
        if pay["payment"].get("payment_intent") == pi["id"]:
            pay.update({"status": "paid", "amount_paid": pi["amount"]})
            pay["status_transitions"]["paid_at"] = b.now_for_customer(inv["customer"])
            b.objects[pay["id"]] = pay
    inv["amount_paid"] = pi["amount"]
    _mark_paid(b, inv, request_id)
    pay_obj = next((p for p in inv["payments"]["data"] if p["payment"].get("payment_intent") == pi["id"]), None)
    if pay_obj is not None:
        b.emit("invoice_payment.paid", pay_obj, request_id=request_id)
    b.emit("invoice.payment_succeeded", inv, request_id=request_id)


def _mark_paid(b: Backend, inv: Invoice, request_id: str | None) -> None:
    now = b.now_for_customer(inv["customer"])
    inv.update({"status": "paid", "amount_remaining": 0, "next_payment_attempt": None, "attempted": True})
    inv["status_transitions"]["paid_at"] = now
    inv["auto_advance"] = False
    b.emit("invoice.paid", inv, request_id=request_id)
    invoice_outcomes.after_invoice_paid(b, inv, request_id=request_id)


def on_intent_failed(b: Backend, pi: PaymentIntent, request_id: str | None = None) -> None:
    inv = b.objects.get(pi["_invoice"] or "")
    if inv is None or inv["status"] != "open":
        return
    if pi["status"] == "requires_action":
        return
    b.emit("invoice.payment_failed", inv, request_id=request_id)
    _after_failure(b, inv, request_id)


def on_requires_action(b: Backend, inv: Invoice, request_id: str | None = None) -> None:
    b.emit("invoice.payment_action_required", inv, request_id=request_id)
    _after_failure(b, inv, request_id)


def _after_failure(b: Backend, inv: Invoice, request_id: str | None) -> None:
    """Schedule the next automatic retry (fixed Smart-Retries stand-in) and tell the subscription."""
    now = b.now_for_customer(inv["customer"])
    first = inv.setdefault("_first_failure_at", now)
    retries_done = inv.get("_retries_done", 0)
    is_cycle = inv.get("billing_reason") in ("subscription_cycle", "manual", "subscription_update")
    if inv.get("_pending_for"):
        inv["next_payment_attempt"] = None
    elif inv.get("collection_method") == "charge_automatically" and is_cycle and retries_done < len(common.RETRY_DAYS):
        inv["next_payment_attempt"] = first + common.RETRY_DAYS[retries_done] * common.DAY
    else:
        inv["next_payment_attempt"] = None
    invoice_outcomes.after_invoice_failed(b, inv, request_id=request_id)


def void(b: Backend, inv: Invoice, request_id: str | None = None) -> Invoice:
    if inv["status"] not in ("open", "uncollectible"):
        raise invalid_request(f"You can only void open or uncollectible invoices (this one is {inv['status']}).")
    inv.update({"status": "void", "amount_remaining": 0, "next_payment_attempt": None, "auto_advance": False})
    inv["status_transitions"]["voided_at"] = b.now_for_customer(inv["customer"])
    _cancel_intent(b, inv, request_id)
    b.emit("invoice.voided", inv, request_id=request_id)
    invoice_outcomes.after_invoice_closed(b, inv, request_id=request_id)
    return inv


def mark_uncollectible(b: Backend, inv: Invoice, request_id: str | None = None) -> Invoice:
    if inv["status"] != "open":
        raise invalid_request(f"You can only mark open invoices uncollectible (this one is {inv['status']}).")
    inv.update({"status": "uncollectible", "next_payment_attempt": None, "auto_advance": False})
    inv["status_transitions"]["marked_uncollectible_at"] = b.now_for_customer(inv["customer"])
    inv["status_details"] = {"uncollectible": {"reason": "user_forgiven"}}
    b.emit("invoice.marked_uncollectible", inv, request_id=request_id)
    invoice_outcomes.after_invoice_uncollectible(b, inv, request_id=request_id)
    return inv


def _cancel_intent(b: Backend, inv: Invoice, request_id: str | None) -> None:
    pi = b.objects.get(inv.get("_payment_intent") or "")
    if pi and pi["status"] not in ("succeeded", "canceled"):
        pi.update(
            {
                "status": "canceled",
                "canceled_at": b.now_for_customer(inv["customer"]),
                "next_action": None,
                "cancellation_reason": "void_invoice",
            }
        )
        b.emit("payment_intent.canceled", pi, request_id=request_id)
    for pay in present(inv["payments"])["data"]:
        if pay["status"] == "open":
            pay["status"] = "canceled"
            pay["status_transitions"]["canceled_at"] = b.now_for_customer(inv["customer"])
