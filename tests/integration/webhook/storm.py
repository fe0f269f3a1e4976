"""A renewal storm, in-process (shared by the storm tests and `make bench`'s scale module).

``n`` subscriptions on one test clock are advanced past their renewal; the emulator delivers every event with its
real retry behaviour (backoff, several deliveries at once, shuffled, some twice) straight into the webhook
processor (`InProcessHTTPClient` for Stripe calls, a delivery `transport` instead of HTTP, the in-memory DynamoDB
double). The webhook runs as ``reserved`` Lambda instances: a delivery arriving while all are busy is throttled
(a non-2xx, so Stripe retries), each instance paces its Stripe reads to its share of the webhook's budget.
Meanwhile a user thread makes the reads of a billing page load (customer, subscriptions) through its own
unpaced gateway, measuring each in real milliseconds, against the same loads before the storm.

Time: the emulator's rate limiter and the webhook's budgets run on a dilated clock (``dilation`` emulated seconds
per real second), so Stripe's live budgets (100 requests a second per account, 25 per endpoint) can be applied
to thousands of events without thousands of seconds of test. The drain is reported in emulated seconds; when
the machine cannot keep up with the dilated budget it is CPU-bound and longer than ``budget_floor_s``, the time
the webhook's budget alone imposes.
"""

from __future__ import annotations

import json
import queue
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import stripe
from billing_core.directory import CustomerDirectory
from billing_core.entitlement_sync import EntitlementSync, StripeBillingStateReader, same_entitlements
from billing_core.entitlements import EntitlementStore
from billing_core.errors import BillingError
from billing_core.rate_budget import RateBudget
from billing_core.store.event_ledger import EventLedger
from billing_core.stripe_gateway import StripeGateway
from stripe_emulator.in_process import InProcessHTTPClient
from stripe_emulator.testing import advance_clock
from stripe_emulator.webhooks import deliverer
from webhook.events import StripeEvent
from webhook.processor import STRIPE_BUDGET_BURST, STRIPE_BUDGET_WAIT_S, WebhookProcessor
from webhook.secrets import WebhookSecrets

from tests.integration.webhook.lifecycles import DAY, T0, create_catalog_prices
from tests.integration.webhook.memory_dynamodb import MemoryDynamoDB

TABLE = "storm-billing"
ENDPOINT_URL = "https://billing.example/webhooks/stripe"
#: Lambda answers a throttled invocation with 429 (TooManyRequestsException); API Gateway passes a failure on.
THROTTLED = 429


class DilatedClock:
    """Emulated seconds that pass ``factor`` times faster than real ones (for rate limits and budgets)."""

    def __init__(self, factor: float) -> None:
        self.factor = factor
        self.origin = time.monotonic()
        self.epoch = time.time()

    def __call__(self) -> float:
        """Epoch seconds, from now on running ``factor`` times faster (the records' versions use it too)."""
        return self.epoch + (time.monotonic() - self.origin) * self.factor

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds / self.factor)


class CountingGateway(StripeGateway):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls = 0
        self._count_lock = threading.Lock()

    def call(self, operation: str, fn: Any) -> Any:
        def counted(client: Any) -> Any:  # runs only once the budget let the call through
            with self._count_lock:
                self.calls += 1
            return fn(client)

        return super().call(operation, counted)


@dataclass
class StormResult:
    subscriptions: int
    events: int = 0
    relevant_events: int = 0
    deliveries: int = 0
    throttled: int = 0
    retryable_answers: int = 0
    stripe_calls: int = 0
    dynamodb_writes: int = 0
    lost: int = 0
    doubled: int = 0
    mismatches: int = 0
    refused_by_stripe: dict[str, int] = field(default_factory=dict)
    drain_s: float = 0.0
    """Emulated seconds from the first delivery to the last event done."""
    user_requests: int = 0
    user_failures: int = 0
    user_latencies_ms: list[float] = field(default_factory=list)
    """Real milliseconds per user page load during the storm (each load's Stripe reads)."""
    user_baseline_ms: list[float] = field(default_factory=list)
    """The same loads before the storm: the normal latency on this machine."""
    setup_s: float = 0.0
    real_s: float = 0.0
    types: dict[str, int] = field(default_factory=dict)
    webhook_rate: float = 0.0

    def percentile(self, q: float, *, baseline: bool = False) -> float:
        values = self.user_baseline_ms if baseline else self.user_latencies_ms
        if not values:
            return 0.0
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def budget_floor_s(self) -> float:
        """The drain time the webhook's Stripe budget alone imposes (emulated seconds)."""
        return self.stripe_calls / max(1e-9, self.webhook_rate)

    @property
    def calls_per_relevant_event(self) -> float:
        return self.stripe_calls / max(1, self.relevant_events)

    @property
    def writes_per_relevant_event(self) -> float:
        return self.dynamodb_writes / max(1, self.relevant_events)


