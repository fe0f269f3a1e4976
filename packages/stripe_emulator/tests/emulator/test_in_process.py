"""The emulator without sockets: stripe-python through `InProcessHTTPClient`, webhooks through a `transport`,
several deliveries at once (`concurrency`)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import stripe
from stripe_emulator import EmulatorServer
from stripe_emulator.backend import Backend
from stripe_emulator.in_process import InProcessHTTPClient
from stripe_emulator.webhooks import deliverer, sign_payload


@pytest.fixture
def inproc(stripe_emulator: EmulatorServer) -> stripe.StripeClient:
    return stripe.StripeClient(
        stripe_emulator.secret_key,
        http_client=InProcessHTTPClient(stripe_emulator),
        base_addresses={"api": stripe_emulator.api_base},
    )


def test_the_in_process_client_runs_the_same_pipeline_as_http(
    inproc: stripe.StripeClient, stripe_client: stripe.StripeClient, stripe_emulator: EmulatorServer
) -> None:
    created = inproc.v1.customers.create({"email": "ada@example.com"}, {"idempotency_key": "k1"})
    assert stripe_client.v1.customers.retrieve(created.id).email == "ada@example.com"  # one account
    again = inproc.v1.customers.create({"email": "ada@example.com"}, {"idempotency_key": "k1"})
    assert again.id == created.id  # Idempotency-Key replayed
    with pytest.raises(stripe.InvalidRequestError) as missing:
        inproc.v1.customers.retrieve("cus_missing")
    assert (missing.value.http_status, missing.value.code) == (404, "resource_missing")
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        inproc.v1.customers.create({"colour": "blue"})  # type: ignore[arg-type]  # an unknown parameter, on purpose
    assert unknown.value.code == "parameter_unknown"
    stripe_emulator.rate_limits.configure({"mode": "live", "global_per_s": 1})
    inproc.v1.customers.list()
    with pytest.raises(stripe.RateLimitError) as limited:
        inproc.v1.customers.list()
    assert limited.value.headers["Stripe-Rate-Limited-Reason"] == "global-rate"


def test_a_dropped_connection_is_a_connection_error(
    inproc: stripe.StripeClient, stripe_emulator: EmulatorServer
) -> None:
    stripe_emulator.faults.configure({"queue": [{"mode": "reset"}]})
    with pytest.raises(stripe.APIConnectionError):
        inproc.v1.customers.list()


def test_webhooks_go_through_the_transport_and_are_retried_on_a_failure(
    inproc: stripe.StripeClient, stripe_emulator: EmulatorServer
) -> None:
    endpoint = inproc.v1.webhook_endpoints.create({"url": "https://app.example/hooks", "enabled_events": ["*"]})
    answers = iter([500, 200])
    seen: list[tuple[str, str]] = []

    def transport(url: str, body: bytes, headers: dict[str, str]) -> int:
        timestamp = headers["Stripe-Signature"].split(",")[0].removeprefix("t=")
        assert headers["Stripe-Signature"] == sign_payload(body, endpoint.secret or "", int(timestamp))
        seen.append((url, body.decode()))
        return next(answers)

    hooks = deliverer(stripe_emulator.backend)
    hooks.configure({"backoff_s": 0.01})
    hooks.transport = transport
    inproc.v1.customers.create({"email": "grace@example.com"})
    assert hooks.flush(timeout=30)
    assert [url for url, _ in seen] == ["https://app.example/hooks"] * 2
    assert [entry["status"] for entry in hooks.log] == [500, 200]


def test_concurrency_delivers_several_events_at_once(
    inproc: stripe.StripeClient, stripe_emulator: EmulatorServer
) -> None:
    inproc.v1.webhook_endpoints.create({"url": "https://app.example/hooks", "enabled_events": ["customer.created"]})
    together = threading.Barrier(3, timeout=20)  # broken unless three deliveries are in flight at the same time

    def transport(url: str, body: bytes, headers: dict[str, Any]) -> int:
        try:
            together.wait()
        except threading.BrokenBarrierError:
            raise OSError("deliveries did not overlap") from None
        return 200

    hooks = deliverer(stripe_emulator.backend)
    hooks.configure({"concurrency": 3, "paused": True})
    hooks.transport = transport
    for n in range(3):
        inproc.v1.customers.create({"email": f"user{n}@example.com"})
    assert hooks.flush(timeout=30)
    assert [entry["status"] for entry in hooks.log] == [200, 200, 200]


def test_a_customers_objects_come_from_an_index_that_matches_the_objects() -> None:
    b = Backend("sk_test_x", "pk_test_x")
    b.store({"id": "in_1", "object": "invoice", "customer": "cus_a", "created": 1})
    b.store({"id": "in_2", "object": "invoice", "customer": "cus_b", "created": 2})
    b.store({"id": "in_3", "object": "invoice", "customer": "cus_a", "created": 3})
    assert [o["id"] for o in b.all("invoice", customer="cus_a")] == ["in_3", "in_1"]
    b.delete("in_3")
    assert [o["id"] for o in b.all("invoice", customer="cus_a")] == ["in_1"]
    assert b.index_errors() == []
    b.objects["in_1"]["customer"] = "cus_b"  # what no code may do: a stored invoice moved to another customer
    assert b.index_errors() != []
