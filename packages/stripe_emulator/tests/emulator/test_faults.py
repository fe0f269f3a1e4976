"""Fault and latency injection, each mode observed from stripe-python, configured in-process or over HTTP."""

from __future__ import annotations

import time

import httpx
import pytest
import stripe
from stripe_emulator import EmulatorServer


def _client(em: EmulatorServer, **kw: object) -> stripe.StripeClient:
    return stripe.StripeClient(em.secret_key, base_addresses={"api": em.api_base}, **kw)  # type: ignore[arg-type]


def test_500_is_api_error(stripe_emulator: EmulatorServer) -> None:
    stripe_emulator.faults.queue("500")
    with pytest.raises(stripe.APIError) as exc:
        _client(stripe_emulator).v1.customers.list()
    assert exc.value.http_status == 500


def test_500_is_retried_by_the_sdk(stripe_emulator: EmulatorServer) -> None:
    stripe_emulator.faults.queue("500")
    client = _client(stripe_emulator, max_network_retries=1)
    assert client.v1.customers.list().data == []
    assert stripe_emulator.faults.injected == {"500": 1}


@pytest.mark.parametrize(("mode", "header"), [("429", None), ("429_retry", "true"), ("429_no_retry", "false")])
def test_each_429_mode_sends_its_should_retry_header(
    stripe_emulator: EmulatorServer, mode: str, header: str | None
) -> None:
    stripe_emulator.faults.queue(mode)
    with pytest.raises(stripe.RateLimitError) as exc:
        _client(stripe_emulator).v1.customers.list()
    assert exc.value.http_status == 429 and exc.value.error is not None and exc.value.error.code == "rate_limit"
    assert (exc.value.headers or {}).get("Stripe-Should-Retry") == header


def test_429_with_should_retry_is_retried(stripe_emulator: EmulatorServer) -> None:
    stripe_emulator.faults.queue("429_retry")
    assert _client(stripe_emulator, max_network_retries=1).v1.customers.list().data == []
    stripe_emulator.faults.queue("429_no_retry")
    with pytest.raises(stripe.RateLimitError):
        _client(stripe_emulator, max_network_retries=2).v1.customers.list()


def test_reset_is_connection_error(stripe_emulator: EmulatorServer) -> None:
    stripe_emulator.faults.queue("reset")
    with pytest.raises(stripe.APIConnectionError):
        _client(stripe_emulator).v1.customers.list()


def test_timeout_with_short_client_timeout(stripe_emulator: EmulatorServer) -> None:
    stripe_emulator.faults.timeout_s = 1.0
    stripe_emulator.faults.queue("timeout")
    client = _client(stripe_emulator, http_client=stripe.RequestsClient(timeout=0.3))
    started = time.monotonic()
    with pytest.raises(stripe.APIConnectionError):
        client.v1.customers.list()
    assert time.monotonic() - started < 2.0


def test_403_is_permission_error(stripe_emulator: EmulatorServer) -> None:
    stripe_emulator.faults.queue("403", path="/v1/customers")
    with pytest.raises(stripe.PermissionError):
        _client(stripe_emulator).v1.customers.list()
    assert _client(stripe_emulator).v1.products.list().data == []


def test_latency_is_added(stripe_emulator: EmulatorServer) -> None:
    client = _client(stripe_emulator)
    client.v1.customers.list()
    stripe_emulator.faults.set_latency(150)
    started = time.monotonic()
    client.v1.customers.list()
    assert time.monotonic() - started >= 0.15


def test_faults_over_the_control_endpoint(stripe_emulator: EmulatorServer) -> None:
    base = stripe_emulator.api_base
    r = httpx.post(f"{base}/_emulator/faults", json={"queue": [{"mode": "500", "times": 2}], "latency_ms": 0})
    assert r.status_code == 200 and r.json()["queued"] == [{"mode": "500", "remaining": 2}]
    client = _client(stripe_emulator)
    for _ in range(2):
        with pytest.raises(stripe.APIError):
            client.v1.customers.list()
    assert client.v1.customers.list().data == []
    assert httpx.get(f"{base}/_emulator/faults").json()["injected"] == {"500": 2}
    bad = httpx.post(f"{base}/_emulator/faults", json={"rates": {"nope": 1}})
    assert bad.status_code == 400
