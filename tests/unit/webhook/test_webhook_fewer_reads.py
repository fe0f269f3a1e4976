"""C17: an event whose change a stored record already reflects costs no Stripe read (ADR 0001, webhook.events).

The record's version is when its Stripe reads began; an event's change happened before the event first reached
us, and (off test clocks) before one second after its ``created``. The processor's sync clock is scripted here so
the order of reads, arrivals and versions is exact.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.helpers import aws as h
from tests.unit.webhook.webhook_harness import Harness, stripe_event, subscription

SUB = "user-ada"
CUS = "cus_ada"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def timed(wh: Harness) -> tuple[Harness, Clock]:
    h.put_mapping(SUB, CUS)
    wh.stripe.set(CUS, subscription(customer=CUS))
    clock = Clock()
    wh.processor.sync.clock = clock
    return wh, clock


def on_clock(status: str = "active", *, test_clock: str | None = "clock_1", **kw: Any) -> dict[str, Any]:
    return stripe_event(
        "customer.subscription.updated", subscription(customer=CUS, status=status) | {"test_clock": test_clock}, **kw
    )


def fail_entitlement_write(harness: Harness) -> None:
    harness.ddb.fail_if = lambda op, kw: op == "put_item" and kw["Item"]["sk"]["S"] == "ENTITLEMENTS"


def test_c17_a_retried_event_whose_change_a_later_read_saw_is_done_without_reading_stripe(
    timed: tuple[Harness, Clock],
) -> None:
    harness, clock = timed
    late = on_clock()
    fail_entitlement_write(harness)
    assert harness.deliver(late)["statusCode"] == 503  # first seen now, then Stripe retries it later
    harness.ddb.fail_if = None
    clock.now += 5
    assert harness.deliver(on_clock())["json"]["outcome"] == "changed"  # read 5 s after the first arrival
    reads = harness.stripe.calls
    clock.now += 5
    retried = harness.deliver(late)
    assert retried["statusCode"] == 200 and retried["json"]["outcome"] == "covered"
    assert harness.stripe.calls == reads
    assert harness.ledger(late["id"])["status"]["S"] == "done"


def test_c17_an_event_that_arrived_after_the_stored_read_began_reads_stripe(timed: tuple[Harness, Clock]) -> None:
    harness, clock = timed
    assert harness.deliver(on_clock())["json"]["outcome"] == "changed"
    harness.stripe.set(CUS, subscription(customer=CUS, status="past_due"))
    clock.now += 0.5  # within the clock margin of the stored read: it may not have seen this change
    reads = harness.stripe.calls
    assert harness.deliver(on_clock("past_due"))["json"]["outcome"] == "changed"
    assert harness.stripe.calls == reads + 1
    assert harness.record(SUB).status == "past_due"


def test_c17_created_on_the_wall_clock_proves_an_old_event_already_seen(timed: tuple[Harness, Clock]) -> None:
    harness, clock = timed
    assert harness.deliver(on_clock())["json"]["outcome"] == "changed"
    clock.now += 1
    old = on_clock(test_clock=None, created=int(clock.now) - 60)  # created a minute before the stored read
    reads = harness.stripe.calls
    assert harness.deliver(old)["json"]["outcome"] == "covered"
    assert harness.stripe.calls == reads
    # The same age on a test clock says nothing about the wall clock: read.
    on_test_clock = on_clock(created=int(clock.now) - 60)
    assert harness.deliver(on_test_clock)["json"]["outcome"] == "unchanged"
    assert harness.stripe.calls == reads + 1


def test_c17_customer_events_always_read_because_only_they_check_for_a_deleted_customer(
    timed: tuple[Harness, Clock],
) -> None:
    harness, clock = timed
    assert harness.deliver(on_clock())["json"]["outcome"] == "changed"
    clock.now += 10
    harness.stripe.deleted.add(CUS)
    deleted = stripe_event("customer.deleted", {"id": CUS, "object": "customer", "test_clock": None}, created=1)
    assert harness.deliver(deleted)["json"]["outcome"] == "changed"
    assert harness.record(SUB).status == "customer_deleted"
