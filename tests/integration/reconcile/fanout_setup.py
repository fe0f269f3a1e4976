"""The reconcile fan-out on moto: the template's queues (redrive policy included), the planner and the worker
with a fake Stripe state, and the local runner playing Lambda's SQS event source."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import boto3
from billing_core.directory import CustomerDirectory
from billing_core.entitlement_sync import BillingState, EntitlementSync
from billing_core.entitlements import EntitlementStore
from billing_core.errors import DependencyUnavailable
from billing_core.identity import personal_account_id
from billing_core.reconcile import Reconciler
from billing_core.store.reconcile_run import ReconcileRunStore
from billing_core.work_queue import WorkQueue
from reconcile.planner import Planner
from reconcile.worker import Worker

from local.reconcile_runner import dead_letters, drain
from local.stack.aws import provision_queues
from local.stack.template import Template
from tests.helpers import aws as h
from tests.unit.webhook.webhook_harness import FakeStripe, FaultyDynamoDB, RecordingPublisher, subscription

MAX_RECEIVES = 3


@dataclass
class FlakyStripe(FakeStripe):
    """A fake Stripe whose reads of some customers fail: ``always`` forever, ``times[cus]`` that many times."""

    always: set[str] = field(default_factory=set)
    times: dict[str, int] = field(default_factory=dict)
    reads_of: dict[str, int] = field(default_factory=dict)

    def read(self, customer_id: str, *, check_customer: bool) -> BillingState:
        with self.lock:
            self.reads_of[customer_id] = self.reads_of.get(customer_id, 0) + 1
            left = self.times.get(customer_id, 0)
            if left:
                self.times[customer_id] = left - 1
        if customer_id in self.always or left:
            raise DependencyUnavailable(operation="subscriptions.list")
        return super().read(customer_id, check_customer=check_customer)


class FailingQueue(WorkQueue):
    """Sends ``allowed`` non-empty pages, then every send fails as SQS being down would."""

    def __init__(self, inner: WorkQueue, allowed: int) -> None:
        super().__init__(inner.url, inner.sqs)
        self.allowed = allowed

    def send(self, bodies: Any) -> int:
        if not bodies:
            return 0
        if self.allowed <= 0:
            raise DependencyUnavailable(operation="sqs.send")
        self.allowed -= 1
        return super().send(bodies)


@dataclass
class Fanout:
    stripe: FlakyStripe
    ddb: FaultyDynamoDB
    sqs: Any
    queue_url: str
    dlq_url: str
    publisher: RecordingPublisher
    runs: ReconcileRunStore
    queue: WorkQueue

    def customers(self, count: int, *, prefix: str = "user") -> list[tuple[str, str]]:
        out = []
        for n in range(count):
            sub, cus = f"{prefix}-{n:03d}", f"cus_{prefix}{n:03d}"
            h.put_mapping(sub, cus)
            self.stripe.set(cus, subscription(sub_id=f"sub_{prefix}{n:03d}", customer=cus))
            out.append((sub, cus))
        return out

    def planner(self, *, batch_size: int = 5, page_items: int = 7, queue: WorkQueue | None = None) -> Planner:
        directory = CustomerDirectory(h.TABLE_NAME, self.ddb)
        return Planner(self.runs, directory, queue or self.queue, batch_size=batch_size, page_items=page_items)

    def worker(self) -> Worker:
        sync = EntitlementSync(reader=self.stripe, store=EntitlementStore(h.TABLE_NAME, self.ddb))
        directory = CustomerDirectory(h.TABLE_NAME, self.ddb)
        reconciler = Reconciler(sync=sync, directory=directory, publisher=self.publisher)
        return Worker(reconciler, self.runs, self.queue, max_receives=MAX_RECEIVES)

    def drain(self, worker: Worker, concurrency: int = 2) -> None:
        drain(self.sqs, self.queue_url, lambda event, context: worker.handle(event), concurrency=concurrency)

    def dead_letters(self) -> list[dict[str, Any]]:
        return dead_letters(self.sqs, self.dlq_url)

    def record(self, sub: str) -> Any:
        """The entitlement record of ``sub``'s personal billing account."""
        return EntitlementStore(h.TABLE_NAME, self.ddb).get(personal_account_id(sub))


def build_fanout() -> Fanout:
    """Inside ``aws_env`` (moto): the template's reconcile queues, with the redrive policy it declares."""
    sqs = boto3.client("sqs", region_name=h.REGION)
    urls, _ = provision_queues(sqs, Template())
    ddb = FaultyDynamoDB(boto3.client("dynamodb", region_name=h.REGION))
    queue = WorkQueue(urls["ReconcileQueue"], sqs)
    return Fanout(
        stripe=FlakyStripe(),
        ddb=ddb,
        sqs=sqs,
        queue_url=urls["ReconcileQueue"],
        dlq_url=urls["ReconcileDeadLetterQueue"],
        publisher=RecordingPublisher(),
        runs=ReconcileRunStore(h.TABLE_NAME, ddb),
        queue=queue,
    )
