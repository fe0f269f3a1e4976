"""billing_details logic: the customer's name, e-mail, phone, address and locale; tax IDs.

Input is validated by the models before anything here runs (lengths, formats, country, locale, tax id type
against stripe-python's list). Customers are provisioned on first use (``get_or_create``), except for deleting
a tax id, which needs an existing customer. A tax id is checked to belong to the caller before it is deleted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from billing_core.audit import AuditLog
from billing_core.directory import CustomerDirectory
from billing_core.errors import BadInput, Conflict, CustomerGone, NotFound
from billing_core.idempotency import IdempotencyKey
from billing_core.identity import Caller
from billing_core.observability import count
from billing_core.stripe_fields import field as _g
from billing_core.stripe_gateway import StripeGateway, get_gateway
from billing_core.stripe_ownership import assert_owned

from billing_details.models import DetailsUpdate, TaxIdCreate
from billing_details.reference_data import TAX_ID_TYPES

if TYPE_CHECKING:
    from stripe import RequestOptions
    from stripe.params import CustomerUpdateParams, CustomerUpdateParamsAddress

ADDRESS_FIELDS = ("line1", "line2", "city", "state", "postal_code", "country")


def details_view(customer: Any) -> dict[str, Any]:
    address = _g(customer, "address")
    locales = list(_g(customer, "preferred_locales") or [])
    return {
        "name": _g(customer, "name"),
        "email": _g(customer, "email"),
        "phone": _g(customer, "phone"),
        "address": {k: _g(address, k) or None for k in ADDRESS_FIELDS} if address else None,
        "preferred_locale": locales[0] if locales else None,
    }


class TaxIdExists(Conflict):
    """409 ``tax_id_exists``: the customer already has this tax ID (same type, same normalised value)."""

    code = "tax_id_exists"
    message = "This tax ID is already on your billing account."


def normalised_tax_id(value: Any) -> str:
    """A tax ID value as Stripe stores it for comparison: Stripe strips the spaces, dots and dashes people type
    in VAT numbers and upper-cases them ("de 123.456-789" is stored as "DE123456789", as the emulator does);
    the same folding is applied to every type so that a value typed with other separators still matches."""
    return re.sub(r"[\s.\-]", "", str(value or "")).upper()


def tax_id_view(txi: Any) -> dict[str, Any]:
    return {
        "id": txi.id,
        "type": _g(txi, "type"),
        "value": _g(txi, "value"),
        "country": _g(txi, "country"),
        "verification_status": _g(txi, "verification", "status"),
    }


@dataclass
class BillingDetailsService:
    directory: CustomerDirectory = field(default_factory=CustomerDirectory)
    gateway: StripeGateway = field(default_factory=get_gateway)
    audit: AuditLog = field(default_factory=AuditLog)

    def _customer(self, customer_id: str) -> Any:
        return self.gateway.live_customer(customer_id)

    # -- PATCH /billing/details -------------------------------------------------------------------------
    def update_details(
        self, caller: Caller, update: DetailsUpdate, key: IdempotencyKey | None, request_id: str
    ) -> dict[str, Any]:
        customer_id = self.directory.get_or_create(caller.account_id, caller.sub).customer_id
        current = self._customer(customer_id)
        params: CustomerUpdateParams = {}
        sent = update.model_fields_set
        # A field sent as null clears it ("" is Stripe's unset).
        if "name" in sent:
            params["name"] = "" if update.name is None else update.name
        if "email" in sent:
            params["email"] = "" if update.email is None else update.email
        if "phone" in sent:
            params["phone"] = "" if update.phone is None else update.phone
        if "preferred_locale" in sent and update.preferred_locale:
            params["preferred_locales"] = [update.preferred_locale]
        if update.address is not None:
            # Stripe replaces the address hash: merge the partial update onto the current address.
            merged = {k: _g(current, "address", k) for k in ADDRESS_FIELDS}
            for name in update.address.model_fields_set:
                merged[name] = getattr(update.address, name)
            cleared = {k for k in update.address.model_fields_set if getattr(update.address, k) is None}
            address = {k: v for k, v in merged.items() if v is not None} | dict.fromkeys(cleared, "")
            params["address"] = cast("CustomerUpdateParamsAddress", address)  # keys from ADDRESS_FIELDS, all strings
        options: RequestOptions = {"idempotency_key": key.stripe("customer.details")} if key else {}
        updated = self.gateway.call(
            "customers.update", lambda c: c.v1.customers.update(customer_id, params=params, options=options)
        )
        changed = sorted(params)
        if "address" in params:
            changed.remove("address")
            changed += [f"address.{name}" for name in sorted(update.address.model_fields_set)]  # type: ignore[union-attr]  # address is set in this branch
        # Field names only: the values are personal data.
        self.audit.record(caller, "customer.details", request_id, after={"fields": changed})
        return details_view(updated)

    # -- POST /billing/tax-ids --------------------------------------------------------------------------
    def add_tax_id(self, caller: Caller, body: TaxIdCreate, key: IdempotencyKey, request_id: str) -> dict[str, Any]:
        if body.type not in TAX_ID_TYPES:
            raise BadInput(code="tax_id_type_unsupported", message="This tax ID type is not supported.", param="type")
        customer_id = self.directory.get_or_create(caller.account_id, caller.sub).customer_id
        self._refuse_duplicate(caller, customer_id, body, request_id)
        try:
            txi = self.gateway.call(
                "customers.tax_ids.create",
                lambda c: c.v1.customers.tax_ids.create(
                    customer_id,
                    params={"type": body.type, "value": body.value},
                    options={"idempotency_key": key.stripe("tax_id.create")},
                ),
            )
        except BadInput as err:
            self.audit.record(caller, "tax_id.create", request_id, after={"type": body.type}, outcome="denied")
            raise BadInput(
                code="tax_id_invalid", message="This tax ID is not valid for its type.", param=err.param or "value"
            ) from None
        except NotFound:
            count("CustomerGone")
            raise CustomerGone(customer_id=customer_id) from None
        self.audit.record(caller, "tax_id.create", request_id, after={"tax_id": txi.id, "type": body.type})
        return tax_id_view(txi)

    def _refuse_duplicate(self, caller: Caller, customer_id: str, body: TaxIdCreate, request_id: str) -> None:
        """409 before any Stripe write when the customer already has this type and normalised value (Stripe itself
        would add a second, identical tax ID)."""
        try:
            existing = self.gateway.call(
                "customers.tax_ids.list",
                lambda c: c.v1.customers.tax_ids.list(customer_id, params={"limit": 100}),
            )
        except NotFound:
            count("CustomerGone")
            raise CustomerGone(customer_id=customer_id) from None
        wanted = (body.type, normalised_tax_id(body.value))
        for txi in existing.data:  # one page holds them all: limit 100 is above Stripe's per-customer cap
            if (_g(txi, "type"), normalised_tax_id(_g(txi, "value"))) == wanted:
                self.audit.record(caller, "tax_id.create", request_id, after={"type": body.type}, outcome="denied")
                raise TaxIdExists(customer_id=customer_id)

    # -- DELETE /billing/tax-ids/{id} -------------------------------------------------------------------
    def delete_tax_id(self, caller: Caller, tax_id: str, key: IdempotencyKey, request_id: str) -> dict[str, Any]:
        mapping = self.directory.lookup(caller.account_id)
        if mapping is None:
            raise NotFound(reason="no_customer")
        customer_id = mapping.customer_id
        try:
            txi = self.gateway.call(
                "customers.tax_ids.retrieve", lambda c: c.v1.customers.tax_ids.retrieve(customer_id, tax_id)
            )
            assert_owned(txi, customer_id, operation="tax_id")
        except NotFound:
            self.audit.record(caller, "tax_id.delete", request_id, after={"tax_id": tax_id}, outcome="denied")
            raise
        self.gateway.call(
            "customers.tax_ids.delete",
            lambda c: c.v1.customers.tax_ids.delete(
                customer_id, tax_id, options={"idempotency_key": key.stripe("tax_id.delete")}
            ),
        )
        self.audit.record(caller, "tax_id.delete", request_id, before={"tax_id": tax_id, "type": _g(txi, "type")})
        return {"id": tax_id, "deleted": True}
