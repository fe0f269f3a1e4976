"""Events API and signed webhook delivery: signature, retries with backoff, pause/flush, shuffle, duplicates."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import stripe
from stripe_emulator import EmulatorServer
from stripe_emulator.webhooks import USER_AGENT, Deliverer, deliverer, sign_payload


class Receiver:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_next = 0
        self.lock = threading.Lock()
        self.got = threading.Condition(self.lock)
        outer = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with outer.lock:
                    fail = outer.fail_next > 0
                    outer.fail_next -= 1 if fail else 0
                    outer.requests.append({"headers": dict(self.headers), "body": body, "failed": fail})
                    outer.got.notify_all()
                self.send_response(500 if fail else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/webhook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(r["body"]) for r in self.requests if not r["failed"]]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.httpd.shutdown()
    r.httpd.server_close()


@pytest.fixture
def hooks(stripe_emulator: EmulatorServer) -> Deliverer:
    d = deliverer(stripe_emulator.backend)
    d.configure({"backoff_s": 0.05, "max_attempts": 3})
    return d


def _endpoint(client: stripe.StripeClient, url: str, events: list[str] | None = None) -> stripe.WebhookEndpoint:
    return client.v1.webhook_endpoints.create(params={"url": url, "enabled_events": events or ["*"]})  # type: ignore[typeddict-item]


def test_delivery_is_signed_and_shaped(
    stripe_client: stripe.StripeClient, receiver: Receiver, hooks: Deliverer
) -> None:
    ep = _endpoint(stripe_client, receiver.url)
    assert ep.secret is not None and ep.secret.startswith("whsec_")
    assert "secret" not in stripe_client.v1.webhook_endpoints.retrieve(ep.id).to_dict()
    cus = stripe_client.v1.customers.create(params={"email": "w@x.test"})
    assert hooks.flush(5)
    req = receiver.requests[0]
    assert req["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert req["headers"]["User-Agent"] == USER_AGENT
    sig = dict(part.split("=", 1) for part in req["headers"]["Stripe-Signature"].split(","))
    expected = hmac.new(ep.secret.encode(), f"{sig['t']}.".encode() + req["body"], hashlib.sha256).hexdigest()
    assert sig["v1"] == expected
    event = stripe.Webhook.construct_event(req["body"].decode(), req["headers"]["Stripe-Signature"], ep.secret)
    assert event.type == "customer.created" and event.data.object["id"] == cus.id
    evt = stripe_client.v1.events.retrieve(event.id)
    assert evt.pending_webhooks == 0 and evt.request is not None and evt.request.id


def test_sign_payload_matches_stripe_python() -> None:
    body = b'{"id": "evt_1", "object": "event"}'
    header = sign_payload(body, "whsec_test", t=1_700_000_000)
    assert header.startswith("t=1700000000,v1=")
    assert stripe.WebhookSignature.verify_header(body.decode(), header, "whsec_test", tolerance=None)


def test_enabled_events_filter_and_disabled_endpoint(
    stripe_client: stripe.StripeClient, receiver: Receiver, hooks: Deliverer
) -> None:
    ep = _endpoint(stripe_client, receiver.url, ["product.created"])
    stripe_client.v1.customers.create(params={})
    stripe_client.v1.products.create(params={"name": "P"})
    assert hooks.flush(5)
    assert [e["type"] for e in receiver.events()] == ["product.created"]
    stripe_client.v1.webhook_endpoints.update(ep.id, params={"disabled": True})
    stripe_client.v1.products.create(params={"name": "Q"})
    assert hooks.flush(5)
    assert len(receiver.events()) == 1
    with pytest.raises(stripe.InvalidRequestError):
        _endpoint(stripe_client, receiver.url, ["not.an.event"])


def test_retry_with_backoff_then_success(
    stripe_client: stripe.StripeClient, receiver: Receiver, hooks: Deliverer
) -> None:
    _endpoint(stripe_client, receiver.url)
    receiver.fail_next = 2
    stripe_client.v1.customers.create(params={})
    assert hooks.flush(5)
    assert [r["failed"] for r in receiver.requests] == [True, True, False]
    assert [entry["attempt"] for entry in hooks.log] == [1, 2, 3]
    evt = stripe_client.v1.events.list().data[0]
    assert evt.pending_webhooks == 0
    assert [e.id for e in stripe_client.v1.events.list(params={"delivery_success": True}).data] == [evt.id]


def test_exhausted_retries_count_as_failed(
    stripe_client: stripe.StripeClient, receiver: Receiver, hooks: Deliverer
) -> None:
    _endpoint(stripe_client, receiver.url)
    receiver.fail_next = 10
    cus = stripe_client.v1.customers.create(params={})
    assert hooks.flush(5)
    assert len(receiver.requests) == 3
    missed = stripe_client.v1.events.list(params={"delivery_success": False}).data
    assert [e.data.object["id"] for e in missed] == [cus.id]
    assert stripe_client.v1.events.list(params={"delivery_success": True}).data == []


def test_connection_error_is_retried(stripe_client: stripe.StripeClient, hooks: Deliverer) -> None:
    _endpoint(stripe_client, "http://127.0.0.1:9/unreachable")
    stripe_client.v1.customers.create(params={})
    assert hooks.flush(5)
    assert len(hooks.log) == 3 and all(entry["error"] for entry in hooks.log)


def test_pause_holds_until_flush(stripe_client: stripe.StripeClient, receiver: Receiver, hooks: Deliverer) -> None:
    _endpoint(stripe_client, receiver.url)
    hooks.configure({"paused": True})
    stripe_client.v1.customers.create(params={})
    stripe_client.v1.products.create(params={"name": "P"})
    assert receiver.requests == []
    assert stripe_client.v1.events.list(params={"delivery_success": False}).data[0].pending_webhooks == 1
    assert hooks.flush(5)
    assert sorted(e["type"] for e in receiver.events()) == ["customer.created", "product.created"]


def test_synchronous_mode_delivers_before_the_response(
    stripe_client: stripe.StripeClient, receiver: Receiver, hooks: Deliverer
) -> None:
    _endpoint(stripe_client, receiver.url)
    hooks.configure({"synchronous": True})
    stripe_client.v1.customers.create(params={})
    assert [e["type"] for e in receiver.events()] == ["customer.created"]


def test_duplicates_and_shuffle(stripe_client: stripe.StripeClient, receiver: Receiver, hooks: Deliverer) -> None:
    _endpoint(stripe_client, receiver.url)
    hooks.configure({"duplicate_rate": 1.0, "shuffle_window_s": 0.2})
    for i in range(5):
        stripe_client.v1.products.create(params={"name": f"P{i}"})
    assert hooks.flush(5)
    ids = [e["id"] for e in receiver.events()]
    assert len(ids) == 10 and len(set(ids)) == 5


def test_control_endpoint_sets_options(stripe_emulator: EmulatorServer, hooks: Deliverer) -> None:
    r = httpx.post(f"{stripe_emulator.api_base}/_emulator/webhooks", json={"shuffle": True, "duplicate_rate": 0.5})
    assert r.status_code == 200 and r.json()["shuffle_window_s"] > 0 and hooks.duplicate_rate == 0.5
    r = httpx.post(f"{stripe_emulator.api_base}/_emulator/webhooks", json={"flush": True})
    assert r.json()["flushed"] is True
    assert "log" in httpx.get(f"{stripe_emulator.api_base}/_emulator/webhooks").json()


def test_events_list_filters(stripe_client: stripe.StripeClient) -> None:
    cus = stripe_client.v1.customers.create(params={"email": "e@x.test"})
    stripe_client.v1.customers.update(cus.id, params={"name": "N"})
    stripe_client.v1.products.create(params={"name": "P"})
    all_types = [e.type for e in stripe_client.v1.events.list().data]
    assert all_types == ["product.created", "customer.updated", "customer.created"]
    assert [e.type for e in stripe_client.v1.events.list(params={"type": "customer.*"}).data] == [
        "customer.updated",
        "customer.created",
    ]
    both = stripe_client.v1.events.list(params={"types": ["product.created", "customer.created"]}).data
    assert [e.type for e in both] == ["product.created", "customer.created"]
    # the three events may straddle a second boundary: filter from the oldest's and past the newest's second
    events = stripe_client.v1.events.list().data
    oldest, newest = events[-1].created, events[0].created
    assert len(stripe_client.v1.events.list(params={"created": {"gte": oldest}}).data) == 3
    assert stripe_client.v1.events.list(params={"created": {"gt": newest}}).data == []
    upd = stripe_client.v1.events.list(params={"type": "customer.updated"}).data[0]
    assert upd.data.previous_attributes is not None and upd.data.previous_attributes["name"] is None


def test_webhook_endpoint_crud(stripe_client: stripe.StripeClient) -> None:
    ep = _endpoint(stripe_client, "https://example.test/hook", ["customer.created"])
    assert ep.status == "enabled" and ep.enabled_events == ["customer.created"]
    upd = stripe_client.v1.webhook_endpoints.update(
        ep.id, params={"url": "https://example.test/h2", "description": "d"}
    )
    assert upd.url == "https://example.test/h2" and upd.description == "d"
    assert [e.id for e in stripe_client.v1.webhook_endpoints.list().data] == [ep.id]
    assert stripe_client.v1.webhook_endpoints.delete(ep.id).deleted is True
    assert stripe_client.v1.webhook_endpoints.list().data == []
    with pytest.raises(stripe.InvalidRequestError):
        _endpoint(stripe_client, "not a url")