@dataclass
class Storm:
    server: Any
    subscriptions: int
    reserved: int = 10
    webhook_rate: float = 12.0
    dilation: float = 10.0
    rate_limits: str = "live"
    seed: int = 17
    duplicate_rate: float = 0.05
    shuffle_window_s: float = 0.05
    deadline_s: float = 3000.0
    budget_wait_s: float = STRIPE_BUDGET_WAIT_S

    def run(self) -> StormResult:
        started = time.monotonic()
        rng = random.Random(self.seed)
        result = StormResult(self.subscriptions, webhook_rate=self.webhook_rate)
        server = self.server
        client = stripe.StripeClient(
            server.secret_key, http_client=InProcessHTTPClient(server), base_addresses={"api": server.api_base}
        )
        ddb = MemoryDynamoDB()
        directory = CustomerDirectory(TABLE, ddb)
        prices = create_catalog_prices(client)
        keys = sorted(k for k in prices if k.endswith("monthly"))  # all renew at once, a month in
        clock = client.v1.test_helpers.test_clocks.create({"frozen_time": T0})
        customers: dict[str, str] = {}
        for n in range(self.subscriptions):
            sub = f"storm-{n:05d}"
            customer = client.v1.customers.create(
                {
                    "metadata": {"user_sub": sub},
                    "test_clock": clock.id,
                    "payment_method": "pm_card_visa",
                    "invoice_settings": {"default_payment_method": "pm_card_visa"},
                }
            )
            key = rng.choice(keys)
            client.v1.subscriptions.create(
                {"customer": customer.id, "items": [{"price": prices[key], "quantity": 3 if "business" in key else 1}]}
            )
            directory.link(sub, customer.id)
            customers[sub] = customer.id
        # Each account's record as the webhook stored it when the subscription began, a month before the storm.
        founding = EntitlementSync(
            reader=StripeBillingStateReader(StripeGateway(client=client)),
            store=EntitlementStore(table_name=TABLE, dynamodb=ddb),
            grace_period_days=7,
        )
        for sub, cus in customers.items():
            founding.sync(sub, cus, reason="customer.subscription.created")
        endpoint = client.v1.webhook_endpoints.create({"url": ENDPOINT_URL, "enabled_events": ["*"]})
        secret = endpoint.secret or ""
        with server.backend.lock:
            first_event = len(server.backend.events)  # the storm's events are those after the endpoint
        dilated = DilatedClock(self.dilation)
        instances: queue.Queue[WebhookProcessor] = queue.Queue()
        gateways: list[CountingGateway] = []
        for _ in range(self.reserved):
            budget = RateBudget.share(
                self.webhook_rate,
                self.reserved,
                burst=STRIPE_BUDGET_BURST,
                max_wait_s=self.budget_wait_s,
                clock=dilated,
                sleep=dilated.sleep,
            )
            gateway = CountingGateway(client=client, budget=budget)
            gateways.append(gateway)
            instances.put(
                WebhookProcessor(
                    secrets=WebhookSecrets("storm/webhook-secret", reader=lambda name, force=False: secret),
                    ledger=EventLedger(table_name=TABLE, dynamodb=ddb),
                    sync=EntitlementSync(
                        reader=StripeBillingStateReader(gateway),
                        store=EntitlementStore(table_name=TABLE, dynamodb=ddb),
                        clock=dilated,
                        grace_period_days=7,
                    ),
                    directory=directory,
                    publisher=_NullPublisher(),
                    livemode=False,
                )
            )
        applied: Counter[str] = Counter()
        tally = Counter[str]()
        lock = threading.Lock()
        last_done = [0.0]

        def transport(url: str, body: bytes, headers: dict[str, str]) -> int:
            try:
                processor = instances.get_nowait()
            except queue.Empty:
                with lock:
                    tally["throttled"] += 1
                return THROTTLED
            try:
                outcome = processor.handle(body, headers["Stripe-Signature"])
            except BillingError as err:
                with lock:
                    tally["retryable"] += int(err.status >= 500 or err.status == 409)
                return err.status
            finally:
                instances.put(processor)
            with lock:
                tally["ok"] += 1
                if outcome.outcome not in {"duplicate", "ignored", "ignored_livemode"} and outcome.event_id:
                    applied[outcome.event_id] += 1
                last_done[0] = dilated()
            return 200

        hooks = deliverer(server.backend)
        hooks.configure(
            {
                "paused": True,
                "concurrency": self.reserved * 2,
                "backoff_s": 0.05,
                "max_backoff_s": 1.0,
                "max_attempts": 60,
                "duplicate_rate": self.duplicate_rate,
                "shuffle_window_s": self.shuffle_window_s,
            }
        )
        hooks.transport = transport
        # Every subscription renews at T0 + 31 days; renewal invoices stay drafts for an hour, then are paid.
        advance_clock(client, clock.id, T0 + 31 * DAY + 2 * 3600, timeout_s=self.deadline_s)
        ddb.writes = 0
        result.setup_s = time.monotonic() - started
        if self.rate_limits != "off":
            server.rate_limits.configure({"mode": self.rate_limits})
            server.rate_limits.clock = dilated
        user = _UserLoads(client, list(customers.values()), rng)
        result.user_baseline_ms = user.baseline(20)
        stop = threading.Event()
        user_thread = threading.Thread(target=user.run, args=(stop, dilated), name="storm-user", daemon=True)
        drain_started = dilated()
        last_done[0] = drain_started
        user_thread.start()
        drained = hooks.flush(timeout=self.deadline_s)
        stop.set()
        user_thread.join(timeout=60)
        server.rate_limits.reset()
        if not drained:
            raise RuntimeError("the storm did not drain before its deadline")
        result.drain_s = last_done[0] - drain_started
        result.refused_by_stripe = dict(server.rate_limits.state()["refused"]) or result.refused_by_stripe
        with server.backend.lock:
            events = [server.backend.render(server.backend.objects[i]) for i in server.backend.events[first_event:]]
        result.types = dict(Counter(e["type"] for e in events))
        self._tally(result, events, client, ddb, customers, applied, tally, gateways, user, hooks.log)
        result.real_s = time.monotonic() - started
        return result

    def _tally(
        self,
        result: StormResult,
        events: list[dict[str, Any]],
        client: stripe.StripeClient,
        ddb: MemoryDynamoDB,
        customers: dict[str, str],
        applied: Counter[str],
        tally: Counter[str],
        gateways: list[CountingGateway],
        user: _UserLoads,
        log: list[dict[str, Any]],
    ) -> None:
        relevant = [e["id"] for e in events if StripeEvent.parse(e).action == "sync"]
        ledger = EventLedger(table_name=TABLE, dynamodb=ddb)
        result.events = len(events)
        result.relevant_events = len(relevant)
        result.deliveries = len(log)
        result.throttled = tally["throttled"]
        result.retryable_answers = tally["retryable"]
        result.stripe_calls = sum(g.calls for g in gateways)
        result.dynamodb_writes = ddb.writes
        result.lost = sum(1 for event_id in relevant if not _done(ledger, event_id))
        result.doubled = sum(1 for count in applied.values() if count > 1)
        result.user_requests = user.requests
        result.user_failures = user.failures
        result.user_latencies_ms = user.latencies_ms
        store = EntitlementStore(table_name=TABLE, dynamodb=ddb)
        checker = EntitlementSync(
            reader=StripeBillingStateReader(StripeGateway(client=client)), store=store, grace_period_days=7
        )
        result.mismatches = sum(
            1 for sub, cus in customers.items() if not same_entitlements(store.get(sub), checker.expected(cus))
        )


