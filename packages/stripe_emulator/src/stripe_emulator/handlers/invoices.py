"""The `invoices` endpoints (listed in `routes.py`): request in, model call, rendered object out."""

from __future__ import annotations

from ..backend import Backend
from ..billing import documents, invoicing, preview
from ..errors import invalid_request
from ..models.base import Rendered
from ..models.invoices import Invoice
from ..resources import invoices as model
from ..router import RawResponse, Request


def _get(b: Backend, req: Request) -> Invoice:
    return b.get(req.path_params["invoice"], "invoice")


def _create(b: Backend, req: Request) -> Rendered:
    return b.render(model.create_invoice(b, req.params, req.request_id), req.expand)


def _preview(b: Backend, req: Request) -> Rendered:
    return preview.create_preview(b, req.params)


def _retrieve(b: Backend, req: Request) -> Rendered:
    return b.render(_get(b, req), req.expand)


def _update(b: Backend, req: Request) -> Rendered:
    with b.lock:
        inv, p = _get(b, req), req.params
        if "metadata" in p:
            inv["metadata"] = {} if p["metadata"] == "" else {**(inv.get("metadata") or {}), **p["metadata"]}
        for key in ("description", "footer", "auto_advance", "default_payment_method"):
            if key in p:
                if inv["status"] != "draft" and key not in ("auto_advance",):
                    raise invalid_request(f"You can only update {key} on draft invoices.", param=key)
                inv[key] = p[key]
        b.emit("invoice.updated", inv, request_id=req.request_id)
        return b.render(inv, req.expand)


def _delete(b: Backend, req: Request) -> Rendered:
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


def _list(b: Backend, req: Request) -> Rendered:
    p = req.params

    def where(inv: Invoice) -> bool:
        return (
            (not p.get("customer") or inv["customer"] == p["customer"])
            and (not p.get("status") or inv["status"] == p["status"])
            and (not p.get("subscription") or invoicing.subscription_of(inv) == p["subscription"])
            and (not p.get("collection_method") or inv["collection_method"] == p["collection_method"])
        )

    return b.list_response(
        b.all("invoice", where=where, customer=p.get("customer") or None), p, "/v1/invoices", req.expand
    )


def _lines(b: Backend, req: Request) -> Rendered:
    inv = _get(b, req)
    return b.list_response(inv["lines"]["data"], req.params, f"/v1/invoices/{inv['id']}/lines", req.expand)


def _finalize(b: Backend, req: Request) -> Rendered:
    with b.lock:
        inv = invoicing.finalize(b, _get(b, req), request_id=req.request_id)
        if inv["status"] == "open" and inv.get("auto_advance") and inv["collection_method"] == "charge_automatically":
            invoicing.attempt(b, inv, automatic=True, request_id=req.request_id)
        return b.render(inv, req.expand)


def _pay(b: Backend, req: Request) -> Rendered:
    return b.render(model.pay_invoice(b, req.path_params["invoice"], req.params, req.request_id), req.expand)


def _void(b: Backend, req: Request) -> Rendered:
    with b.lock:
        return b.render(invoicing.void(b, _get(b, req), request_id=req.request_id), req.expand)


def _uncollectible(b: Backend, req: Request) -> Rendered:
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
        model.pay_invoice(b, req.path_params["invoice"], {"off_session": False}, req.request_id)
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
