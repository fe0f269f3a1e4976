"""Read-path logic: the overview, invoice history and the plan picker.

Stripe shapes are those of API version endive: the billing period lives on subscription items, an
invoice names its subscription at ``parent.subscription_details.subscription`` and the next invoice comes
from ``invoices.create_preview``. Read routes never create a Stripe customer (A6).

The Stripe reads of one request run concurrently (``concurrent=True``); ``concurrent=False`` runs the
same reads one after another and exists as the benchmark's naive baseline.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from billing_core.accounts.context import can
from billing_core.accounts.roles import Permission
from billing_core.catalog.model import Catalog, get_catalog
from billing_core.customer_mapping import CustomerMapping, forget_read_cache
from billing_core.directory import CustomerDirectory
from billing_core.entitlements import EntitlementRecord, EntitlementStore, derive_entitlements, primary_subscription
from billing_core.errors import BadInput, BillingError, CustomerGone, NotFound
from billing_core.identity import Caller
from billing_core.pause import resumes_at
from billing_core.price_ids import get_price_ids, reset_price_ids
from billing_core.stripe_fields import field as _g
from billing_core.stripe_fields import object_id as _id
from billing_core.stripe_gateway import StripeGateway, get_gateway

from billing_read.models import (
    BillingOverview,
    InvoicePage,
    PlansResponse,
)
from billing_read.plans import plans_response
from billing_read.upcoming import NextInvoice, next_invoice
from billing_read.views import (
    PREVIEWABLE,
    customer_view,
    dunning,
    entitlements_view,
    invoice_view,
    payment_method_view,
    subscription_view,
)

if TYPE_CHECKING:
    from stripe.params import (
        InvoiceCreatePreviewParams,
        InvoiceCreatePreviewParamsSubscriptionDetails,
        InvoiceListParams,
    )

T = TypeVar("T")
#: A mapping a read starts from: known to exist (the overview) or maybe missing (invoices, plans).
M = TypeVar("M", CustomerMapping, CustomerMapping | None)

RECENT_INVOICES = 12


@dataclass
class BillingReader:
    """The read-path logic with its adapters (all optional, for tests)."""

    directory: CustomerDirectory = field(default_factory=CustomerDirectory)
    entitlements: EntitlementStore = field(default_factory=EntitlementStore)
    gateway: StripeGateway = field(default_factory=get_gateway)
    catalog: Catalog = field(default_factory=get_catalog)
    clock: Callable[[], float] = time.time

    # -- GET /billing ----------------------------------------------------------------------------
    def build_overview(self, caller: Caller, *, concurrent: bool = True) -> BillingOverview:
        """Everything the billing page shows. Without a mapping: the empty state, nothing created."""
        gw = self.gateway
        run = gw.read_concurrently if concurrent else gw.read_sequentially
        known = self.directory.known_mapping(caller)
        if known is not None and can(caller, Permission.BILLING_MANAGE):
            # The mapping is known without I/O (the token's claim, or read by an earlier request of this process):
            # the entitlement record is read in the same round as Stripe, one round trip in all.
            return self._recheck_when_gone(
                known, lambda m: self._overview(m, lambda: self.entitlements.get(caller.account_id), run)
            )
        # The two DynamoDB reads are independent: one round trip, then one round of Stripe reads.
        first: dict[str, Callable[[], Any]] = {
            "mapping": lambda: self.directory.lookup_caller(caller),
            "stored": lambda: self.entitlements.get(caller.account_id),
        }
        if can(caller, Permission.BILLING_MANAGE):
            # Stripe is read next unless the account has no customer: its key (a Secrets Manager read when the cache
            # is cold, as on a first request) is fetched in the same round as the DynamoDB reads. Best effort: a
            # failure here is raised by the Stripe round itself, and an account without a customer needs no key.
            first["stripe"] = lambda: _prefetch(gw.client)
        local = run(first)
        mapping: CustomerMapping | None = local["mapping"]
        stored: EntitlementRecord | None = local["stored"]
        if not can(caller, Permission.BILLING_MANAGE):
            # A team's member sees the plan name, status and entitlements: no customer, cards or invoices.
            return BillingOverview(has_customer=mapping is not None, entitlements=entitlements_view(stored, "stored"))
        if mapping is None:
            return BillingOverview(has_customer=False, entitlements=entitlements_view(stored, "stored"))
        return self._recheck_when_gone(mapping, lambda m: self._overview(m, lambda: stored, run))

    def _recheck_when_gone(self, mapping: M, read: Callable[[M], T]) -> T:
        """``read(mapping)``; when the mapping came from the token (or this process's cache) and Stripe says its
        customer is gone (or missing), once more with the directory's mapping if that names another customer."""
        try:
            return read(mapping)
        except (CustomerGone, NotFound):
            fresh = self.directory.recheck(mapping)
            if fresh is None:
                raise
            return read(fresh)

    def _overview(
        self,
        mapping: CustomerMapping,
        stored: Callable[[], EntitlementRecord | None],
        run: Callable[..., dict[str, Any]],
    ) -> BillingOverview:
        gw = self.gateway
        customer_id = mapping.customer_id
        reads: dict[str, Callable[[], Any]] = {
            "customer": lambda: self._customer(customer_id),
            "subscriptions": lambda: gw.call(
                "subscriptions.list",
                lambda c: c.v1.subscriptions.list(
                    params={
                        "customer": customer_id,
                        "status": "all",
                        "limit": 10,
                        "expand": ["data.schedule", "data.discounts.source.coupon"],
                    }
                ),
            ),
            "payment_methods": lambda: gw.call(
                "payment_methods.list",
                lambda c: c.v1.customers.payment_methods.list(customer_id, params={"type": "card", "limit": 20}),
            ),
            # Plain JSON: the page shows a few fields of each invoice (stripe-python objects cost ~20 ms more).
            "invoices": lambda: gw.list_plain(
                "invoices.list", "/v1/invoices", {"customer": customer_id, "limit": RECENT_INVOICES}
            ),
            "tax_ids": lambda: gw.call(
                "tax_ids.list", lambda c: c.v1.customers.tax_ids.list(customer_id, params={"limit": 20})
            ),
            # The entitlement record (already read, or read now) and the preview of the subscription it names, in
            # the same round as the rest.
            "stored": lambda: self._stored_and_hinted_preview(customer_id, stored()),
        }
        prices = get_price_ids()
        if prices.stale():  # loaded in this round; a price it does not know is looked up on its own (H5)
            reads["prices"] = lambda: prices.refresh(gw, self.catalog.lookup_keys)
        results = run(reads)

        subscriptions = list(results["subscriptions"].data)
        record_stored, previews = results["stored"]
        missing = {
            s.id: (lambda sid=s.id: self._preview(customer_id, sid))
            for s in subscriptions
            if _g(s, "status") in PREVIEWABLE and s.id not in previews
        }
        missing.update(
            {
                s.id: (lambda sid=s.id: self._preview(customer_id, sid, {"resume_at": "now"}))
                for s in subscriptions
                if resumes_at(s) is not None
            }
        )
        if missing:
            previews.update(run(missing))

        customer = results["customer"]
        invoices = [invoice_view(inv) for inv in results["invoices"]["data"]]
        record_source = "stored"
        record = record_stored
        if record is None:
            record = derive_entitlements(
                primary_subscription(subscriptions), self.catalog, int(self.clock()), version=0
            )
            record_source = "derived"
        default_pm = _id(_g(customer, "invoice_settings", "default_payment_method"))
        return BillingOverview(
            has_customer=True,
            customer=customer_view(customer, results["tax_ids"].data),
            subscriptions=[subscription_view(s, previews.get(s.id), self.catalog, gw) for s in subscriptions],
            payment_methods=[
                payment_method_view(pm, default_pm, self.clock()) for pm in results["payment_methods"].data
            ],
            invoices=invoices,
            entitlements=entitlements_view(record, record_source),
            dunning=dunning(subscriptions, invoices, record),
        )

    def _stored_and_hinted_preview(
        self, customer_id: str, stored: EntitlementRecord | None
    ) -> tuple[EntitlementRecord | None, dict[str, NextInvoice | None]]:
        """The entitlement record and, when it names a previewable subscription, that subscription's preview."""
        hinted = stored.subscription_id if stored and stored.status in PREVIEWABLE else None
        return stored, ({hinted: self._preview(customer_id, hinted)} if hinted else {})

    def _customer(self, customer_id: str) -> Any:
        return self.gateway.live_customer(customer_id)

    def _preview(
        self,
        customer_id: str,
        subscription_id: str,
        details: InvoiceCreatePreviewParamsSubscriptionDetails | None = None,
    ) -> NextInvoice | None:
        """Stripe's upcoming invoice for one subscription (None when Stripe has none to preview); for a paused
        one, ``details={"resume_at": "now"}`` previews its resumption invoice."""
        params: InvoiceCreatePreviewParams = {"customer": customer_id, "subscription": subscription_id}
        if details:
            params["subscription_details"] = details
        try:
            preview = self.gateway.call(
                "invoices.create_preview", lambda c: c.v1.invoices.create_preview(params=params)
            )
        except NotFound:
            return None
        except BadInput:
            if not details:
                raise
            return None  # Stripe refuses to preview a resume while a resumption invoice is open: none to show
        return next_invoice(preview)

    # -- GET /billing/invoices -------------------------------------------------------------------
    def list_invoices(self, caller: Caller, limit: int, starting_after: str | None) -> InvoicePage:
        mapping = self.directory.lookup_caller(caller)
        return self._recheck_when_gone(mapping, lambda m: self._invoices(m, limit, starting_after))

    def _invoices(self, mapping: CustomerMapping | None, limit: int, starting_after: str | None) -> InvoicePage:
        if mapping is None:
            return InvoicePage(invoices=[], has_more=False)
        customer_id = mapping.customer_id
        params: InvoiceListParams = {"customer": customer_id, "limit": limit}
        if starting_after:
            cursor = self.gateway.call("invoices.retrieve", lambda c: c.v1.invoices.retrieve(starting_after))
            if _id(_g(cursor, "customer")) != customer_id:
                raise NotFound(operation="invoices.cursor")
            params["starting_after"] = starting_after
        page = self.gateway.list_plain("invoices.list", "/v1/invoices", params)
        invoices = [invoice_view(inv) for inv in page["data"]]
        has_more = bool(_g(page, "has_more"))
        return InvoicePage(
            invoices=invoices, has_more=has_more, next_cursor=invoices[-1].id if has_more and invoices else None
        )

    # -- GET /billing/plans ----------------------------------------------------------------------
    def list_plans(self, caller: Caller) -> PlansResponse:
        mapping = self.directory.lookup_caller(caller)
        return self._recheck_when_gone(mapping, self._plans)

    def _plans(self, mapping: CustomerMapping | None) -> PlansResponse:
        current_sub = None
        if mapping is not None:
            customer_id = mapping.customer_id
            subs = self.gateway.call(
                "subscriptions.list",
                lambda c: c.v1.subscriptions.list(params={"customer": customer_id, "status": "all", "limit": 10}),
            )
            current_sub = primary_subscription(subs.data)
        return plans_response(current_sub, self.catalog, int(self.clock()))


def _prefetch(fn: Callable[[], Any]) -> None:
    """``fn()`` to warm a cache; its error is left to whoever needs the value."""
    try:
        fn()
    except BillingError:
        pass


def reset_caches() -> None:
    reset_price_ids()
    forget_read_cache()


# -- views ---------------------------------------------------------------------------------------
