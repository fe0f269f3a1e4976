"""Pauses the product makes, and the step that resumes them when they are due.

Stripe's pause (API 2026-10-28.endive, ``POST /v1/subscriptions/{id}/pause``, stripe-python 16's
``SubscriptionPauseParams``) takes no resume date: a paused subscription stays paused until someone calls
``/resume``. The product therefore keeps the chosen date on the subscription itself, in two metadata keys written
right after the pause:

* ``pause_resumes_at``: when it resumes (unix seconds);
* ``pause_started_at``: the pause's ``status_details.paused.transitioned_at``, so the date belongs to *this*
  pause. A later pause made elsewhere (the hosted portal) has another ``transitioned_at``, so a stale date left
  from an earlier pause never resumes it.

:func:`resumes_at` reads them back (GET /billing, the entitlement record, the step below).

:class:`PauseResumer` is the automatic resume: it lists the account's paused subscriptions, and resumes each
whose date has passed (by Stripe's clock for the subscription: its test clock's frozen time, else the wall
clock), with ``billing_cycle_anchor=now`` (a new period starts at the resume, billed in full less the credit the
pause left) and ``payment_behavior=resume_on_payment_success`` (a failed payment leaves it paused, not past due;
Stripe retries the resumption invoice on the usual schedule). Its Stripe idempotency key is derived from the
subscription and the date, so a rerun, a retried Lambda or a user pressing "Resume now" at the same moment never
makes a second resumption invoice: Stripe refuses a resume while one is open (H6). Runs hourly
(``resume_pauses.app.handler``) and from ``python -m admin.resume_due``.
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from billing_core.errors import BadInput, BillingError, NotFound
from billing_core.observability import count, logger
from billing_core.stripe_fields import field as g
from billing_core.stripe_fields import object_id as oid
from billing_core.stripe_gateway import StripeGateway, get_gateway
from billing_core.stripe_ownership import derive_key

if TYPE_CHECKING:
    from stripe.params import SubscriptionPauseParams, SubscriptionResumeParams

RESUMES_AT = "pause_resumes_at"
STARTED_AT = "pause_started_at"
#: How the product pauses: the unused time of the current period credited at once, on an invoice whose negative
#: total goes to the customer's balance (stripe-python 16's ``SubscriptionPauseParams``).
PAUSE_PARAMS: SubscriptionPauseParams = {
    "bill_for": {"unused_time_from": {"type": "now"}},
    "invoicing_behavior": "invoice",
}
#: How the product resumes a paused subscription (automatically and with "Resume now").
RESUME_PARAMS: SubscriptionResumeParams = {
    "billing_cycle_anchor": {"type": "now"},
    "payment_behavior": "resume_on_payment_success",
}


def add_periods(at: int, interval: str, count_: int) -> int:
    """``at`` moved ``count_`` months or years ahead, in UTC, the day clamped to the month's end (as Stripe's
    billing anchors are)."""
    when = datetime.fromtimestamp(at, UTC)
    months = count_ * (12 if interval == "year" else 1)
    total = when.month - 1 + months
    year, month = when.year + total // 12, total % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return int(when.replace(year=year, month=month, day=day).timestamp())


def paused_at(subscription: Any) -> int | None:
    """When the subscription was paused (``status_details.paused.transitioned_at``), or None if it is not."""
    if g(subscription, "status") != "paused":
        return None
    value = g(subscription, "status_details", "paused", "transitioned_at")
    return value if isinstance(value, int) else None


def resumes_at(subscription: Any) -> int | None:
    """The date the product will resume this pause, or None (not paused, or paused without a date)."""
    started = paused_at(subscription)
    metadata = g(subscription, "metadata") or {}
    try:
        stored_start = int(g(metadata, STARTED_AT) or 0)
        stored_end = int(g(metadata, RESUMES_AT) or 0)
    except (TypeError, ValueError):
        return None
    if started is None or stored_start != started or stored_end <= 0:
        return None
    return stored_end


def pause_metadata(started_at: int, resume_at: int) -> dict[str, str]:
    return {RESUMES_AT: str(resume_at), STARTED_AT: str(started_at)}


def cleared_metadata() -> dict[str, str]:
    """Empty strings unset the keys (Stripe's metadata rule)."""
    return {RESUMES_AT: "", STARTED_AT: ""}


def resume_key(subscription_id: str, due: int) -> str:
    """The one Stripe idempotency key of the automatic resume of one pause."""
    return derive_key("pause", f"resume:{subscription_id}:{due}")


@dataclass
class ResumeReport:
    checked: int = 0
    resumed: int = 0
    waiting_for_payment: int = 0
    errors: int = 0
    complete: bool = True
    resumed_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "resumed": self.resumed,
            "waiting_for_payment": self.waiting_for_payment,
            "errors": self.errors,
            "complete": self.complete,
        }


