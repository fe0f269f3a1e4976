"""Plan change logic: the adapters and the steps every action shares; each action lives in its own module.

``PlanChanger`` is what the routes call. Its actions are split by what they do: ``plan_change.preview`` (the exact
money of a change), ``plan_change.change`` (apply it now or at the period end, undo a scheduled one),
``plan_change.cancellation`` (cancel, the retention offer, resume) and ``plan_change.subscribe``.

Rules every operation follows:

* the subscription is always the caller's own, found from the customer mapped to their ``sub``; an optional
  client-sent ``subscription_id`` is only compared with it (A2: mismatch -> 404, audited, no Stripe write);
* a client-sent price is a catalog ``lookup_key``, checked before any Stripe call (B2);
* mutations run under ``run_idempotent`` (in the routes) and pass Stripe idempotency keys derived from the
  caller's ``Idempotency-Key``; they hold a short per-user lease (D5) and write an audit entry with the plan
  before and after;
* the change applies exactly what the server stored with the preview (price, quantity, proration date: B9).

Timing comes from the catalog's transition rules: ``immediate`` changes are applied with
``proration_behavior=always_invoice`` + ``payment_behavior=pending_if_incomplete`` (the plan only changes once
the invoice is paid; a declined invoice is voided so nothing is left to pay later); ``period_end`` changes become
a two-phase subscription schedule released at the end. A trial is kept unless the caller chose to end it
(``plan_change.preview``), and a change that charges now needs a usable card before any Stripe write (H2).

Billing mode: subscriptions the product creates are explicitly ``billing_mode={"type": "flexible"}`` (the endive
default too, per stripe-python 16's ``SubscriptionCreateParamsBillingMode``; classic only when asked), with
itemized proration discounts (``plan_change.subscribe``).
Schedules are made with ``from_subscription``, which takes no other parameters and inherits the subscription's
billing mode (``SubscriptionScheduleCreateParams.from_subscription``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from billing_core.audit import AuditLog
from billing_core.catalog.model import Catalog, get_catalog
from billing_core.catalog.plans import Plan
from billing_core.directory import CustomerDirectory
from billing_core.domain_events import DomainEventPublisher, get_publisher
from billing_core.entitlements import catalog_item, period_end_of, primary_subscription, subscription_items
from billing_core.errors import BillingError, Conflict, NotFound
from billing_core.idempotency import IdempotencyKey
from billing_core.identity import Caller
from billing_core.observability import count, logger
from billing_core.retention.steps import RetentionSteps
from billing_core.retention_offer import RetentionOfferStore
from billing_core.store.plan_change import PlanChangeStore
from billing_core.stripe_fields import field as g
from billing_core.stripe_fields import object_id as oid

from plan_change import cancellation, change, pause_resume, retention
from plan_change.models import (
    CancelRequest,
    CancelResponse,
    ChangeRequest,
    ChangeResponse,
    NextPayment,
    PlanState,
    PreviewRequest,
    PreviewResponse,
    ResumeResponse,
    RetentionOfferRequest,
    RetentionOfferResponse,
    ScheduledChangeReleased,
    SubscribeRequest,
    SubscribeResponse,
)
from plan_change.preview import (
    customer_of,
    first_charge_date,
    preview_change,
)
from plan_change.stripe_billing import StripeBilling
from plan_change.subscribe import ENDED, subscribe


@dataclass
class PaymentState:
    invoice_status: str | None
    intent_status: str | None
    client_secret: str | None
    payment_intent: str | None = None


@dataclass
class PlanChanger:
    directory: CustomerDirectory = field(default_factory=CustomerDirectory)
    billing: StripeBilling = field(default_factory=StripeBilling)
    store: PlanChangeStore = field(default_factory=PlanChangeStore)
    audit: AuditLog = field(default_factory=AuditLog)
    catalog: Catalog = field(default_factory=get_catalog)
    clock: Callable[[], float] = time.time
    offers: RetentionOfferStore = field(default_factory=RetentionOfferStore)
    retention: RetentionSteps = field(default_factory=RetentionSteps)
    _publisher: DomainEventPublisher | None = None

    @property
    def publisher(self) -> DomainEventPublisher:
        """``billing.retention.*`` events go here (EventBridge when configured)."""
        if self._publisher is None:
            self._publisher = get_publisher()
        return self._publisher

    # ------------------------------------------------------------------------------------------------------
    # Shared steps
    # ------------------------------------------------------------------------------------------------------
    def plan_state(self, subscription: Any | None) -> PlanState:
        if subscription is None:
            return PlanState()
        item, key = catalog_item(subscription, self.catalog)
        found = self.catalog.find_price(key)
        quantity = g(item, "quantity")
        return PlanState(
            plan_id=found[0].id if found else None,
            price_lookup_key=key,
            quantity=quantity if isinstance(quantity, int) else None,
            status=g(subscription, "status"),
        )

    def _subscription(
        self,
        caller: Caller,
        action: str,
        request_id: str,
        subscription_id: str | None,
        allowed: frozenset[str],
    ) -> tuple[str, Any]:
        """The caller's customer id and current subscription, or a 404/409 before any Stripe write."""
        mapping = self.directory.lookup(caller.account_id)
        if mapping is None:
            if subscription_id:
                self._deny(caller, action, request_id, "subscription_not_owned")
            raise Conflict(code="no_subscription", message="You have no subscription yet.")
        subscriptions = self.billing.subscriptions(mapping.customer_id)
        by_id = {str(s.get("id")): s for s in subscriptions}
        if subscription_id and subscription_id not in by_id:
            self._deny(caller, action, request_id, "subscription_not_owned")
        chosen = by_id[subscription_id] if subscription_id else primary_subscription(subscriptions)
        if chosen is None:
            if subscriptions:
                raise Conflict(code="subscription_canceled", message="Your subscription has ended.")
            raise Conflict(code="no_subscription", message="You have no subscription yet.")
        status = str(g(chosen, "status") or "unknown")
        if status not in allowed:
            raise _status_conflict(status)
        return mapping.customer_id, chosen

    def _deny(self, caller: Caller, action: str, request_id: str, reason: str) -> None:
        count("OwnershipDenied")
        logger.warning("foreign subscription id refused", extra={"action": action})
        try:
            self.audit.record(caller, action, request_id, after={"reason": reason}, outcome="denied")
        except BillingError:
            logger.warning("audit of a denied action failed", extra={"action": action})
        raise NotFound(operation=action)

    def _record(
        self,
        caller: Caller,
        action: str,
        request_id: str,
        before: PlanState,
        after: PlanState,
        outcome: str = "ok",
        **extra: Any,
    ) -> None:
        self.audit.record(
            caller,
            action,
            request_id,
            before=before.model_dump(),
            after={**after.model_dump(), **extra},
            outcome=outcome,
        )

    @contextmanager
    def _lease(self, account_id: str) -> Iterator[None]:
        token = self.store.acquire_lock(account_id)
        try:
            yield
        finally:
            self.store.release_lock(account_id, token)

    def _payment_state(self, invoice_id: str | None) -> PaymentState:
        if not invoice_id:
            return PaymentState(None, None, None)
        invoice = self.billing.invoice(invoice_id)
        intent_id = None
        for payment in g(invoice, "payments", "data") or []:
            intent_id = oid(g(payment, "payment", "payment_intent")) or intent_id
        intent_status = self.billing.payment_intent_status(intent_id) if intent_id else None
        secret = g(invoice, "confirmation_secret", "client_secret")
        return PaymentState(g(invoice, "status"), intent_status, secret if isinstance(secret, str) else None, intent_id)

    def _next_payment(self, subscription: Any) -> NextPayment | None:
        """Stripe's upcoming invoice after a mutation (H3: the amount and date the overview will show)."""
        try:
            upcoming = self.billing.upcoming_invoice(customer_of(subscription), str(subscription.get("id")))
        except BillingError:
            logger.warning("upcoming invoice unavailable after the change")
            return None
        if upcoming is None:
            return None
        return NextPayment(
            amount=int(g(upcoming, "amount_due") or 0),
            date=first_charge_date(upcoming, period_end_of(subscription)),
            currency=g(upcoming, "currency"),
        )

    def _single_item(self, subscription: Any) -> tuple[Any, str]:
        items = subscription_items(subscription)
        item, key = catalog_item(subscription, self.catalog)
        if len(items) != 1 or item is None or key is None:
            raise Conflict(
                code="subscription_not_changeable_here",
                message="This subscription can only be changed in the customer portal.",
            )
        return item, key

    def _default_quantity(self, target: Plan, current_plan: Plan | None, current_quantity: int) -> int:
        if not target.per_seat:
            return 1
        if current_plan is not None and current_plan.per_seat:
            return min(max(current_quantity, target.min_seats), target.max_seats)
        return target.min_seats

    # ------------------------------------------------------------------------------------------------------
    # POST /billing/subscription/preview
    # ------------------------------------------------------------------------------------------------------
    def preview(self, caller: Caller, req: PreviewRequest, request_id: str) -> PreviewResponse:
        """Exact money of a change (see ``plan_change.preview``), stored for ``change`` under ``preview_id``."""
        return preview_change(self, caller, req, request_id)

    # ------------------------------------------------------------------------------------------------------
    # POST /billing/subscription/change and DELETE /billing/subscription/scheduled-change (``plan_change.change``)
    # ------------------------------------------------------------------------------------------------------
    def change(self, caller: Caller, req: ChangeRequest, key: IdempotencyKey, request_id: str) -> ChangeResponse:
        """Apply a stored preview: now (invoiced, paid or voided) or at the period end (a schedule)."""
        return change.change(self, caller, req, key, request_id)

    def release_scheduled_change(
        self, caller: Caller, key: IdempotencyKey, request_id: str, subscription_id: str | None
    ) -> ScheduledChangeReleased:
        return change.release_scheduled_change(self, caller, key, request_id, subscription_id)

    # ------------------------------------------------------------------------------------------------------
    # POST /billing/subscription/cancel, /retention-offer and /resume (see ``plan_change.cancellation``)
    # ------------------------------------------------------------------------------------------------------
    def cancel(self, caller: Caller, req: CancelRequest, key: IdempotencyKey, request_id: str) -> CancelResponse:
        return cancellation.cancel(self, caller, req, key, request_id)

    def accept_offer(
        self, caller: Caller, req: RetentionOfferRequest, key: IdempotencyKey, request_id: str
    ) -> RetentionOfferResponse:
        return retention.accept_offer(self, caller, req, key, request_id)

    def resume(
        self, caller: Caller, key: IdempotencyKey, request_id: str, subscription_id: str | None
    ) -> ResumeResponse:
        """Resume a paused subscription now, or undo a pending cancellation (``plan_change.pause_resume``)."""
        return pause_resume.resume(self, caller, key, request_id, subscription_id)

    # ------------------------------------------------------------------------------------------------------
    # POST /billing/subscription
    # ------------------------------------------------------------------------------------------------------
    def subscribe(
        self, caller: Caller, req: SubscribeRequest, key: IdempotencyKey, request_id: str
    ) -> SubscribeResponse:
        """Subscribe (or resubscribe) when there is no active subscription (see ``plan_change.subscribe``)."""
        return subscribe(self, caller, req, key, request_id)


# ----------------------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------------------
def _status_conflict(status: str) -> Conflict:
    if status in ENDED:
        return Conflict(code="subscription_canceled", message="Your subscription has ended.")
    if status == "incomplete":
        return Conflict(code="subscription_incomplete", message="Your subscription is waiting for its first payment.")
    if status in ("past_due", "unpaid"):
        return Conflict(code="subscription_past_due", message="Pay the overdue invoice before changing your plan.")
    return Conflict(code="subscription_not_changeable", message="Your subscription cannot be changed right now.")
