"""Read-your-writes (H4): a mutation refreshes the caller's entitlement record before it answers.

Every route that changes subscription state wraps its logic's answer in :func:`after_write`, *inside* the
idempotent block, so the first answer is only sent once the record was re-derived from Stripe, and a replay of a
stored answer does not sync again::

    result = run_idempotent(key, "subscription.change", payload,
                            lambda: after_write(caller.account_id, "subscription.change", changer.change(...)))

The refresh is the webhook's own order-safe sync (:meth:`EntitlementSync.sync`, with its version guard: see
docs/adr/0001-webhook-order-safety.md), so the request path and the webhook never disagree about what a state
means, and whichever reads Stripe last wins. When the record changes, its ``billing.entitlements.changed`` event
is published from here (the webhook that follows finds the record unchanged and publishes nothing); the event
carries ``request_id`` instead of ``stripe_event_id``.

A failing refresh (DynamoDB, Stripe, the time budget, or a bug) never turns a successful Stripe write into an
error: the answer stays the success, ``EntitlementRefreshFailed`` is counted and a warning logged, and the
webhook (or the daily reconcile) catches up.
"""

from __future__ import annotations

import threading

from billing_core.directory import CustomerDirectory
from billing_core.domain_events import DomainEventPublisher, get_publisher
from billing_core.entitlement_sync import EntitlementSync, SyncResult
from billing_core.observability import count, logger


class EntitlementRefresher:
    """Re-derive one caller's record right after their own Stripe write. Collaborators are optional (tests)."""

    def __init__(
        self,
        sync: EntitlementSync | None = None,
        directory: CustomerDirectory | None = None,
        publisher: DomainEventPublisher | None = None,
    ) -> None:
        self._sync = sync
        self._directory = directory
        self._publisher = publisher

    @property
    def sync(self) -> EntitlementSync:
        return self._sync or EntitlementSync()

    @property
    def directory(self) -> CustomerDirectory:
        return self._directory or CustomerDirectory()

    @property
    def publisher(self) -> DomainEventPublisher:
        return self._publisher or get_publisher()

    def refresh(self, account_id: str, reason: str, request_id: str | None = None) -> SyncResult | None:
        """Sync the billing account's record from Stripe now; None when nothing could be synced (never raises)."""
        try:
            mapping = self.directory.lookup(account_id)
            if mapping is None:
                return None
            result = self.sync.sync(account_id, mapping.customer_id, reason=reason)
        except Exception as exc:  # noqa: BLE001 - the Stripe write succeeded; the webhook path catches up
            count("EntitlementRefreshFailed")
            logger.warning(
                "entitlements not refreshed after a write; the webhook will",
                extra={"reason": reason, "error_type": type(exc).__name__, "error_code": getattr(exc, "code", None)},
            )
            return None
        if result.domain_events:
            for event in result.domain_events:
                event.detail["request_id"] = request_id
            try:
                self.publisher.publish(result.domain_events)
            except Exception as exc:  # noqa: BLE001 - the record is stored; only the notification is lost
                count("EntitlementEventPublishFailed")
                logger.warning(
                    "entitlements changed but the event was not published",
                    extra={"reason": reason, "error_type": type(exc).__name__},
                )
        return result


_lock = threading.Lock()
_refresher: EntitlementRefresher | None = None


def get_refresher() -> EntitlementRefresher:
    global _refresher
    with _lock:
        if _refresher is None:
            _refresher = EntitlementRefresher()
        return _refresher


def set_refresher(refresher: EntitlementRefresher | None) -> None:
    """Replace the process-wide refresher (tests); None goes back to the real adapters."""
    global _refresher
    with _lock:
        _refresher = refresher


def after_write[T](account_id: str, reason: str, answer: T, request_id: str | None = None) -> T:
    """Refresh the account's entitlements, then hand back ``answer`` unchanged (the one step every mutation adds)."""
    get_refresher().refresh(account_id, reason, request_id)
    return answer


__all__ = ["EntitlementRefresher", "after_write", "get_refresher", "set_refresher"]
