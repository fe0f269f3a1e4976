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
from typing import Any, TypeVar, cast

from billing_core.accounts.context import can
from billing_core.accounts.roles import Permission
from billing_core.catalog import Catalog, get_catalog
from billing_core.directory import CustomerDirectory, CustomerMapping
from billing_core.entitlements import EntitlementRecord, EntitlementStore, derive_entitlements, primary_subscription
from billing_core.errors import BadInput, CustomerGone, NotFound
from billing_core.identity import Caller
from billing_core.pause import paused_at, resumes_at
from billing_core.price_ids import get_price_ids, reset_price_ids
from billing_core.stripe_fields import field as _g
from billing_core.stripe_fields import object_id as _id
from billing_core.stripe_gateway import StripeGateway, get_gateway

from billing_read.models import (
    Address,
    BillingOverview,
    CurrentPlan,
    CustomerView,
    DiscountView,
    DunningView,
    EntitlementsView,
    InvoicePage,
    InvoiceView,
    PaymentMethodView,
    PlansResponse,
    PlanView,
    PriceOption,
    ScheduledChange,
    SubscriptionView,
    TaxIdView,
)
from billing_read.upcoming import NextInvoice, next_invoice

T = TypeVar("T")

RECENT_INVOICES = 12
EXPIRING_SOON_DAYS = 60
_PREVIEWABLE = {"active", "trialing", "past_due"}


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
        # The two DynamoDB reads are independent: one round trip, then one round of Stripe reads.
        first: dict[str, Callable[[], Any]] = {
            "mapping": lambda: self.directory.lookup_caller(caller),
            "stored": lambda: self.entitlements.get(caller.account_id),
        }
        if caller.token_customer_id is not None:
            # The token names this account's customer, so Stripe is read next anyway: its key (a Secrets Manager
            # read when the cache is cold) is fetched in the same round as the entitlement record.
            first["stripe"] = gw.client
        local = run(first)
        mapping: CustomerMapping | None = local["mapping"]
        stored: EntitlementRecord | None = local["stored"]
        if not can(caller, Permission.BILLING_MANAGE):
            # A team's member sees the plan name, status and entitlements: no customer, cards or invoices.
            return BillingOverview(has_customer=mapping is not None, entitlements=_entitlements_view(stored, "stored"))
        if mapping is None:
            return BillingOverview(has_customer=False, entitlements=_entitlements_view(stored, "stored"))
        return self._recheck_when_gone(mapping, lambda m: self._overview(m, stored, run))

    def _recheck_when_gone(self, mapping: CustomerMapping | None, read: Callable[[CustomerMapping | None], T]) -> T:
        """``read(mapping)``; when the mapping came from the token and Stripe says its customer is gone (or
        missing), once more with the directory's mapping if that names another customer."""
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
        stored: EntitlementRecord | None,
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
            "invoices": lambda: gw.call(
                "invoices.list",
                lambda c: c.v1.invoices.list(params={"customer": customer_id, "limit": RECENT_INVOICES}),
            ),
            "tax_ids": lambda: gw.call(
                "tax_ids.list", lambda c: c.v1.customers.tax_ids.list(customer_id, params={"limit": 20})
            ),
        }
        # A subscription known from the stored entitlements can be previewed in the same round.
        hinted = stored.subscription_id if stored and stored.status in _PREVIEWABLE else None
        if hinted:
            reads["preview:" + hinted] = lambda: self._preview(customer_id, hinted)
        prices = get_price_ids()
        if prices.stale():  # loaded in this round; a price it does not know is looked up on its own (H5)
            reads["prices"] = lambda: prices.refresh(gw, self.catalog.lookup_keys)
        results = run(reads)

        subscriptions = list(results["subscriptions"].data)
        previews: dict[str, NextInvoice | None] = {
            key.split(":", 1)[1]: value for key, value in results.items() if key.startswith("preview:")
        }
        missing = {
            s.id: (lambda sid=s.id: self._preview(customer_id, sid))
            for s in subscriptions
            if _g(s, "status") in _PREVIEWABLE and s.id not in previews
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
        invoices = [_invoice_view(inv) for inv in results["invoices"].data]
        record_source = "stored"
        record = stored
        if record is None:
            record = derive_entitlements(
                primary_subscription(subscriptions), self.catalog, int(self.clock()), version=0
            )
            record_source = "derived"
        default_pm = _id(_g(customer, "invoice_settings", "default_payment_method"))
        return BillingOverview(
            has_customer=True,
            customer=_customer_view(customer, results["tax_ids"].data),
            subscriptions=[self._subscription_view(s, previews.get(s.id)) for s in subscriptions],
            payment_methods=[
                _payment_method_view(pm, default_pm, self.clock()) for pm in results["payment_methods"].data
            ],
            invoices=invoices,
            entitlements=_entitlements_view(record, record_source),
            dunning=_dunning(subscriptions, invoices, record),
        )

    def _customer(self, customer_id: str) -> Any:
        return self.gateway.live_customer(customer_id)

    def _preview(
        self, customer_id: str, subscription_id: str, details: dict[str, Any] | None = None
    ) -> NextInvoice | None:
        """Stripe's upcoming invoice for one subscription (None when Stripe has none to preview); for a paused
        one, ``details={"resume_at": "now"}`` previews its resumption invoice."""
        params: dict[str, Any] = {"customer": customer_id, "subscription": subscription_id}
        if details:
            params["subscription_details"] = details
        try:
            preview = self.gateway.call(
                "invoices.create_preview", lambda c: c.v1.invoices.create_preview(params=cast(Any, params))
            )
        except NotFound:
            return None
        except BadInput:
            if not details:
                raise
            return None  # Stripe refuses to preview a resume while a resumption invoice is open: none to show
        return next_invoice(preview)

    def _subscription_view(self, sub: Any, upcoming: NextInvoice | None) -> SubscriptionView:
        items = list(_g(sub, "items", "data") or [])
        item = next(
            (i for i in items if self.catalog.find_price(_g(i, "price", "lookup_key"))), items[0] if items else None
        )
        price = _g(item, "price")
        lookup_key = _g(price, "lookup_key")
        found = self.catalog.find_price(lookup_key)
        period_ends = [e for e in (_g(i, "current_period_end") for i in items) if isinstance(e, int)]
        period_end = min(period_ends) if period_ends else None
        status = str(_g(sub, "status") or "unknown")
        # H3: the next payment is Stripe's upcoming invoice, amount and date together (a scheduled change, a
        # trial end or a discount are already in it); nothing is shown when Stripe has no invoice coming.
        renews = status in _PREVIEWABLE and not _g(sub, "cancel_at_period_end") and not _g(sub, "cancel_at")
        resumes = resumes_at(sub)
        if resumes is not None and upcoming is not None and not _g(sub, "cancel_at"):
            # Paused: the next payment is the resumption, on the resume date (billed as resuming now would be).
            upcoming = NextInvoice(amount=upcoming.amount, date=resumes)
        else:
            upcoming = upcoming if renews else None
        plan_pause = found[0].pause if found else None
        pausable = (
            status == "active"
            and plan_pause is not None
            and not _g(sub, "cancel_at_period_end")
            and not _g(sub, "cancel_at")
            and not _g(sub, "schedule")
            and not _g(sub, "pending_update")
            and _g(sub, "billing_mode", "type") == "flexible"
        )
        return SubscriptionView(
            id=sub.id,
            status=status,
            plan_id=found[0].id if found else None,
            plan_name=found[0].name if found else _g(price, "nickname"),
            price_lookup_key=lookup_key,
            unit_amount=_g(price, "unit_amount"),
            currency=_g(price, "currency") or _g(sub, "currency"),
            interval=_g(price, "recurring", "interval"),
            quantity=_g(item, "quantity"),
            trial_end=_g(sub, "trial_end") if status == "trialing" else None,
            current_period_end=period_end,
            next_billing_date=upcoming.date if upcoming else None,
            next_invoice_amount=upcoming.amount if upcoming else None,
            cancel_at_period_end=bool(_g(sub, "cancel_at_period_end")),
            cancel_at=_g(sub, "cancel_at"),
            scheduled_change=self._scheduled_change(sub),
            discount=_discount_view(sub),
            paused=status == "paused",
            paused_at=paused_at(sub),
            resumes_at=resumes,
            pause_durations=list(plan_pause.durations) if pausable and plan_pause else [],
        )

    def _scheduled_change(self, sub: Any) -> ScheduledChange | None:
        schedule = _g(sub, "schedule")
        if not schedule or isinstance(schedule, str):
            return None
        current_end = _g(schedule, "current_phase", "end_date")
        for phase in _g(schedule, "phases") or []:
            start = _g(phase, "start_date")
            if current_end is not None and start is not None and start >= current_end:
                items = _g(phase, "items") or []
                first = items[0] if items else None
                price = _g(first, "price")
                lookup_key = get_price_ids().lookup_key(price, self.gateway, self.catalog.lookup_keys)
                found = self.catalog.find_price(lookup_key)
                return ScheduledChange(
                    price_lookup_key=lookup_key,
                    plan_id=found[0].id if found else None,
                    plan_name=found[0].name if found else None,
                    quantity=_g(first, "quantity"),
                    effective_at=start,
                )
        return None

    # -- GET /billing/invoices -------------------------------------------------------------------
    def list_invoices(self, caller: Caller, limit: int, starting_after: str | None) -> InvoicePage:
        mapping = self.directory.lookup_caller(caller)
        return self._recheck_when_gone(mapping, lambda m: self._invoices(m, limit, starting_after))

    def _invoices(self, mapping: CustomerMapping | None, limit: int, starting_after: str | None) -> InvoicePage:
        if mapping is None:
            return InvoicePage(invoices=[], has_more=False)
        customer_id = mapping.customer_id
        params: dict[str, Any] = {"customer": customer_id, "limit": limit}
        if starting_after:
            cursor = self.gateway.call("invoices.retrieve", lambda c: c.v1.invoices.retrieve(starting_after))
            if _id(_g(cursor, "customer")) != customer_id:
                raise NotFound(operation="invoices.cursor")
            params["starting_after"] = starting_after
        page = self.gateway.call("invoices.list", lambda c: c.v1.invoices.list(params=params))
        invoices = [_invoice_view(inv) for inv in page.data]
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
        current: CurrentPlan | None = None
        changes: dict[str, Any] = {}
        if current_sub is not None:
            record = derive_entitlements(current_sub, self.catalog, int(self.clock()))
            current = CurrentPlan(
                plan_id=record.plan,
                price_lookup_key=record.price_lookup_key,
                quantity=record.quantity,
                status=record.status,
                subscription_id=current_sub.id,
            )
            if record.price_lookup_key and _g(current_sub, "status") in _PREVIEWABLE:
                changes = {c.to_lookup_key: c for c in self.catalog.allowed_changes(record.price_lookup_key)}
        plans = []
        for plan in self.catalog.plans:
            prices = []
            for price in plan.prices:
                change = changes.get(price.lookup_key)
                if current is None:
                    kind, timing = "subscribe", "immediate"
                elif change is not None:
                    kind, timing = change.kind, change.timing
                else:
                    kind, timing = None, None
                prices.append(
                    PriceOption(
                        lookup_key=price.lookup_key,
                        interval=price.interval,
                        unit_amount=price.unit_amount,
                        currency=self.catalog.currency,
                        current=current is not None and current.price_lookup_key == price.lookup_key,
                        change_kind=kind,
                        change_timing=timing,  # type: ignore[arg-type]
                    )
                )
            plans.append(
                PlanView(
                    id=plan.id,
                    name=plan.name,
                    description=plan.description,
                    tier=plan.tier,
                    per_seat=plan.per_seat,
                    min_seats=plan.min_seats,
                    max_seats=plan.max_seats,
                    features=list(plan.features),
                    limits=dict(plan.limits),
                    trial_days=self.catalog.trial_days(plan.id),
                    current=current is not None and current.plan_id == plan.id,
                    prices=prices,
                )
            )
        return PlansResponse(
            currency=self.catalog.currency, current=current, can_subscribe=current is None, plans=plans
        )


def reset_caches() -> None:
    reset_price_ids()


# -- views ---------------------------------------------------------------------------------------
def _customer_view(customer: Any, tax_ids: list[Any]) -> CustomerView:
    address = _g(customer, "address")
    locales = [str(loc) for loc in _g(customer, "preferred_locales") or []]
    return CustomerView(
        name=_g(customer, "name"),
        email=_g(customer, "email"),
        phone=_g(customer, "phone"),
        preferred_locale=locales[0] if locales else None,
        preferred_locales=locales,
        address=Address(**{k: _g(address, k) for k in Address.model_fields}) if address else None,
        tax_ids=[
            TaxIdView(
                id=t.id, type=_g(t, "type"), value=_g(t, "value"), verification_status=_g(t, "verification", "status")
            )
            for t in tax_ids
        ],
    )


def _discount_view(sub: Any) -> DiscountView | None:
    discounts = _g(sub, "discounts") or []
    for discount in discounts:
        if isinstance(discount, str):
            continue
        coupon = _g(discount, "source", "coupon") or _g(discount, "coupon")
        if isinstance(coupon, str) or coupon is None:
            return DiscountView(ends_at=_g(discount, "end"))
        return DiscountView(
            name=_g(coupon, "name"),
            percent_off=_g(coupon, "percent_off"),
            amount_off=_g(coupon, "amount_off"),
            currency=_g(coupon, "currency"),
            ends_at=_g(discount, "end"),
        )
    return None


def _payment_method_view(pm: Any, default_pm: str | None, now: float) -> PaymentMethodView:
    card = _g(pm, "card")
    exp_month, exp_year = _g(card, "exp_month"), _g(card, "exp_year")
    expiring = False
    if isinstance(exp_month, int) and isinstance(exp_year, int):
        # A card works until the end of its expiry month.
        next_month = (exp_year + (exp_month // 12), exp_month % 12 + 1)
        expires_at = time.mktime((next_month[0], next_month[1], 1, 0, 0, 0, 0, 0, 0))
        expiring = expires_at - now <= EXPIRING_SOON_DAYS * 86400
    return PaymentMethodView(
        id=pm.id,
        brand=_g(card, "display_brand") or _g(card, "brand"),
        last4=_g(card, "last4"),
        exp_month=exp_month,
        exp_year=exp_year,
        is_default=pm.id == default_pm,
        expiring_soon=expiring,
    )


def _invoice_view(inv: Any) -> InvoiceView:
    return InvoiceView(
        id=inv.id,
        number=_g(inv, "number"),
        created=_g(inv, "created") or 0,
        total=_g(inv, "total") or 0,
        amount_due=_g(inv, "amount_due") or 0,
        amount_remaining=_g(inv, "amount_remaining") or 0,
        currency=_g(inv, "currency") or "",
        status=_g(inv, "status"),
        subscription_id=_id(_g(inv, "parent", "subscription_details", "subscription")),
        invoice_pdf=_g(inv, "invoice_pdf"),
        hosted_invoice_url=_g(inv, "hosted_invoice_url"),
    )


def _entitlements_view(record: EntitlementRecord | None, source: str) -> EntitlementsView:
    if record is None:
        record, source = EntitlementRecord.none(), "none"
    return EntitlementsView(
        source=source,  # type: ignore[arg-type]
        plan=record.plan,
        status=record.status,
        entitled=record.entitled,
        features=record.features,
        limits=record.limits,
        period_end=record.period_end,
        cancel_at_period_end=record.cancel_at_period_end,
        past_due_since=record.past_due_since,
        grace_until=record.grace_until,
        paused=record.paused,
        resumes_at=record.resumes_at,
    )


def _dunning(subscriptions: list[Any], invoices: list[InvoiceView], record: EntitlementRecord) -> DunningView:
    past_due_ids = {s.id for s in subscriptions if _g(s, "status") in {"past_due", "unpaid"}}
    if not past_due_ids:
        return DunningView()
    open_invoices = [
        inv
        for inv in invoices
        if inv.status == "open" and inv.amount_remaining > 0 and (inv.subscription_id in past_due_ids)
    ]
    oldest = min(open_invoices, key=lambda inv: inv.created) if open_invoices else None
    return DunningView(
        past_due=True,
        past_due_since=record.past_due_since or (oldest.created if oldest else None),
        amount_due=sum(inv.amount_remaining for inv in open_invoices),
        currency=oldest.currency if oldest else None,
        open_invoice=oldest,
    )
