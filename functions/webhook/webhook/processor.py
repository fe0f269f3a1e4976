"""Webhook logic: verify, dedupe, route, re-derive, publish, complete (ADR 0001).

Status codes: 200 for every authentic event we handled, ignored, or already processed; 400 for anything
unsigned, forged, stale or unreadable; 409 (Retry-After) while the same event is processed elsewhere; 5xx
only for transient failures (DynamoDB, Stripe, EventBridge, time budget) and for a blank secret (F3), so
Stripe retries exactly what may succeed later.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from billing_core.directory import CustomerDirectory
from billing_core.domain_events import (
    PAYMENT_FAILED,
    SUBSCRIPTION_CANCELED,
    DomainEvent,
    DomainEventPublisher,
    get_publisher,
)
from billing_core.entitlement_sync import EntitlementSync
from billing_core.errors import BadInput, BillingError, Conflict, DependencyUnavailable
from billing_core.observability import count, logger
from billing_core.settings import get_settings
from billing_core.store.event_ledger import EventLedger
from billing_core.stripe_client import STRIPE_API_VERSION

from webhook.events import (
    CUSTOMER_TYPES,
    BadEvent,
    StripeEvent,
    changed_before,
    invoice_subscription,
    settled_by_own_events,
)
from webhook.offers import RetentionOfferRecorder
from webhook.retention import RetentionStepRecorder
from webhook.secrets import WebhookSecrets
from webhook.signature import SignatureError, check_timestamp, matches, parse_header

#: Work is abandoned (503, retried by Stripe) when less than this is left before the DynamoDB write.
WRITE_RESERVE_S = 1.5
#: Upper bound of one delivery's work, far below the 20 s function timeout and Stripe's 20 s wait.
WEBHOOK_BUDGET_S = 15.0
#: The longest a delivery waits for its turn in the instance's Stripe rate budget; longer answers 503 and Stripe
#: retries (the event is claimed first, so its first arrival is recorded, and the retry is often covered by a read
#: another event of the same customer made meanwhile: no Stripe call then). Long enough that one warm instance
#: takes the handful of events a single checkout or plan change sends without turning any away.
STRIPE_BUDGET_WAIT_S = 2.0
#: Calls one instance may make at once before pacing starts; the reserved concurrency times this stays below
#: Stripe's 25 a second per endpoint with the template's defaults (10 x 2).
STRIPE_BUDGET_BURST = 2.0


class InvalidSignature(BadInput):
    code = "invalid_signature"
    message = "The webhook signature could not be verified."


class InvalidPayload(BadInput):
    code = "invalid_payload"
    message = "The webhook payload is not a Stripe event."


class EventInProgress(Conflict):
    """The same event is being processed by another invocation right now (C8): Stripe retries later."""

    code = "event_in_progress"
    message = "This event is being processed. Retry later."

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "30"}


class Budget:
    """A monotonic deadline for one delivery (C15)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.deadline = clock() + seconds

    def left(self) -> float:
        return self.deadline - self.clock()

    def check(self, step: str, reserve: float = WRITE_RESERVE_S) -> None:
        left = self.left()
        if left < reserve:
            count("WebhookDeadlineExceeded")
            raise DependencyUnavailable(retry_after=30, operation=step, reason="deadline", seconds_left=left)


@dataclass(frozen=True)
class WebhookResult:
    outcome: str
    event_id: str | None = None
    event_type: str | None = None


