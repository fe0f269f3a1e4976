"""The `invoice_items` endpoints (listed in `routes.py`): request in, model call, rendered object out."""

from __future__ import annotations

from ..backend import Backend
from ..errors import invalid_request
from ..models.base import Rendered
from ..models.invoices import InvoiceItem
from ..resources import invoice_items as model
from ..router import Request


def _create(b: Backend, req: Request) -> Rendered:
    return b.render(model.create_invoice_item(b, req.params, req.request_id), req.expand)


def _retrieve(b: Backend, req: Request) -> Rendered:
    ii = b.get(req.path_params["item"], "invoiceitem")
    return b.render(ii, req.expand)


def _update(b: Backend, req: Request) -> Rendered:
    with b.lock:
        ii = b.get(req.path_params["item"], "invoiceitem")
        if ii.get("invoice"):
            raise invalid_request("This invoice item is already part of an invoice and cannot be updated.")
        p = req.params
        for key in ("description", "discountable"):
            if key in p:
                ii[key] = p[key]
        if "metadata" in p:
            ii["metadata"] = {} if p["metadata"] == "" else {**(ii.get("metadata") or {}), **p["metadata"]}
        if "amount" in p:
            ii["amount"] = ii["net_amount"] = int(p["amount"])
        b.emit("invoiceitem.updated", ii, request_id=req.request_id)
        return b.render(ii, req.expand)


def _delete(b: Backend, req: Request) -> Rendered:
    with b.lock:
        ii = b.get(req.path_params["item"], "invoiceitem")
        if ii.get("invoice"):
            inv = b.objects.get(ii["invoice"] or "")
            if inv and inv["status"] != "draft":
                raise invalid_request("This invoice item is part of a finalized invoice and cannot be deleted.")
        b.delete(ii["id"])
        b.emit("invoiceitem.deleted", ii, request_id=req.request_id)
        return {"id": ii["id"], "object": "invoiceitem", "deleted": True}


def _list(b: Backend, req: Request) -> Rendered:
    p = req.params
    pending = p.get("pending")

    def where(ii: InvoiceItem) -> bool:
        if p.get("customer") and ii["customer"] != p["customer"]:
            return False
        if p.get("invoice") and ii.get("invoice") != p["invoice"]:
            return False
        return pending is None or (ii.get("invoice") is None) == bool(pending)

    return b.list_response(
        b.all("invoiceitem", where=where, customer=p.get("customer") or None), p, "/v1/invoiceitems", req.expand
    )
