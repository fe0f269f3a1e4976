"""The refresh every mutation runs before answering (billing_core.read_your_writes), with fakes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from billing_core.customer_mapping import CustomerMapping
from billing_core.domain_events import ENTITLEMENTS_CHANGED, DomainEvent
from billing_core.entitlement_sync import SyncResult
from billing_core.entitlements import EntitlementRecord
from billing_core.errors import DependencyUnavailable
from billing_core.read_your_writes import EntitlementRefresher, after_write, set_refresher


class Directory:
    def __init__(self, customer_id: str | None) -> None:
        self.customer_id = customer_id

    def lookup(self, sub: str) -> CustomerMapping | None:
        return (
            CustomerMapping(account_id=sub, customer_id=self.customer_id, created_at="2026-01-01")
            if self.customer_id
            else None
        )


class Sync:
    def __init__(self, fail: Exception | None = None, changed: bool = True) -> None:
        self.fail = fail
        self.changed = changed
        self.calls: list[tuple[str, str, str]] = []

    def sync(self, sub: str, customer_id: str, *, reason: str) -> SyncResult:
        self.calls.append((sub, customer_id, reason))
        if self.fail:
            raise self.fail
        after = EntitlementRecord(plan="pro", status="active", entitled=True)
        events = [DomainEvent(ENTITLEMENTS_CHANGED, sub, customer_id, {"reason": reason})] if self.changed else []
        return SyncResult(sub, customer_id, None, after, changed=self.changed, domain_events=events)


class Publisher:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.published: list[DomainEvent] = []

    def publish(self, events: Sequence[DomainEvent]) -> None:
        if self.fail:
            raise DependencyUnavailable(operation="events.put_events")
        self.published.extend(events)


def refresher(sync: Sync, publisher: Publisher, customer_id: str | None = "cus_1") -> EntitlementRefresher:
    return EntitlementRefresher(sync=sync, directory=Directory(customer_id), publisher=publisher)  # type: ignore[arg-type]


def test_a_changed_record_is_published_with_the_request_id() -> None:
    sync, publisher = Sync(), Publisher()
    result = refresher(sync, publisher).refresh("user-1", "subscription.change", "req-9")
    assert result is not None and result.after.plan == "pro"
    assert sync.calls == [("user-1", "cus_1", "subscription.change")]
    assert [(e.detail_type, e.detail["request_id"]) for e in publisher.published] == [(ENTITLEMENTS_CHANGED, "req-9")]


def test_an_unchanged_record_publishes_nothing() -> None:
    publisher = Publisher()
    refresher(Sync(changed=False), publisher).refresh("user-1", "payment_method.remove")
    assert publisher.published == []


def test_a_caller_without_a_customer_is_not_synced() -> None:
    sync = Sync()
    assert refresher(sync, Publisher(), customer_id=None).refresh("user-1", "subscription.create") is None
    assert sync.calls == []


def test_a_failing_sync_or_publish_never_raises(capsys: Any) -> None:
    from billing_core.observability import flush_metrics

    assert (
        refresher(Sync(fail=DependencyUnavailable(operation="entitlements.put")), Publisher()).refresh("u", "r") is None
    )
    assert refresher(Sync(fail=RuntimeError("bug")), Publisher()).refresh("u", "r") is None
    assert refresher(Sync(), Publisher(fail=True)).refresh("u", "r") is not None
    flush_metrics()
    out = capsys.readouterr().out
    assert "EntitlementRefreshFailed" in out and "EntitlementEventPublishFailed" in out


def test_after_write_hands_back_the_answer_after_the_refresh() -> None:
    sync = Sync()
    set_refresher(refresher(sync, Publisher()))
    try:
        answer = {"status": "applied"}
        assert after_write("user-1", "subscription.change", answer, "req-1") is answer
        assert sync.calls == [("user-1", "cus_1", "subscription.change")]
    finally:
        set_refresher(None)