def _done(ledger: EventLedger, event_id: str) -> bool:
    from billing_core.store.keys import EVENT_SK, event_pk

    item = ledger._get(event_pk(event_id), EVENT_SK, "storm.check")
    return item is not None and item.get("status", {}).get("S") == "done"


class _UserLoads:
    """A user on the billing page: the page's Stripe reads, one load after another, through an unpaced gateway."""

    def __init__(self, client: stripe.StripeClient, customers: list[str], rng: random.Random) -> None:
        self.gateway = StripeGateway(client=client)
        self.customers = customers
        self.rng = rng
        self.requests = 0
        self.failures = 0
        self.latencies_ms: list[float] = []

    def load(self) -> float:
        """One page load's Stripe reads; its real duration in ms. Counts a failure (a 429 or 503)."""
        customer_id = self.rng.choice(self.customers)
        began = time.perf_counter()
        try:
            self.gateway.call("customers.retrieve", lambda c: c.v1.customers.retrieve(customer_id))
            self.gateway.call(
                "subscriptions.list",
                lambda c: c.v1.subscriptions.list({"customer": customer_id, "status": "all", "limit": 10}),
            )
        except BillingError:
            self.failures += 1
        return (time.perf_counter() - began) * 1000

    def baseline(self, loads: int) -> list[float]:
        return [self.load() for _ in range(loads)]

    def run(self, stop: threading.Event, clock: DilatedClock) -> None:
        while not stop.is_set():
            self.latencies_ms.append(self.load())
            self.requests += 1
            clock.sleep(0.5)  # two page loads a second (emulated)


class _NullPublisher:
    def publish(self, events: Any) -> None:
        return None


def summary(result: StormResult) -> str:
    return json.dumps(
        {
            "subscriptions": result.subscriptions,
            "events": result.events,
            "relevant": result.relevant_events,
            "deliveries": result.deliveries,
            "throttled": result.throttled,
            "calls_per_relevant": round(result.calls_per_relevant_event, 3),
            "writes_per_relevant": round(result.writes_per_relevant_event, 3),
            "lost": result.lost,
            "doubled": result.doubled,
            "mismatches": result.mismatches,
            "refused": result.refused_by_stripe,
            "drain_s": round(result.drain_s, 1),
            "user_p50_ms": round(result.percentile(0.5), 1),
            "user_p95_ms": round(result.percentile(0.95), 1),
            "user_normal_p50_ms": round(result.percentile(0.5, baseline=True), 1),
            "user_normal_p95_ms": round(result.percentile(0.95, baseline=True), 1),
            "budget_floor_s": round(result.budget_floor_s, 1),
            "user_failures": result.user_failures,
            "setup_s": round(result.setup_s, 1),
            "real_s": round(result.real_s, 1),
        }
    )
