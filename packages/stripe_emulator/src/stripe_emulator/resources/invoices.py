"""Invoices: create, retrieve, update, delete (drafts), list, lines, finalize, pay, void, mark_uncollectible,
create_preview, and the emulator-served hosted page (`/invoices/{id}/hosted`) and PDF (`/invoices/{id}/pdf`)."""

from __future__ import annotations

from typing import Any

from ..backend import Backend
from ..billing import common, documents, invoicing, preview
from ..billing.invoice_shape import compute_totals, new_invoice
from ..errors import card_error, invalid_request
from ..router import RawResponse, Request
from .payment_intents import card_error_for


def create_invoice(b: Backend, p: dict[str, Any], request_id: str | None = None) -> dict[str, Any]:
    with b.lock:
        cus = b.get(p.get("customer"), "customer", param="customer")
        sub = b.get(p["subscription"], "subscription", param="subscription") if p.get("subscription") else None
        inv = new_invoice(
            b,
            cus["id"],
            billing_reason="manual",
            subscription=sub,
            currency=p.get("currency"),
            auto_advance=p.get("auto_advance", False),
            collection_method=p.get("collection_method") or "charge_automatically",
            description=p.get("description"),
            metadata=p.get("metadata"),
            default_payment_method=p.get("default_payment_method"),
        )
        inv["discounts"] = common.make_discounts(
            b, p.get("discounts"), customer=cus["id"], invoice=inv["id"], start=inv["created"], redeem=True
        )
        if p.get("days_until_due"):
            inv["due_date"] = inv["created"] + int(p["days_until_due"]) * 86400
        if p.get("pending_invoice_items_behavior") == "include":
            for ii in invoicing.pending_items(b, cus["id"], sub["id"] if sub else None):
                invoicing.invoice_item_line(b, inv, ii)
        compute_totals(b, inv, apply_balance=False)
        b.emit("invoice.created", inv, request_id=request_id)
        return inv


def pay_invoice(b: Backend, invoice_id: str, p: dict[str, Any], request_id: str | None = None) -> dict[str, Any]:
    """Pay an invoice now (finalizing a draft first); a failed charge answers 402 and leaves it open."""
    with b.lock:
        inv = b.get(invoice_id, "invoice")
        if inv["status"] == "paid":
            raise invalid_request("Invoice is already paid")
        if inv["status"] == "draft":
            invoicing.finalize(b, inv, request_id=request_id)
        if inv["status"] == "paid":
            return inv
        if p.get("paid_out_of_band"):
            inv["amount_paid_off_stripe"] = inv["amount_remaining"]
            inv["amount_paid"] = inv["amount_remaining"]
            invoicing._mark_paid(b, inv, request_id)
            return inv
        pm = p.get("payment_method")
        if pm:
            pm = common.payment_method(b, pm)["id"]
        ok = invoicing.attempt(
            b, inv, payment_method=pm, off_session=bool(p.get("off_session", True)), request_id=request_id
        )
        if not ok:
            pi = b.objects[inv["_payment_intent"]]
            if pi["status"] == "requires_action":  # Stripe: a card_error (402); the intent stays requires_action
                raise card_error(
                    "This payment requires additional user action before it can be completed successfully. "
                    "Payment can be completed using the PaymentIntent associated with the invoice. For more "
                    "details see: https://stripe.com/docs/billing/subscriptions/overview#requires-action",
                    code="invoice_payment_intent_requires_action",
                )
            if not pm and not invoicing.payment_method_for(b, inv):
                raise invalid_request(
                    "This customer has no attached payment source or default payment method. Please consider "
                    "adding a default payment method.",
                    param="payment_method",
                )
            raise card_error_for(pi)
        return inv


def _get(b: Backend, req: Request) -> dict[str, Any]:
    return b.get(req.path_params["invoice"], "invoice")


def _create(b: Backend, req: Request) -> dict[str, Any]:
    return b.render(create_invoice(b, req.params, req.request_id), req.expand)


def _preview(b: Backend, req: Request) -> dict[str, Any]:
    return preview.create_preview(b, req.params)


def _retrieve(b: Backend, req: Request) -> dict[str, Any]:
    return b.render(_get(b, req), req.expand)


