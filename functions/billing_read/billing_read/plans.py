"""The plan picker (``GET /billing/plans``): the catalog's plans and prices seen from the caller's subscription."""

from __future__ import annotations

from typing import Any

from billing_core.catalog.model import Catalog
from billing_core.entitlements import derive_entitlements
from billing_core.stripe_fields import field as _g

from billing_read.models import CurrentPlan, PlansResponse, PlanView, PriceOption
from billing_read.views import PREVIEWABLE


def plans_response(current_sub: Any, catalog: Catalog, now: int) -> PlansResponse:
    """The plan picker: every plan and price, the caller's current one, and which change each price would be."""
    current: CurrentPlan | None = None
    changes: dict[str, Any] = {}
    if current_sub is not None:
        record = derive_entitlements(current_sub, catalog, now)
        current = CurrentPlan(
            plan_id=record.plan,
            price_lookup_key=record.price_lookup_key,
            quantity=record.quantity,
            status=record.status,
            subscription_id=current_sub.id,
        )
        if record.price_lookup_key and _g(current_sub, "status") in PREVIEWABLE:
            changes = {c.to_lookup_key: c for c in catalog.allowed_changes(record.price_lookup_key)}
    plans = []
    for plan in catalog.plans:
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
                    currency=catalog.currency,
                    current=current is not None and current.price_lookup_key == price.lookup_key,
                    change_kind=kind,
                    change_timing=timing,
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
                trial_days=catalog.trial_days(plan.id),
                current=current is not None and current.plan_id == plan.id,
                prices=prices,
            )
        )
    return PlansResponse(currency=catalog.currency, current=current, can_subscribe=current is None, plans=plans)
