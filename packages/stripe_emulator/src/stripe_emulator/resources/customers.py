"""Customers: create, retrieve, update, delete, list (search is `customer_search.py`, shared helpers `common.py`).

A deleted customer stays in the store as Stripe's stub `{"id", "object": "customer", "deleted": true}` (retrieve
answers it with 200, as Stripe does); `live_customer()` treats it as missing, which is what every other endpoint
that names a customer does. Modules that must react to a deletion (subscriptions are cancelled by Stripe) append
a callable `(b, customer_id, request_id)` to `CUSTOMER_DELETE_HOOKS`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any, cast

from ..backend import Backend
from ..errors import invalid_request
from ..models.base import Rendered, present
from ..models.customers import Customer
from . import payment_methods, tax_ids
from .common import address, diff_previous, live_customer, match_created, merge_metadata, render_with

CUSTOMER_DELETE_HOOKS: list[Callable[[Backend, str, str | None], None]] = []


# --- model -------------------------------------------------------------------------------------------------------


def _customer(b: Backend, p: dict[str, Any]) -> Customer:
    now = b.now(p.get("test_clock"))
    return {
        "id": b.new_id("cus"),
        "object": "customer",
        "address": address(p.get("address")),
        "balance": p.get("balance", 0),
        "business_name": p.get("business_name") or None,
        "created": now,
        "currency": None,
        "customer_account": None,
        "default_source": None,
        "delinquent": False,
        "description": p.get("description") or None,
        "discount": None,
        "email": p.get("email") or None,
        "individual_name": p.get("individual_name") or None,
        "invoice_prefix": p.get("invoice_prefix") or b.new_id("x")[2:10].upper(),
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": merge_metadata({}, p.get("metadata") or {}),
        "name": p.get("name") or None,
        "next_invoice_sequence": p.get("next_invoice_sequence", 1),
        "phone": p.get("phone") or None,
        "preferred_locales": p.get("preferred_locales") or [],
        "shipping": _shipping(p.get("shipping")),
        "tax_exempt": p.get("tax_exempt") or "none",
        "test_clock": p.get("test_clock"),
    }


def _shipping(value: Any) -> dict[str, Any] | None:
    if value in (None, ""):
        return None
    return {"address": address(value.get("address")), "name": value.get("name"), "phone": value.get("phone")}


def _set_default_pm(b: Backend, cus: Customer, pm_id: Any) -> None:
    if pm_id in ("", None):
        present(cus["invoice_settings"])["default_payment_method"] = None
        return
    pm = b.objects.get(pm_id) if isinstance(pm_id, str) else None
    if pm is None or pm.get("object") != "payment_method" or pm.get("customer") != cus["id"]:
        raise invalid_request(
            f"No such PaymentMethod: '{pm_id}'; It's possible this PaymentMethod exists on one of your connected "
            "accounts, in which case you should retry this request on that connected account."
            if pm is None
            else f"The customer does not have a payment method with the ID {pm_id}. The payment method must be "
            "attached to the customer.",
            param="invoice_settings[default_payment_method]",
            code="resource_missing" if pm is None else None,
        )
    present(cus["invoice_settings"])["default_payment_method"] = pm_id


def _apply_invoice_settings(b: Backend, cus: Customer, settings: Any) -> None:
    if settings == "":
        return
    settings = settings or {}
    if "default_payment_method" in settings:
        _set_default_pm(b, cus, settings["default_payment_method"])
    if "footer" in settings:
        present(cus["invoice_settings"])["footer"] = settings["footer"] or None
    if "custom_fields" in settings:
        present(cus["invoice_settings"])["custom_fields"] = settings["custom_fields"] or None
    if "rendering_options" in settings:
        ro = settings["rendering_options"]
        present(cus["invoice_settings"])["rendering_options"] = (
            {"amount_tax_display": ro.get("amount_tax_display"), "template": ro.get("template")} if ro else None
        )


# --- operations (plain functions other modules call) --------------------------------------------------------------


def create_customer(b: Backend, params: dict[str, Any], request_id: str | None = None) -> Customer:
    """Create a customer; `payment_method` (an id or a test token) is attached, `tax_id_data` creates tax ids."""
    with b.lock:
        if params.get("test_clock"):
            b.get(params["test_clock"], param="test_clock")
        if params.get("email") and len(params["email"]) > 512:
            raise invalid_request("Invalid email address", param="email")
        cus = _customer(b, params)
        b.store(cus)
        b.emit("customer.created", cus, request_id=request_id)
        pm_param = params.get("payment_method")
        if pm_param:
            pm = payment_methods.attach_payment_method(b, pm_param, cus["id"], request_id=request_id)
            if (params.get("invoice_settings") or {}).get("default_payment_method") == pm_param:
                params = params | {
                    "invoice_settings": params["invoice_settings"] | {"default_payment_method": pm["id"]}
                }
        if params.get("invoice_settings"):
            before = copy.deepcopy(cus)
            _apply_invoice_settings(b, cus, params["invoice_settings"])
            if cus != before:
                b.emit("customer.updated", cus, previous_attributes=diff_previous(before, cus), request_id=request_id)
        for data in params.get("tax_id_data") or []:
            tax_ids.create_tax_id(b, cus["id"], data, request_id=request_id)
        return cus


_UPDATABLE = (
    "balance",
    "business_name",
    "description",
    "email",
    "individual_name",
    "invoice_prefix",
    "name",
    "next_invoice_sequence",
    "phone",
    "preferred_locales",
    "tax_exempt",
)


def update_customer(b: Backend, cus_id: str, params: dict[str, Any], request_id: str | None = None) -> Customer:
    """Update fields; "" unsets; metadata merges. Emits customer.updated with previous_attributes if changed."""
    with b.lock:
        cus = live_customer(b, cus_id, "id")
        before = copy.deepcopy(cus)
        work = copy.deepcopy(cus)
        for key in _UPDATABLE:
            if key in params:
                value = params[key]
                if key == "preferred_locales":
                    value = value or []
                elif key == "tax_exempt":
                    value = value or "none"
                elif key in ("balance", "next_invoice_sequence"):
                    value = 0 if value == "" else value
                else:
                    value = None if value == "" else value
                cast(dict[str, Any], work)[key] = value  # a field named by the request, checked by the wire schema
        if "address" in params:
            work["address"] = address(params["address"])
        if "shipping" in params:
            work["shipping"] = _shipping(params["shipping"])
        if "metadata" in params:
            work["metadata"] = merge_metadata(work["metadata"], params["metadata"])
        if "invoice_settings" in params:
            _apply_invoice_settings(b, work, params["invoice_settings"])
        cast(dict[str, Any], cus).clear()  # in place: the store and the caller hold this dict
        cus.update(work)
        prev = diff_previous(before, cus)
        if prev:
            b.emit("customer.updated", cus, previous_attributes=prev, request_id=request_id)
        return cus


def delete_customer(b: Backend, cus_id: str, request_id: str | None = None) -> Rendered:
    """Delete: detach its payment methods, run CUSTOMER_DELETE_HOOKS, leave Stripe's deleted stub behind."""
    with b.lock:
        cus = live_customer(b, cus_id, "id")
        snapshot = copy.deepcopy(cus)
        for hook in list(CUSTOMER_DELETE_HOOKS):
            hook(b, cus_id, request_id)
        for pm in b.all("payment_method", where=lambda o: o.get("customer") == cus_id):
            pm["customer"] = None
        for txi in b.all("tax_id", where=lambda o: o.get("customer") == cus_id):
            b.delete(txi["id"])
        cast(dict[str, Any], cus).clear()  # the deleted stub replaces the customer in place
        cus.update({"id": cus_id, "object": "customer", "deleted": True})
        cus["_seq"] = snapshot.get("_seq", 0)
        b.emit("customer.deleted", snapshot, request_id=request_id)
        return {"id": cus_id, "object": "customer", "deleted": True}


