"""Re-derive a billing account's entitlement record from Stripe and store it order-safely (ADR 0001).

Used by the webhook (after every relevant event), the reconciler (daily, or on demand) and any request path
that wants the record refreshed right away. The record is never patched from an event's payload: the
customer's subscriptions are re-fetched from Stripe and the whole record is derived from them
(see docs/adr/0001-webhook-order-safety.md). Writes are guarded by a monotonic ``version``: the wall-clock
time, in microseconds, taken *before* the Stripe reads started. A sync that read older state therefore always
carries a lower version than a sync started after the change that superseded it, and
``EntitlementStore.put_if_newer`` refuses it.

Stripe access goes through :class:`BillingStateReader` (one adapter on :class:`StripeGateway`; tests pass a
fake), so the derivation itself is a pure function: :func:`derive_record`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from billing_core.catalog.model import Catalog, get_catalog
from billing_core.directory import CustomerDirectory
from billing_core.domain_events import ENTITLEMENTS_CHANGED, DomainEvent
from billing_core.entitlements import EntitlementRecord, EntitlementStore, derive_entitlements, primary_subscription
from billing_core.errors import DependencyUnavailable, NotFound
from billing_core.observability import count, logger
from billing_core.settings import get_settings
from billing_core.stripe_gateway import StripeGateway, get_gateway

#: Status written when the Stripe customer itself was deleted (entitlements revoked).
CUSTOMER_DELETED = "customer_deleted"
#: Fields that say *when* a record was computed, not *what* it says.
_BOOKKEEPING = {"version", "updated_at"}


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


@dataclass(frozen=True)
class BillingState:
    """What Stripe says about one customer right now."""

    customer_id: str
    deleted: bool = False
    subscriptions: tuple[Any, ...] = ()
    #: Open invoices of the deciding subscription (only fetched when it is past due).
    open_invoices: tuple[Any, ...] = ()


class BillingStateReader(Protocol):
    def read(self, customer_id: str, *, check_customer: bool) -> BillingState: ...


class StripeBillingStateReader:
    """The one real adapter: 1 Stripe call per sync (+1 to check the customer, +1 when past due)."""

    def __init__(self, gateway: StripeGateway | None = None) -> None:
        self._gateway = gateway

    @property
    def gateway(self) -> StripeGateway:
        return self._gateway or get_gateway()

    def read(self, customer_id: str, *, check_customer: bool) -> BillingState:
        if check_customer:
            try:
                customer = self.gateway.call("customers.retrieve", lambda c: c.v1.customers.retrieve(customer_id))
            except NotFound:
                return BillingState(customer_id=customer_id, deleted=True)
            if _get(customer, "deleted"):
                return BillingState(customer_id=customer_id, deleted=True)
        try:
            page = self.gateway.call(
                "subscriptions.list",
                lambda c: c.v1.subscriptions.list(params={"customer": customer_id, "status": "all", "limit": 100}),
            )
        except NotFound:
            return BillingState(customer_id=customer_id, deleted=True)
        subscriptions = tuple(page.auto_paging_iter()) if _get(page, "has_more") else tuple(page.data)
        deciding = choose_subscription(subscriptions)
        invoices: tuple[Any, ...] = ()
        if deciding is not None and _get(deciding, "status") == "past_due":
            sub_id = str(_get(deciding, "id"))
            result = self.gateway.call(
                "invoices.list",
                lambda c: c.v1.invoices.list(
                    params={"customer": customer_id, "subscription": sub_id, "status": "open", "limit": 100}
                ),
            )
            invoices = tuple(result.data)
        return BillingState(customer_id=customer_id, subscriptions=subscriptions, open_invoices=invoices)


def choose_subscription(subscriptions: tuple[Any, ...] | list[Any]) -> Any | None:
    """The subscription that decides entitlements: a live one (``primary_subscription``), else the newest."""
    live = primary_subscription(subscriptions)
    if live is not None:
        return live
    return max(subscriptions, key=lambda s: _get(s, "created") or 0, default=None)


def derive_record(
    state: BillingState, catalog: Catalog, now: int, *, grace_period_days: int, version: int
) -> EntitlementRecord:
    """The entitlement record Stripe's current state implies (pure)."""
    if state.deleted:
        return EntitlementRecord(status=CUSTOMER_DELETED, version=version, updated_at=now)
    deciding = choose_subscription(state.subscriptions)
    since: int | None = None
    if deciding is not None and _get(deciding, "status") == "past_due":
        created = [c for c in (_get(inv, "created") for inv in state.open_invoices) if isinstance(c, int)]
        since = min(created) if created else None
    return derive_entitlements(
        deciding, catalog, now, grace_period_days=grace_period_days, past_due_since=since, version=version
    )


def same_entitlements(a: EntitlementRecord | None, b: EntitlementRecord | None) -> bool:
    """Equal in everything but bookkeeping (version, updated_at)."""
    if a is None or b is None:
        return a is b
    return a.model_dump(exclude=_BOOKKEEPING) == b.model_dump(exclude=_BOOKKEEPING)