class WebhookProcessor:
    """Every collaborator is optional; tests hand in fakes or moto-backed instances."""

    def __init__(
        self,
        secrets: WebhookSecrets | None = None,
        ledger: EventLedger | None = None,
        sync: EntitlementSync | None = None,
        directory: CustomerDirectory | None = None,
        publisher: DomainEventPublisher | None = None,
        link: Callable[[str, str], str] | None = None,
        clock: Callable[[], float] = time.time,
        livemode: bool | None = None,
        offers: RetentionOfferRecorder | None = None,
        retention: RetentionStepRecorder | None = None,
    ) -> None:
        self.secrets = secrets or WebhookSecrets()
        self.ledger = ledger or EventLedger()
        self.sync = sync or EntitlementSync()
        self.directory = directory or CustomerDirectory()
        self._publisher = publisher
        self.link = link or self.directory.link
        self.clock = clock
        self._livemode = livemode
        self.offers = offers or RetentionOfferRecorder(directory=self.directory)
        self.retention = retention or RetentionStepRecorder(directory=self.directory)

    @property
    def publisher(self) -> DomainEventPublisher:
        if self._publisher is None:
            self._publisher = get_publisher()
        return self._publisher

    @property
    def livemode(self) -> bool:
        return get_settings().stripe_livemode if self._livemode is None else self._livemode

    # -- entry point ---------------------------------------------------------------------------------
    def handle(self, body: bytes, signature_header: str | None, budget: Budget | None = None) -> WebhookResult:
        budget = budget or Budget(WEBHOOK_BUDGET_S)
        self.verify(body, signature_header)
        try:
            event = StripeEvent.parse(json.loads(body))
        except (ValueError, RecursionError, BadEvent):  # RecursionError: signed JSON nested thousands deep
            count("WebhookBadPayload")
            raise InvalidPayload() from None
        logger.append_keys(event_id=event.id, event_type=event.type)
        try:
            return self._dispatch(event, budget)
        finally:
            logger.remove_keys(["event_id", "event_type"])

    def verify(self, body: bytes, header: str | None) -> None:
        """Raise ``InvalidSignature`` unless ``header`` signs ``body`` with a current secret (C1-C6, F1)."""
        try:
            timestamp, signatures = parse_header(header)
            check_timestamp(timestamp, self.clock())
        except SignatureError as err:
            count("WebhookSignatureInvalid")
            raise InvalidSignature(reason=err.reason) from None
        if matches(body, timestamp, signatures, self.secrets.current()):
            return
        fresh = self.secrets.refreshed()
        if fresh is not None and matches(body, timestamp, signatures, fresh):
            count("WebhookSecretRotated")
            return
        count("WebhookSignatureInvalid")
        raise InvalidSignature(reason="no_match")

    # -- routing ---------------------------------------------------------------------------------------
    def _dispatch(self, event: StripeEvent, budget: Budget) -> WebhookResult:
        if event.livemode != self.livemode:
            count("WebhookLivemodeMismatch")
            logger.warning("event livemode does not match the deployment; ignored", extra={"livemode": event.livemode})
            return WebhookResult("ignored_livemode", event.id, event.type)
        if event.api_version and event.api_version != STRIPE_API_VERSION:
            count("WebhookApiVersionMismatch")
            logger.warning("event api_version differs from the SDK pin", extra={"api_version": event.api_version})
        if event.action == "ignore":
            count("WebhookIgnored")
            logger.info("event type not handled; acknowledged")
            return WebhookResult("ignored", event.id, event.type)

        # the arrival time on the clock that versions the records (see webhook.events.changed_before)
        claim = self.ledger.claim(event.id, event.type, seen=self.sync.clock())
        if claim.status == "duplicate":
            logger.info("duplicate event; already processed")
            return WebhookResult("duplicate", event.id, event.type)
        if claim.status == "in_progress":
            raise EventInProgress(event_id=event.id)

        domain_events = list(claim.pending_events)
        try:
            outcome, new_events = self._apply(event, budget, claim.first_seen)
            domain_events += new_events
            if domain_events:
                budget.check("events.publish")
                self.publisher.publish(domain_events)
                domain_events = []
            budget.check("ledger.complete", reserve=0.5)
            self.ledger.complete(event.id, claim, outcome)
        except BaseException as exc:
            self.ledger.release(event.id, claim, domain_events)
            if isinstance(exc, BillingError):
                count("WebhookFailed")
            raise
        count("WebhookProcessed")
        logger.info("event processed", extra={"outcome": outcome, "attempt": claim.attempts})
        return WebhookResult(outcome, event.id, event.type)

    def _apply(self, event: StripeEvent, budget: Budget, first_seen: float) -> tuple[str, list[DomainEvent]]:
        if event.action == "acknowledge":
            return "acknowledged", []
        customer_id = event.customer_id
        if customer_id is None:
            count("WebhookNoCustomer")
            return "no_customer", []
        account_id = self.directory.lookup_account(customer_id)
        claimed = event.claimed_account
        if account_id is None and claimed is not None:
            if self.link(claimed, customer_id) in {"linked", "exists"}:
                account_id = claimed
        if account_id is None:
            count("WebhookUnmappedCustomer")
            logger.info("event for a customer without a mapping; nothing written", extra={"customer_id": customer_id})
            return "unmapped", []
        # A record re-derived from Stripe reads that began after this event's change already reflects it: no
        # Stripe call (a burst of events for one customer costs one read). Customer events also check for a
        # deleted customer, which other syncs do not, so they always read.
        checks_customer = event.type in CUSTOMER_TYPES
        result = self.sync.sync(
            account_id,
            customer_id,
            reason=event.type,
            check_customer=checks_customer,
            before_write=lambda: budget.check("entitlements.put"),
            covered_after=None if checks_customer else changed_before(event, first_seen),
            settled=(lambda stored: settled_by_own_events(event, stored)) if event.type == "invoice.paid" else None,
        )
        # A retention coupon taken in the hosted portal: record the offer as plan_change would (once per user).
        self.offers.observe(event.type, event.id, event.obj, account_id, lambda: budget.check("offers.record"))
        facts = self._facts(event, account_id, customer_id)
        # Cancellation-flow steps as Stripe shows them (portal-side actions count too), once per fact.
        facts += self.retention.observe(event, account_id, customer_id, lambda: budget.check("retention.record"))
        for domain_event in result.domain_events:
            domain_event.detail["stripe_event_id"] = event.id
        outcome = "changed" if result.changed else "covered" if result.covered else "unchanged"
        return outcome, result.domain_events + facts

    @staticmethod
    def _facts(event: StripeEvent, account_id: str, customer_id: str) -> list[DomainEvent]:
        obj = event.obj
        if event.type == "invoice.payment_failed":
            detail: dict[str, Any] = {
                "stripe_event_id": event.id,
                "invoice_id": obj.get("id"),
                "subscription_id": invoice_subscription(obj),
                "amount_due": obj.get("amount_due"),
                "currency": obj.get("currency"),
                "attempt_count": obj.get("attempt_count"),
                "next_payment_attempt": obj.get("next_payment_attempt"),
            }
            return [DomainEvent(PAYMENT_FAILED, account_id, customer_id, detail)]
        if event.type == "customer.subscription.deleted":
            details = obj.get("cancellation_details")
            reason = details.get("reason") if isinstance(details, dict) else None
            detail = {"stripe_event_id": event.id, "subscription_id": obj.get("id"), "reason": reason}
            return [DomainEvent(SUBSCRIPTION_CANCELED, account_id, customer_id, detail)]
        return []
