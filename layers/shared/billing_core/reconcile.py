"""Reconcile entitlement records with Stripe: for one user or every mapped customer.

Webhooks can be missed (an endpoint disabled for days, a bug fixed after Stripe gave up). The reconciler
re-derives each record from Stripe exactly as the webhook does (``EntitlementSync``), repairs drift, publishes
``billing.entitlements.changed`` for every repair, and reports what changed.

The command (``admin/reconcile.py``)::

    python -m admin.reconcile --user <sub>     # one user's personal billing account
    python -m admin.reconcile --account <id>   # one billing account
    python -m admin.reconcile --all [--dry-run]  # every customer in this process (small installations)
    python -m admin.reconcile --report [RUN_ID]  # the report of a scheduled run

The scheduled run fans out instead (``functions/reconcile``, docs/adr/0009-reconcile-fan-out-through-sqs.md): a
planner puts batches of customers on an SQS queue and concurrency-capped workers call
:meth:`Reconciler.reconcile_customer` for each, within their share of Stripe's rate limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from billing_core.directory import CustomerDirectory
from billing_core.domain_events import DomainEventPublisher, get_publisher
from billing_core.entitlement_sync import EntitlementSync, summary
from billing_core.errors import BillingError, DependencyThrottled
from billing_core.observability import count, logger


@dataclass
class ReconcileEntry:
    account_id: str
    customer_id: str | None
    changed: bool = False
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    error: str | None = None


@dataclass
class ReconcileReport:
    checked: int = 0
    changed: int = 0
    errors: int = 0
    unmapped: int = 0
    complete: bool = True
    """False when the run stopped at its deadline before every customer was checked."""
    entries: list[ReconcileEntry] = field(default_factory=list)

    def to_dict(self, *, only_changes: bool = True) -> dict[str, Any]:
        entries = [e for e in self.entries if e.changed or e.error or not only_changes]
        return {
            "checked": self.checked,
            "changed": self.changed,
            "errors": self.errors,
            "unmapped": self.unmapped,
            "complete": self.complete,
            "entries": [asdict(e) for e in entries],
        }


class Reconciler:
    def __init__(
        self,
        sync: EntitlementSync | None = None,
        directory: CustomerDirectory | None = None,
        publisher: DomainEventPublisher | None = None,
        dynamodb: Any | None = None,
        table_name: str | None = None,
    ) -> None:
        self.sync = sync or EntitlementSync()
        self.directory = directory or CustomerDirectory()
        self._publisher = publisher
        # the table and client to scan, when given apart from the directory
        given = dynamodb is not None or table_name is not None
        self._scan_directory = CustomerDirectory(table_name, dynamodb) if given else None

    @property
    def publisher(self) -> DomainEventPublisher:
        if self._publisher is None:
            self._publisher = get_publisher()
        return self._publisher

    def mapped_customers(self) -> Iterator[tuple[str, str]]:
        """Every (account id, customer id) in the directory."""
        return (self._scan_directory or self.directory).mapped_customers()

    def reconcile_user(self, account_id: str, *, dry_run: bool = False) -> ReconcileEntry:
        """One billing account (a user's personal account is ``identity.personal_account_id(sub)``)."""
        mapping = self.directory.lookup(account_id)
        if mapping is None:
            return ReconcileEntry(account_id=account_id, customer_id=None, error="unmapped")
        return self._one(account_id, mapping.customer_id, dry_run=dry_run)

    def reconcile_customer(self, account_id: str, customer_id: str, *, throttle_retries: int = 2) -> ReconcileEntry:
        """One billing account's customer; a Stripe 429 is tried again up to ``throttle_retries`` times (the
        gateway's rate budget, when it has one, already holds the process back for a second after each 429)."""
        entry = self._one(account_id, customer_id, dry_run=False)
        for _ in range(throttle_retries):
            if entry.error != DependencyThrottled.code:
                break
            count("ReconcileThrottledRetry")
            entry = self._one(account_id, customer_id, dry_run=False)
        return entry

    def _one(self, account_id: str, customer_id: str, *, dry_run: bool) -> ReconcileEntry:
        try:
            result = self.sync.sync(account_id, customer_id, reason="reconcile", check_customer=True, dry_run=dry_run)
            if result.domain_events and not dry_run:
                self.publisher.publish(result.domain_events)
        except BillingError as err:
            count("ReconcileError")
            logger.warning("reconcile failed for one customer", extra={"error_code": err.code})
            return ReconcileEntry(account_id=account_id, customer_id=customer_id, error=err.code)
        if result.changed:
            count("ReconcileDrift")
            logger.warning("entitlement drift repaired", extra={"before": summary(result.before),
                                                                "after": summary(result.after)})  # fmt: skip
        return ReconcileEntry(
            account_id=account_id,
            customer_id=customer_id,
            changed=result.changed,
            before=summary(result.before),
            after=summary(result.after),
        )

    def reconcile_all(
        self, *, dry_run: bool = False, deadline: float | None = None, clock: Callable[[], float] = time.monotonic
    ) -> ReconcileReport:
        report = ReconcileReport()
        for account_id, customer_id in self.mapped_customers():
            if deadline is not None and clock() >= deadline:
                report.complete = False
                count("ReconcileIncomplete")
                break
            entry = self._one(account_id, customer_id, dry_run=dry_run)
            self._add(report, entry)
        return report

    @staticmethod
    def _add(report: ReconcileReport, entry: ReconcileEntry) -> None:
        report.entries.append(entry)
        if entry.error == "unmapped":
            report.unmapped += 1
            return
        report.checked += 1
        report.changed += int(entry.changed)
        report.errors += int(entry.error is not None)