def summary(record: EntitlementRecord | None) -> dict[str, Any] | None:
    """A small, loggable view of a record."""
    if record is None:
        return None
    return {"plan": record.plan, "status": record.status, "entitled": record.entitled}


@dataclass
class SyncResult:
    account_id: str
    customer_id: str
    before: EntitlementRecord | None
    after: EntitlementRecord
    changed: bool
    """True when the stored record was replaced by one that says something different."""
    stale: bool = False
    """True when a newer record was already stored (this sync's write was refused)."""
    covered: bool = False
    """True when the stored record was derived from reads after ``covered_after`` (no Stripe call was made)."""
    domain_events: list[DomainEvent] = field(default_factory=list)


class EntitlementSync:
    """Re-derive and store one billing account's entitlements. Every collaborator is optional (tests pass fakes)."""

    def __init__(
        self,
        reader: BillingStateReader | None = None,
        store: EntitlementStore | None = None,
        catalog: Catalog | None = None,
        clock: Callable[[], float] = time.time,
        grace_period_days: int | None = None,
    ) -> None:
        self.reader = reader or StripeBillingStateReader()
        self.store = store or EntitlementStore()
        self._catalog = catalog
        self.clock = clock
        self._grace = grace_period_days

    @property
    def catalog(self) -> Catalog:
        return self._catalog or get_catalog()

    @property
    def grace_period_days(self) -> int:
        return get_settings().grace_period_days if self._grace is None else self._grace

    def expected(self, customer_id: str, *, check_customer: bool = True) -> EntitlementRecord:
        """What the record should say now (no write). Used by reconcile reports and tests."""
        version = int(self.clock() * 1_000_000)
        state = self.reader.read(customer_id, check_customer=check_customer)
        return derive_record(
            state, self.catalog, int(self.clock()), grace_period_days=self.grace_period_days, version=version
        )

    def sync(
        self,
        account_id: str,
        customer_id: str,
        *,
        reason: str,
        check_customer: bool = False,
        dry_run: bool = False,
        before_write: Callable[[], None] | None = None,
        covered_after: float | None = None,
        settled: Callable[[EntitlementRecord | None], bool] | None = None,
    ) -> SyncResult:
        """Fetch, derive, and write the record if it changed and nothing newer is stored.

        ``before_write`` runs right before the one DynamoDB write (the webhook checks its time budget
        there, so an exhausted budget never leaves a half-applied state). ``covered_after`` (epoch seconds): a
        time after the change the caller is syncing for; when the stored record's version (the start of its
        Stripe reads) is later, it already reflects that change and nothing is fetched or written. ``settled``: a
        test of the stored record that says the change cannot alter it (the caller's rule, e.g. a paid invoice of a
        subscription in good standing); then, too, nothing is fetched or written.
        """
        if covered_after is not None or settled is not None:
            stored = self.store.get(account_id)
            if covered_after is not None and stored is not None and stored.version > int(covered_after * 1_000_000):
                count("EntitlementSyncCovered")
                return SyncResult(account_id, customer_id, stored, stored, changed=False, covered=True)
            if settled is not None and stored is not None and settled(stored):
                count("EntitlementSyncSettled")
                return SyncResult(account_id, customer_id, stored, stored, changed=False, covered=True)
        after = self.expected(customer_id, check_customer=check_customer)
        before = self.store.get(account_id)
        if same_entitlements(before, after):
            return SyncResult(account_id, customer_id, before, after, changed=False)
        if before is not None and before.version >= after.version:
            count("EntitlementWriteStale")
            return SyncResult(account_id, customer_id, before, after, changed=False, stale=True)
        if dry_run:
            return SyncResult(account_id, customer_id, before, after, changed=True)
        if before_write is not None:
            before_write()
        if not self.store.put_if_newer(account_id, after):
            count("EntitlementWriteStale")
            return SyncResult(account_id, customer_id, before, after, changed=False, stale=True)
        count("EntitlementsChanged")
        logger.info(
            "entitlements changed",
            extra={"reason": reason, "before": summary(before), "after": summary(after)},
        )
        event = DomainEvent(
            detail_type=ENTITLEMENTS_CHANGED,
            account_id=account_id,
            customer_id=customer_id,
            detail={
                "reason": reason,
                "before": summary(before),
                "after": after.model_dump(mode="json", exclude={"updated_at"}),
            },
        )
        return SyncResult(account_id, customer_id, before, after, changed=True, domain_events=[event])


def link_customer(account_id: str, customer_id: str, *, table: str | None = None, dynamodb: Any | None = None) -> str:
    """Write the account <-> customer mapping when neither side exists yet (webhook-side provisioning).

    Returns ``"linked"``, ``"exists"`` (already this mapping) or ``"conflict"`` (see ``CustomerDirectory.link``).
    """
    return CustomerDirectory(table_name=table, dynamodb=dynamodb).link(account_id, customer_id)


__all__ = [
    "BillingState",
    "BillingStateReader",
    "CUSTOMER_DELETED",
    "DependencyUnavailable",
    "EntitlementSync",
    "StripeBillingStateReader",
    "SyncResult",
    "derive_record",
    "link_customer",
    "same_entitlements",
]
