"""Webhook throughput per process, and DynamoDB writes per event.

An in-process Stripe emulator records the events of `CUSTOMERS` random lifecycles (subscribe, upgrade,
downgrade, cancel, resume, payment failure, recovery); every event is then signed and delivered:
* `handler, first delivery`: the real Lambda handler (Mangum + FastAPI + processor), Stripe re-reads over HTTP
  to the emulator, DynamoDB = the in-memory double (so the number is our code, not moto's ~20 ms per write);
* `handler, duplicate delivery`: the same events again (ledger says done);
* `processor only, first delivery`: `WebhookProcessor.handle` without Mangum/FastAPI, on a fresh table.
Rows: events/s, DynamoDB writes and reads per event, Stripe calls per event (relevant events only re-read).
"""

from __future__ import annotations

import json
import logging
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CUSTOMERS = int(os.environ.get("BENCH_WEBHOOK_CUSTOMERS", "60"))
SECRET = "whsec_bench_only"


def _paths(*functions: str) -> None:
    """The webhook's import paths (and those of ``functions``) and a bench environment, shared by bench.scale."""
    for p in (ROOT, ROOT / "layers" / "shared", *(ROOT / "functions" / f for f in ("webhook", *functions))):
        if str(p) not in sys.path:
            sys.path.insert(0, str(p))
    for name, value in {
        "STAGE": "local",
        "TABLE_NAME": "bench-billing",
        "IDEMPOTENCY_TABLE_NAME": "bench-idempotency",
        "STRIPE_SECRET_NAME": "bench/stripe",
        "STRIPE_WEBHOOK_SECRET_NAME": "bench/webhook",
        "AWS_DEFAULT_REGION": "us-east-1",
        # The EMF lines of ~10,000 deliveries would drown the table; metric bookkeeping still runs.
        "POWERTOOLS_METRICS_DISABLED": "true",
    }.items():
        os.environ.setdefault(name, value)


def run() -> list[dict[str, Any]]:
    # the handler flushes CloudWatch EMF metrics to stdout once per request: keep them out of the bench table
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        return _run()


def _run() -> list[dict[str, Any]]:
    _paths()
    logging.disable(logging.WARNING)
    import stripe
    from billing_core.directory import CustomerDirectory
    from billing_core.entitlement_sync import EntitlementSync, StripeBillingStateReader
    from billing_core.entitlements import EntitlementStore
    from billing_core.observability import logger
    from billing_core.store.event_ledger import EventLedger
    from billing_core.stripe_client import build_stripe_client
    from billing_core.stripe_gateway import StripeGateway
    from stripe_emulator.server import EmulatorServer
    from webhook import app as webhook_app
    from webhook.processor import WebhookProcessor
    from webhook.secrets import WebhookSecrets
    from webhook.signature import sign

    from tests.integration.webhook.lifecycles import Lifecycle, create_catalog_prices, emulator_events
    from tests.integration.webhook.memory_dynamodb import MemoryDynamoDB

    logger.setLevel("WARNING")

    class CountingGateway(StripeGateway):
        calls = 0

        def call(self, operation: str, fn: Any) -> Any:
            CountingGateway.calls += 1
            return super().call(operation, fn)

    server = EmulatorServer(0).start()
    rows: list[dict[str, Any]] = []
    try:
        client = stripe.StripeClient(server.secret_key, base_addresses={"api": server.api_base})
        prices = create_catalog_prices(client)
        rng = random.Random(7)
        for n in range(CUSTOMERS):
            Lifecycle(client, prices, f"bench-{n}", random.Random(rng.random())).run(rng.randint(1, 4))
        events = emulator_events(server.backend)
        bodies = [json.dumps(e).encode() for e in events]
        relevant = sum(1 for e in events if _relevant(e["type"]))
        gateway = CountingGateway(client=build_stripe_client(server.secret_key, server.api_base))

        def processor(ddb: MemoryDynamoDB) -> WebhookProcessor:
            return WebhookProcessor(
                secrets=WebhookSecrets(reader=lambda name, force=False: SECRET),
                ledger=EventLedger(table_name="bench-billing", dynamodb=ddb),
                sync=EntitlementSync(
                    reader=StripeBillingStateReader(gateway),
                    store=EntitlementStore(table_name="bench-billing", dynamodb=ddb),
                    grace_period_days=7,
                ),
                directory=CustomerDirectory(table_name="bench-billing", dynamodb=ddb),
                publisher=_NullPublisher(),
                livemode=False,
            )

        def via_handler(proc: WebhookProcessor) -> None:
            webhook_app.app.dependency_overrides[webhook_app.get_processor] = lambda: proc
            for body in bodies:
                event = _http_event(body, sign(body, SECRET, int(time.time())))
                result = webhook_app.handler(event, None)
                if result["statusCode"] != 200:
                    raise RuntimeError(f"webhook answered {result['statusCode']}: {result['body'][:200]}")

        def via_processor(proc: WebhookProcessor) -> None:
            for body in bodies:
                proc.handle(body, sign(body, SECRET, int(time.time())))

        ddb = MemoryDynamoDB()
        shared = processor(ddb)
        for name, fn, table in (
            ("handler, first delivery", lambda: via_handler(shared), ddb),
            ("handler, duplicate delivery", lambda: via_handler(shared), ddb),
            ("processor only, first delivery", None, MemoryDynamoDB()),
        ):
            proc = shared if fn is not None else processor(table)
            run_fn = fn or (lambda proc=proc: via_processor(proc))  # type: ignore[misc]
            writes, reads, stripe_calls = table.writes, table.reads, CountingGateway.calls
            started = time.perf_counter()
            run_fn()
            elapsed = time.perf_counter() - started
            rows.append(
                {
                    "variant": name,
                    "events": len(events),
                    "relevant_events": relevant,
                    "events_per_s": round(len(events) / elapsed, 1),
                    "ms_per_event": round(elapsed * 1000 / len(events), 2),
                    "ddb_writes_per_event": round((table.writes - writes) / len(events), 3),
                    "ddb_writes_per_relevant_event": round((table.writes - writes) / relevant, 3),
                    "ddb_reads_per_event": round((table.reads - reads) / len(events), 3),
                    "stripe_calls_per_relevant_event": round((CountingGateway.calls - stripe_calls) / relevant, 3),
                }
            )
        webhook_app.app.dependency_overrides.clear()
    finally:
        server.stop()
        logging.disable(logging.NOTSET)
    return rows


def _relevant(event_type: str) -> bool:
    from webhook.events import StripeEvent

    return StripeEvent("evt_x", event_type, 0, False, None, {}).action != "ignore"


class _NullPublisher:
    def publish(self, events: Any) -> None:
        return None


def _http_event(body: bytes, signature: str) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": "POST /webhooks/stripe",
        "rawPath": "/webhooks/stripe",
        "rawQueryString": "",
        "headers": {
            "content-type": "application/json; charset=utf-8",
            "content-length": str(len(body)),
            "stripe-signature": signature,
            "host": "bench.local",
        },
        "requestContext": {
            "http": {"method": "POST", "path": "/webhooks/stripe", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1"},
            "requestId": "bench",
            "routeKey": "POST /webhooks/stripe",
            "stage": "$default",
        },
        "body": body.decode(),
        "isBase64Encoded": False,
    }


if __name__ == "__main__":
    for row in run():
        print(row)