def _update(b: Backend, req: Request) -> dict[str, Any]:
    with b.lock:
        inv, p = _get(b, req), req.params
        if "metadata" in p:
            inv["metadata"] = {} if p["metadata"] == "" else {**inv["metadata"], **p["metadata"]}
        for key in ("description", "footer", "auto_advance", "default_payment_method"):
            if key in p:
                if inv["status"] != "draft" and key not in ("auto_advance",):
                    raise invalid_request(f"You can only update {key} on draft invoices.", param=key)
                inv[key] = p[key]
        b.emit("invoice.updated", inv, request_id=req.request_id)
        return b.render(inv, req.expand)


def _delete(b: Backend, req: Request) -> dict[str, Any]:
    with b.lock:
        inv = _get(b, req)
        if inv["status"] != "draft":
            raise invalid_request("You can only delete draft invoices.")
        for li in inv["lines"]["data"]:
            ii = b.objects.get(
                li["parent"].get("invoice_item_details", {})
                and li["parent"]["invoice_item_details"]["invoice_item"]
                or ""
            )
            if ii:
                ii["invoice"] = None
        b.delete(inv["id"])
        b.emit("invoice.deleted", inv, request_id=req.request_id)
        return {"id": inv["id"], "object": "invoice", "deleted": True}


def _list(b: Backend, req: Request) -> dict[str, Any]:
    p = req.params

    def where(inv: dict[str, Any]) -> bool:
        return (
            (not p.get("customer") or inv["customer"] == p["customer"])
            and (not p.get("status") or inv["status"] == p["status"])
            and (not p.get("subscription") or invoicing.subscription_of(inv) == p["subscription"])
            and (not p.get("collection_method") or inv["collection_method"] == p["collection_method"])
        )

    return b.list_response(
        b.all("invoice", where=where, customer=p.get("customer") or None), p, "/v1/invoices", req.expand
    )


def _lines(b: Backend, req: Request) -> dict[str, Any]:
    inv = _get(b, req)
    return b.list_response(inv["lines"]["data"], req.params, f"/v1/invoices/{inv['id']}/lines", req.expand)


def _finalize(b: Backend, req: Request) -> dict[str, Any]:
    with b.lock:
        inv = invoicing.finalize(b, _get(b, req), request_id=req.request_id)
        if inv["status"] == "open" and inv.get("auto_advance") and inv["collection_method"] == "charge_automatically":
            invoicing.attempt(b, inv, automatic=True, request_id=req.request_id)
        return b.render(inv, req.expand)


def _pay(b: Backend, req: Request) -> dict[str, Any]:
    return b.render(pay_invoice(b, req.path_params["invoice"], req.params, req.request_id), req.expand)


def _void(b: Backend, req: Request) -> dict[str, Any]:
    with b.lock:
        return b.render(invoicing.void(b, _get(b, req), request_id=req.request_id), req.expand)


def _uncollectible(b: Backend, req: Request) -> dict[str, Any]:
    with b.lock:
        return b.render(invoicing.mark_uncollectible(b, _get(b, req), request_id=req.request_id), req.expand)


def _hosted(b: Backend, req: Request) -> RawResponse:
    inv = _get(b, req)
    if inv["status"] == "draft":
        raise invalid_request("This invoice is not finalized.", status=404)
    return RawResponse(200, documents.hosted_page(b, inv))


def _hosted_pay(b: Backend, req: Request) -> RawResponse:
    message, kind = "Payment received. Thank you!", "notice"
    try:
        pay_invoice(b, req.path_params["invoice"], {"off_session": False}, req.request_id)
    except Exception as exc:  # noqa: BLE001 - shown to the person on the page
        message, kind = f"Payment failed: {getattr(exc, 'message', exc)}", "error"
    return RawResponse(200, documents.hosted_page(b, _get(b, req), message, kind))


def _pdf(b: Backend, req: Request) -> RawResponse:
    inv = _get(b, req)
    if inv["status"] == "draft":
        raise invalid_request("This invoice is not finalized.", status=404)
    return RawResponse(
        200,
        documents.invoice_pdf(b, inv),
        content_type="application/pdf",
        headers={"Content-Disposition": f"inline; filename={inv.get('number') or inv['id']}.pdf"},
    )
