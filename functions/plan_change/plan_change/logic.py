"""Plan change logic: preview, apply, scheduled changes, cancel / retention offer / resume, subscribe.

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

from billing_core.accounts.seats import check_capacity
from billing_core.accounts.store import AccountStore
from billing_core.audit import AuditLog
from billing_core.catalog import Catalog, Plan, get_catalog
from billing_core.directory import CustomerDirectory
from billing_core.entitlements import catalog_item, period_end_of, primary_subscription, subscription_items
from billing_core.errors import BadInput, BillingError, Conflict, NotFound, PaymentFailed
from billing_core.idempotency import IdempotencyKey
from billing_core.identity import Caller
from billing_core.observability import count, logger
from billing_core.retention_offer import RetentionOfferStore
from billing_core.store.plan_change import PlanChangeStore, StoredPreview, request_fingerprint
from billing_core.stripe_fields import field as g
from billing_core.stripe_fields import object_id as oid

from plan_change import cancellation
from plan_change.cancellation import CANCELABLE
from plan_change.cards import PaymentMethodRequired, usable_payment_method
from plan_change.models import (
    CancelRequest,
    CancelResponse,
    ChangeRequest,
    ChangeResponse,
    NextPayment,
    PaymentAction,
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
    CHANGEABLE,
    customer_of,
    first_charge_date,
    is_trialing,
    preview_change,
    reject_pending,
    stored_plan,
    update_params,
)
from plan_change.stripe_billing import StripeBilling
from plan_change.subscribe import ENDED, subscribe


@dataclass
class PaymentState:
    invoice_status: str | None
    intent_status: str | None
    client_secret: str | None


@dataclass
class PlanChanger:
    directory: CustomerDirectory = field(default_factory=CustomerDirectory)
    billing: StripeBilling = field(default_factory=StripeBilling)
    store: PlanChangeStore = field(default_factory=PlanChangeStore)
    audit: AuditLog = field(default_factory=AuditLog)
    catalog: Catalog = field(default_factory=get_catalog)
    clock: Callable[[], float] = time.time
    offers: RetentionOfferStore = field(default_factory=RetentionOfferStore)

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
        return PaymentState(g(invoice, "status"), intent_status, secret if isinstance(secret, str) else None)

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
    # POST /billing/subscription/change
    # ------------------------------------------------------------------------------------------------------
    def change(self, caller: Caller, req: ChangeRequest, key: IdempotencyKey, request_id: str) -> ChangeResponse:
        preview = self.store.get_preview(caller.account_id, req.preview_id)  # foreign/missing -> 404, expired -> 409
        # Members may have joined since the preview: a team never pays for fewer seats than it uses.
        check_capacity(caller.account_id, self.catalog.price(preview.to_lookup_key)[0], preview.to_quantity,
                       self.store.sibling(AccountStore))  # fmt: skip
        fingerprint = request_fingerprint(key.base)
        with self._lease(caller.account_id):
            customer_id, sub = self._subscription(
                caller, "subscription.change", request_id, req.subscription_id, CHANGEABLE
            )
            if str(sub.get("id")) != preview.subscription_id:
                raise _stale()
            replay = preview.consumed_by == fingerprint
            if not replay:
                reject_pending(sub)
                item, from_key = self._single_item(sub)
                if (
                    str(item.get("id")) != preview.item_id
                    or from_key != preview.from_lookup_key
                    or int(g(item, "quantity") or 1) != preview.from_quantity
                ):
                    raise _stale()
                now = self.billing.now_for(sub)
                if preview.timing == "immediate" and now >= preview.period_end:
                    raise _stale()  # B9: the stored proration date left the current period
                if is_trialing(sub, now) != preview.trialing:
                    raise _stale()  # the trial ended (or began) since the preview: its money no longer holds
                if preview.timing == "immediate" and preview.amount_due_now > 0:
                    # H2: a charge needs a card Stripe can use, checked before any Stripe write.
                    if usable_payment_method(sub, self.billing.customer(customer_id)) is None:
                        self._record(
                            caller,
                            "subscription.change",
                            request_id,
                            self.plan_state(sub),
                            self.plan_state(sub),
                            "payment_method_required",
                        )
                        raise PaymentMethodRequired()
            self.store.consume_preview(caller.account_id, preview.preview_id, fingerprint)
            before = self.plan_state(sub)
            if preview.timing == "immediate":
                return self._apply_now(caller, sub, preview, key, request_id, before, fingerprint)
            return self._schedule(caller, sub, preview, key, request_id, before)

    def _apply_now(
        self,
        caller: Caller,
        sub: Any,
        preview: StoredPreview,
        key: IdempotencyKey,
        request_id: str,
        before: PlanState,
        fingerprint: str,
    ) -> ChangeResponse:
        target = self._target_state(preview, sub)
        params = update_params(stored_plan(preview))
        params["payment_behavior"] = "pending_if_incomplete"
        params["expand"] = ["latest_invoice"]
        try:
            schedule_id = oid(g(sub, "schedule"))
            if schedule_id:  # a pending period-end change is replaced by this one
                self.billing.release_schedule(schedule_id, key.stripe("schedule.release"))
            updated = self.billing.update_subscription(str(sub.get("id")), params, key.stripe("subscription.update"))
        except PaymentFailed as err:
            self.store.release_preview(caller.account_id, preview.preview_id, fingerprint)
            self._void_pending(str(sub.get("id")), key)
            self._record(
                caller,
                "subscription.change",
                request_id,
                before,
                before,
                "payment_failed",
                decline_code=err.decline_code,
            )
            raise
        except (BadInput, Conflict, NotFound):
            self.store.release_preview(caller.account_id, preview.preview_id, fingerprint)
            raise
        invoice = g(updated, "latest_invoice")
        if isinstance(invoice, dict) and g(invoice, "billing_reason") != "subscription_update":
            invoice = None  # nothing was invoiced by this change (e.g. a kept trial)
        invoice_id = oid(invoice)
        if g(updated, "pending_update"):
            state = self._payment_state(invoice_id)
            if state.intent_status == "requires_action" and state.client_secret:
                self._record(
                    caller,
                    "subscription.change",
                    request_id,
                    before,
                    before,
                    "requires_action",
                    target=target.price_lookup_key,
                )
                return ChangeResponse(
                    status="requires_action",
                    change_kind=preview.kind,  # type: ignore[arg-type]
                    before=before,
                    after=before,
                    invoice_id=invoice_id,
                    amount_invoiced=int(g(invoice, "amount_due") or 0) if not isinstance(invoice, str) else None,
                    payment=PaymentAction(
                        client_secret=state.client_secret,
                        status=state.intent_status,
                        payment_method=oid(g(updated, "default_payment_method")),
                    ),
                )
            # H2: Stripe keeps the failed invoice open until the pending update expires (up to 23 h; Stripe's
            # "Pending updates reference"), and paying it later would apply the change unseen: void it now.
            if invoice_id and state.invoice_status == "open":
                self.billing.void_invoice(invoice_id, key.stripe("invoice.void"))
            self.store.release_preview(caller.account_id, preview.preview_id, fingerprint)
            self._record(
                caller,
                "subscription.change",
                request_id,
                before,
                before,
                "payment_failed",
                intent_status=state.intent_status,
                voided_invoice=invoice_id,
            )
            count("PlanChangePaymentFailed")
            raise PaymentFailed(decline_code=state.intent_status or "payment_failed")
        after = self.plan_state(updated)
        self._record(caller, "subscription.change", request_id, before, after, invoice_id=invoice_id)
        count("PlanChanged")
        return ChangeResponse(
            status="applied",
            change_kind=preview.kind,  # type: ignore[arg-type]
            before=before,
            after=after,
            effective_at=preview.proration_date,
            invoice_id=invoice_id,
            amount_invoiced=int(g(invoice, "amount_due") or 0)
            if invoice is not None and not isinstance(invoice, str)
            else None,
        )

    def _void_pending(self, subscription_id: str, key: IdempotencyKey) -> None:
        """After a refused update: void the open invoice of a pending update, if Stripe left one (H2)."""
        try:
            current = self.billing.subscription(subscription_id)
            invoice_id = oid(g(current, "latest_invoice"))
            if g(current, "pending_update") and invoice_id:
                if g(self.billing.invoice(invoice_id), "status") == "open":
                    self.billing.void_invoice(invoice_id, key.stripe("invoice.void"))
        except BillingError:
            logger.warning("could not check for an open invoice after a declined change")

    def _target_state(self, preview: StoredPreview, sub: Any) -> PlanState:
        plan, _ = self.catalog.price(preview.to_lookup_key)
        return PlanState(
            plan_id=plan.id,
            price_lookup_key=preview.to_lookup_key,
            quantity=preview.to_quantity,
            status=g(sub, "status"),
        )

    def _schedule(
        self, caller: Caller, sub: Any, preview: StoredPreview, key: IdempotencyKey, request_id: str, before: PlanState
    ) -> ChangeResponse:
        """Downgrade / shorter interval / fewer seats: two schedule phases, released after the switch."""
        item = next(i for i in subscription_items(sub) if str(i.get("id")) == preview.item_id)
        current_price_id = oid(g(item, "price"))
        _, to_price = self.catalog.price(preview.to_lookup_key)
        schedule_id = oid(g(sub, "schedule"))
        schedule = (
            self.billing.schedule(schedule_id)
            if schedule_id
            else self.billing.create_schedule_from(str(sub.get("id")), key.stripe("schedule.create"))
        )
        phases = g(schedule, "phases") or []
        start = g(schedule, "current_phase", "start_date") or (g(phases[0], "start_date") if phases else None)
        discounts = _phase_discounts(phases[0] if phases else None)
        first: dict[str, Any] = {
            "items": [{"price": current_price_id, "quantity": preview.from_quantity}],
            "start_date": int(start or g(item, "current_period_start") or preview.proration_date),
            "end_date": preview.period_end,
        }
        second: dict[str, Any] = {
            "items": [{"price": preview.to_price_id, "quantity": preview.to_quantity}],
            "duration": {"interval": to_price.interval, "interval_count": 1},
        }
        if g(sub, "status") == "trialing" and g(sub, "trial_end"):
            first["trial_end"] = int(g(sub, "trial_end"))
        if discounts:
            first["discounts"] = discounts
            second["discounts"] = discounts
        self.billing.update_schedule(
            str(g(schedule, "id")),
            {"phases": [first, second], "end_behavior": "release", "proration_behavior": "none"},
            key.stripe("schedule.update"),
        )
        after = self._target_state(preview, sub)
        self._record(caller, "subscription.change", request_id, before, after, scheduled_at=preview.period_end)
        count("PlanChangeScheduled")
        return ChangeResponse(
            status="scheduled",
            change_kind=preview.kind,  # type: ignore[arg-type]
            before=before,
            after=after,
            effective_at=preview.period_end,
        )

    # ------------------------------------------------------------------------------------------------------
    # DELETE /billing/subscription/scheduled-change
    # ------------------------------------------------------------------------------------------------------
    def release_scheduled_change(
        self, caller: Caller, key: IdempotencyKey, request_id: str, subscription_id: str | None
    ) -> ScheduledChangeReleased:
        with self._lease(caller.account_id):
            _, sub = self._subscription(
                caller, "subscription.scheduled_change", request_id, subscription_id, CANCELABLE
            )
            schedule_id = oid(g(sub, "schedule"))
            if not schedule_id:
                raise NotFound(code="no_scheduled_change", message="There is no scheduled change to undo.")
            self.billing.release_schedule(schedule_id, key.stripe("schedule.release"))
            state = self.plan_state(sub)
            self._record(
                caller, "subscription.scheduled_change.release", request_id, state, state, schedule=schedule_id
            )
            return ScheduledChangeReleased(status="released", plan=state)

    # ------------------------------------------------------------------------------------------------------
    # POST /billing/subscription/cancel, /retention-offer and /resume (see ``plan_change.cancellation``)
    # ------------------------------------------------------------------------------------------------------
    def cancel(self, caller: Caller, req: CancelRequest, key: IdempotencyKey, request_id: str) -> CancelResponse:
        return cancellation.cancel(self, caller, req, key, request_id)

    def accept_offer(
        self, caller: Caller, req: RetentionOfferRequest, key: IdempotencyKey, request_id: str
    ) -> RetentionOfferResponse:
        return cancellation.accept_offer(self, caller, req, key, request_id)

    def resume(
        self, caller: Caller, key: IdempotencyKey, request_id: str, subscription_id: str | None
    ) -> ResumeResponse:
        return cancellation.resume(self, caller, key, request_id, subscription_id)

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


def _stale() -> Conflict:
    return Conflict(code="preview_stale", message="Your subscription changed since this preview. Preview again.")


def _phase_discounts(phase: Any) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for discount in g(phase, "discounts") or []:
        for field_name in ("coupon", "discount", "promotion_code"):
            value = oid(g(discount, field_name))
            if value:
                out.append({field_name: value})
                break
    return out
