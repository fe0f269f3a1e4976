"""Tax IDs: `/v1/customers/{id}/tax_ids` and top-level `/v1/tax_ids`, with format checks and verification.

Verification follows Stripe's test mode in a simplified way: types Stripe verifies (eu_vat, gb_vat, au_abn) start
`pending`; read again `VERIFY_DELAY_S` later they are `verified`, or `unverified` when the value contains
"000000000" (a customer.tax_id.updated event is emitted at that moment). Other types are `unavailable`.
"""

from __future__ import annotations

import re
import time
from typing import Any

from ..backend import Backend
from ..errors import StripeAPIError, invalid_request, resource_missing
from ..models.base import Rendered
from ..models.customers import TaxId
from ..wire import schema_for
from .common import live_customer

VERIFY_DELAY_S = 1.0
VERIFIED_TYPES = frozenset({"eu_vat", "gb_vat", "au_abn"})
_EU = {
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU", "IE", "IT", "LT", "LU",
    "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI",
}  # fmt: skip
_FORMATS = {
    "eu_vat": re.compile(r"^[A-Z]{2}[0-9A-Z]{8,12}$"),
    "gb_vat": re.compile(r"^GB(\d{9}|\d{12})$"),
    "us_ein": re.compile(r"^\d{2}-\d{7}$"),
    "au_abn": re.compile(r"^\d{11}$"),
}
_COUNTRY_OVERRIDES = {"eu_oss_vat": None, "unknown": None, "gb_vat": "GB", "de_stn": "DE"}


def allowed_types() -> frozenset[str]:
    """The `type` literal of stripe-python's tax id params."""
    node = schema_for("CustomerTaxIdCreateParams").fields["type"]
    enums = [a for a in node.alts if a.kind == "enum"] if node.kind == "union" else [node]
    return frozenset().union(*(a.values for a in enums))


def _country(tax_type: str, value: str) -> str | None:
    if tax_type == "eu_vat":
        prefix = value[:2]
        return "GR" if prefix == "EL" else "GB" if prefix == "XI" else prefix
    if tax_type in _COUNTRY_OVERRIDES:
        return _COUNTRY_OVERRIDES[tax_type]
    return tax_type.split("_", 1)[0].upper()


def _invalid(tax_type: str) -> StripeAPIError:
    return invalid_request(f"Invalid value for {tax_type}.", param="value", code="tax_id_invalid")


def _check_value(tax_type: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _invalid(tax_type)
    normalized = value.strip()
    if tax_type in ("eu_vat", "gb_vat"):
        normalized = re.sub(r"[\s.\-]", "", normalized).upper()
    fmt = _FORMATS.get(tax_type)
    if fmt and not fmt.match(normalized):
        raise _invalid(tax_type)
    if tax_type == "eu_vat" and normalized[:2] not in _EU:
        raise _invalid(tax_type)
    return normalized


def create_tax_id(b: Backend, customer_id: str | None, params: dict[str, Any], request_id: str | None = None) -> TaxId:
    """Create a tax id for a customer (or for the account itself when `customer_id` is None)."""
    tax_type = params.get("type")
    if tax_type not in allowed_types() or tax_type == "unknown":
        raise invalid_request(f"Invalid value for type: {tax_type!r} is not a supported tax id type.", param="type")
    with b.lock:
        if customer_id is not None:
            live_customer(b, customer_id, "customer")
        value = _check_value(tax_type, params.get("value"))
        status = "pending" if tax_type in VERIFIED_TYPES else "unavailable"
        txi: TaxId = {
            "id": b.new_id("txi"),
            "object": "tax_id",
            "country": _country(tax_type, value),
            "created": b.now_for_customer(customer_id),
            "customer": customer_id,
            "customer_account": None,
            "livemode": False,
            "owner": {
                "account": None,
                "application": None,
                "customer": customer_id,
                "customer_account": None,
                "type": "customer" if customer_id else "self",
            },
            "type": tax_type,
            "value": value,
            "verification": {"status": status, "verified_address": None, "verified_name": None},
            "_verify_at": time.time() + VERIFY_DELAY_S if status == "pending" else None,
        }
        b.store(txi)
        b.emit("customer.tax_id.created", txi, request_id=request_id)
        return txi


def refresh_verification(b: Backend, txi: TaxId) -> TaxId:
    """Move a pending verification to its final status once VERIFY_DELAY_S has passed."""
    with b.lock:
        at = txi.get("_verify_at")
        if at is None or time.time() < at:
            return txi
        txi["_verify_at"] = None
        verified = "000000000" not in txi["value"]
        cus = b.objects.get(txi["customer"] or "") if txi.get("customer") else None
        name = (cus.get("business_name") or cus.get("name")) if cus and not cus.get("deleted") else None
        txi["verification"] = {
            "status": "verified" if verified else "unverified",
            "verified_address": None,
            "verified_name": name if verified else None,
        }
        b.emit(
            "customer.tax_id.updated",
            txi,
            previous_attributes={"verification": {"status": "pending", "verified_name": None}},
        )
        return txi


def get_tax_id(b: Backend, txi_id: str, customer_id: str | None = None) -> TaxId:
    txi = b.get(txi_id, "tax_id")
    if customer_id is not None and txi.get("customer") != customer_id:
        raise resource_missing("tax_id", txi_id)
    return refresh_verification(b, txi)


def delete_tax_id(b: Backend, txi_id: str, customer_id: str | None = None, request_id: str | None = None) -> Rendered:
    with b.lock:
        txi = get_tax_id(b, txi_id, customer_id)
        b.delete(txi_id)
        b.emit("customer.tax_id.deleted", txi, request_id=request_id)
        return {"id": txi_id, "object": "tax_id", "deleted": True}


def _list(b: Backend, params: dict[str, Any], customer_id: str | None, url: str) -> Rendered:
    with b.lock:
        objs = b.all("tax_id", where=lambda t: t.get("customer") == customer_id)
        for t in objs:
            refresh_verification(b, t)
        return b.list_response(objs, params, url, params.get("expand") or [])