@dataclass
class PauseResumer:
    """Resume every paused subscription whose ``pause_resumes_at`` has passed."""

    gateway: StripeGateway = field(default_factory=get_gateway)
    clock: Callable[[], float] = time.time

    def now_for(self, subscription: Any) -> int:
        clock_id = oid(g(subscription, "test_clock"))
        if clock_id:
            tc = self.gateway.call("test_clocks.retrieve", lambda c: c.v1.test_helpers.test_clocks.retrieve(clock_id))
            return int(g(tc, "frozen_time"))
        return int(self.clock())

    def paused_subscriptions(self) -> list[Any]:
        page = self.gateway.call(
            "subscriptions.list",
            lambda c: c.v1.subscriptions.list(params={"status": "paused", "limit": 100}),
        )
        return list(page.auto_paging_iter()) if g(page, "has_more") else list(page.data)

    def run(self, *, deadline: float | None = None) -> ResumeReport:
        report = ResumeReport()
        for subscription in self.paused_subscriptions():
            if deadline is not None and time.monotonic() >= deadline:
                report.complete = False
                break
            due = resumes_at(subscription)
            if due is None:
                continue
            report.checked += 1
            try:
                outcome = self.resume_if_due(subscription, due)
            except BillingError as err:
                report.errors += 1
                count("PauseResumeFailed")
                logger.warning("automatic resume failed", extra={"error_code": err.code})
                continue
            if outcome == "resumed":
                report.resumed += 1
                report.resumed_ids.append(str(g(subscription, "id")))
            elif outcome == "waiting_for_payment":
                report.waiting_for_payment += 1
        return report

    def resume_if_due(self, subscription: Any, due: int) -> str:
        """``resumed``, ``waiting_for_payment`` (its resumption invoice is unpaid: Stripe retries it) or
        ``not_due``."""
        if self.now_for(subscription) < due:
            return "not_due"
        sub_id = str(g(subscription, "id"))
        latest = self._open_resumption_invoice(subscription)
        if latest:
            return "waiting_for_payment"  # a resume is already under way (ours, or "Resume now"): H6
        try:
            resumed = self.gateway.call(
                "subscriptions.resume",
                lambda c: c.v1.subscriptions.resume(
                    sub_id, params=RESUME_PARAMS.copy(), options={"idempotency_key": resume_key(sub_id, due)}
                ),
            )
        except NotFound:
            return "not_due"  # the subscription is gone
        except BadInput:
            # Resumed by someone else between the list and this call ("Resume now" won the race: H6).
            current = self.gateway.call("subscriptions.retrieve", lambda c: c.v1.subscriptions.retrieve(sub_id))
            if g(current, "status") != "paused":
                return "not_due"
            raise
        if g(resumed, "status") == "paused":
            count("PauseResumeAwaitingPayment")
            return "waiting_for_payment"
        self.gateway.call(
            "subscriptions.update",
            lambda c: c.v1.subscriptions.update(
                sub_id,
                params={"metadata": cleared_metadata()},
                options={"idempotency_key": derive_key("pause", f"clear:{sub_id}:{due}")},
            ),
        )
        count("PauseResumed")
        return "resumed"

    def _open_resumption_invoice(self, subscription: Any) -> str | None:
        invoice_id = oid(g(subscription, "latest_invoice"))
        if not invoice_id:
            return None
        invoice = self.gateway.call("invoices.retrieve", lambda c: c.v1.invoices.retrieve(invoice_id))
        started = paused_at(subscription) or 0
        created = g(invoice, "created")
        if g(invoice, "status") == "open" and isinstance(created, int) and created >= started:
            return invoice_id
        return None
