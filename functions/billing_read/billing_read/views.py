"""Stripe objects as the billing page shows them: customer, subscription, card, invoice, entitlements, dunning."""

from __future__ import annotations

import time
from typing import Any

from billing_core.catalog.model import Catalog
from billing_core.entitlements import EntitlementRecord
from billing_core.pause import paused_at, resumes_at
from billing_core.price_ids import get_price_ids
from billing_core.stripe_fields import field as _g
from billing_core.stripe_fields import object_id as _id
from billing_core.stripe_gateway import StripeGateway

from billing_read.models import (
    Address,
    CustomerView,
    DiscountView,
    DunningView,
    EntitlementsView,
    InvoiceView,
    PaymentMethodView,
    ScheduledChange,
    SubscriptionView,
    TaxIdView,
)
from billing_read.upcoming import NextInvoice

EXPIRING_SOON_DAYS = 60
#: Subscription states Stripe can preview the next invoice of.
PREVIEWABLE = {"active", "trialing", "past_due"}


def subscription_view(
    sub: Any, upcoming: NextInvoice | None, catalog: Catalog, gateway: StripeGateway
) -> SubscriptionView:
    """One subscription as the billing page shows it (H3: the next payment is Stripe's upcoming invoice)."""
    items = list(_g(sub, "items", "data") or [])
    item = next((i for i in items if catalog.find_price(_g(i, "price", "lookup_key"))), items[0] if items else None)
    price = _g(item, "price")
    lookup_key = _g(price, "lookup_key")
    found = catalog.find_price(lookup_key)
    period_ends = [e for e in (_g(i, "current_period_end") for i in items) if isinstance(e, int)]
    period_end = min(period_ends) if period_ends else None
    status = str(_g(sub, "status") or "unknown")
    # H3: the next payment is Stripe's upcoming invoice, amount and date together (a scheduled change, a
    # trial end or a discount are already in it); nothing is shown when Stripe has no invoice coming.
    renews = status in PREVIEWABLE and not _g(sub, "cancel_at_period_end") and not _g(sub, "cancel_at")
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
        scheduled_change=scheduled_change(sub, catalog, gateway),
        discount=discount_view(sub),
        paused=status == "paused",
        paused_at=paused_at(sub),
        resumes_at=resumes,
        pause_durations=list(plan_pause.durations) if pausable and plan_pause else [],
    )


def scheduled_change(sub: Any, catalog: Catalog, gateway: StripeGateway) -> ScheduledChange | None:
    """The change a subscription schedule has queued for the next phase, if any."""
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
            lookup_key = get_price_ids().lookup_key(price, gateway, catalog.lookup_keys)
            found = catalog.find_price(lookup_key)
            return ScheduledChange(
                price_lookup_key=lookup_key,
                plan_id=found[0].id if found else None,
                plan_name=found[0].name if found else None,
                quantity=_g(first, "quantity"),
                effective_at=start,
            )
    return None


def customer_view(customer: Any, tax_ids: list[Any]) -> CustomerView:
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


def discount_view(sub: Any) -> DiscountView | None:
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


def payment_method_view(pm: Any, default_pm: str | None, now: float) -> PaymentMethodView:
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


def invoice_view(inv: Any) -> InvoiceView:
    """One invoice of a list: a stripe-python ``Invoice`` or the plain JSON of ``StripeGateway.list_plain``."""
    return InvoiceView(
        id=_g(inv, "id"),
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


def entitlements_view(record: EntitlementRecord | None, source: str) -> EntitlementsView:
    if record is None:
        record, source = EntitlementRecord.none(), "none"
    return EntitlementsView(
        source=source,
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


def dunning(subscriptions: list[Any], invoices: list[InvoiceView], record: EntitlementRecord) -> DunningView:
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
