"""C19: a paid invoice of the subscription the stored record shows in good standing costs no Stripe read.

A payment changes the entitlement record only through the subscription's status or, while past due, its open
invoices, and Stripe sends ``customer.subscription.updated`` for every status change; that event reads. So a
renewal (``invoice.paid`` beside ``customer.subscription.updated``) costs one read instead of two.
"""

from __future__ import annotations

from typing import Any

from tests.helpers import aws as h
from tests.unit.webhook.webhook_harness import Harness, stripe_event, subscription

SUB = "user-ada"
CUS = "cus_ada"


def paid_invoice(subscription_id: str = "sub_1", billing_reason: str = "subscription_cycle") -> dict[str, Any]:
    return stripe_event(
        "invoice.paid",
        {
            "id": "in_renewal",
            "object": "invoice",
            "customer": CUS,
            "status": "paid",
            "billing_reason": billing_reason,
            "amount_paid": 2900,
            "parent": {"type": "subscription_details", "subscription_details": {"subscription": subscription_id}},
        },
    )


def updated(status: str) -> dict[str, Any]:
    return stripe_event("customer.subscription.updated", subscription(customer=CUS, status=status))


def with_record(wh: Harness, status: str) -> Harness:
    h.put_mapping(SUB, CUS)
    wh.stripe.set(CUS, subscription(customer=CUS, status=status))
    assert wh.deliver(updated(status))["json"]["outcome"] == "changed"
    return wh


def test_c19_a_renewals_paid_invoice_is_done_without_reading_stripe(wh: Harness) -> None:
    harness = with_record(wh, "active")
    reads = harness.stripe.calls
    event = paid_invoice()
    answer = harness.deliver(event)
    assert answer["statusCode"] == 200 and answer["json"]["outcome"] == "covered"
    assert harness.stripe.calls == reads
    assert harness.ledger(event["id"])["status"]["S"] == "done"


def test_c19_a_paid_invoice_while_the_record_is_past_due_reads_and_restores_access(wh: Harness) -> None:
    harness = with_record(wh, "past_due")
    harness.stripe.set(CUS, subscription(customer=CUS, status="active"))
    reads = harness.stripe.calls
    assert harness.deliver(paid_invoice())["json"]["outcome"] == "changed"
    assert harness.stripe.calls == reads + 1
    assert harness.record(SUB).status == "active"


def test_c19_a_paid_invoice_of_another_subscription_reads(wh: Harness) -> None:
    harness = with_record(wh, "active")
    reads = harness.stripe.calls
    harness.deliver(paid_invoice("sub_other"))
    assert harness.stripe.calls == reads + 1


def test_c19_a_paid_invoice_before_any_record_reads(wh: Harness) -> None:
    h.put_mapping(SUB, CUS)
    wh.stripe.set(CUS, subscription(customer=CUS, status="active"))
    assert wh.deliver(paid_invoice())["json"]["outcome"] == "changed"
    assert wh.stripe.calls == 1 and wh.record(SUB).status == "active"


def test_c19_a_recovery_delivered_paid_invoice_first_still_ends_in_stripes_state(wh: Harness) -> None:
    # Given a stored active record, while Stripe moved the subscription to past due and back after a payment
    harness = with_record(wh, "active")
    harness.stripe.set(CUS, subscription(customer=CUS, status="past_due"))
    went_past_due, paid, recovered = updated("past_due"), paid_invoice(), updated("active")
    # When the paid invoice arrives first (skipped: the record is in good standing), then the two updates
    assert harness.deliver(paid)["json"]["outcome"] == "covered"
    assert harness.deliver(went_past_due)["json"]["outcome"] == "changed"
    assert harness.record(SUB).status == "past_due"
    harness.stripe.set(CUS, subscription(customer=CUS, status="active"))
    # Then the status change's own event reads and the record ends as Stripe has it
    assert harness.deliver(recovered)["json"]["outcome"] == "changed"
    assert harness.record(SUB).status == "active"