def render_customer(b: Backend, cus: Customer, expand: Iterable[str] = ()) -> Rendered:
    if cus.get("deleted"):
        return {"id": cus["id"], "object": "customer", "deleted": True}
    cid = cus["id"]

    def sublist(kind: str, url: str) -> Callable[[], Any]:
        def make() -> dict[str, Any]:
            objs = b.all(kind, where=lambda o: o.get("customer") == cid)
            return {"object": "list", "data": objs, "has_more": False, "total_count": len(objs), "url": url}

        return make

    return render_with(
        b,
        cus,
        expand,
        {
            "tax_ids": sublist("tax_id", f"/v1/customers/{cid}/tax_ids"),
            "subscriptions": sublist("subscription", f"/v1/customers/{cid}/subscriptions"),
            "sources": lambda: {"object": "list", "data": [], "has_more": False, "url": f"/v1/customers/{cid}/sources"},
            "invoice_credit_balance": lambda: {},
            "tax": lambda: {
                "automatic_tax": "unrecognized_location" if not cus.get("address") else "supported",
                "ip_address": None,
                "location": (
                    {"country": present(cus["address"])["country"], "source": "billing_address", "state": None}
                    if cus.get("address") and present(cus["address"]).get("country")
                    else None
                ),
                "provider": "stripe",
            },
        },
    )


def list_customers(b: Backend, params: dict[str, Any]) -> Rendered:
    email = params.get("email")
    tc = params.get("test_clock")

    def keep(c: Customer) -> bool:
        if c.get("deleted"):
            return False
        if email is not None and c.get("email") != email:
            return False
        if tc and c.get("test_clock") != tc:
            return False
        return match_created(c["created"], params.get("created"))

    return b.list_response(b.all("customer", where=keep), params, "/v1/customers", params.get("expand") or [])
