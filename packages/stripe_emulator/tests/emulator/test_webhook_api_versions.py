"""An endpoint's `api_version` shapes the events it receives (see `stripe_emulator/api_versions.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import stripe
from stripe_emulator import EmulatorServer
from stripe_emulator.api_versions import event_for_version
from stripe_emulator.webhooks import Deliverer, deliverer

from .test_events_webhooks import Receiver


@pytest.fixture
def receivers() -> Iterator[dict[str, Receiver]]:
    made = {v: Receiver() for v in ("default", "2025-08-27.basil", "2026-02-25.clover")}
    yield made
    for r in made.values():
        r.httpd.shutdown()
        r.httpd.server_close()


@pytest.fixture
def hooks(stripe_emulator: EmulatorServer) -> Deliverer:
    return deliverer(stripe_emulator.backend)


def _received(receiver: Receiver, secret: str, event_type: str) -> Any:
    for req in receiver.requests:
        event = stripe.Webhook.construct_event(req["body"].decode(), req["headers"]["Stripe-Signature"], secret)
        if event.type == event_type:
            return event
    raise AssertionError(f"{event_type} not delivered")


def test_each_endpoint_gets_events_rendered_at_its_api_version(
    stripe_client: stripe.StripeClient, receivers: dict[str, Receiver], hooks: Deliverer
) -> None:
    secrets: dict[str, str] = {}
    for version, receiver in receivers.items():
        params: dict[str, Any] = {
            "url": receiver.url,
            "enabled_events": ["invoice.created", "billing_portal.configuration.created"],
        }
        if version != "default":
            params["api_version"] = version
        ep = stripe_client.v1.webhook_endpoints.create(params=params)  # type: ignore[arg-type]
        assert ep.api_version == (None if version == "default" else version)
        secrets[version] = str(ep.secret)
    cus = stripe_client.v1.customers.create(params={"email": "v@x.test"})
    stripe_client.v1.invoice_items.create(params={"customer": cus.id, "amount": 700, "currency": "usd"})
    stripe_client.v1.invoices.create(params={"customer": cus.id, "pending_invoice_items_behavior": "include"})
    stripe_client.v1.billing_portal.configurations.create(
        params={"features": {"subscription_update": {"enabled": False}, "invoice_history": {"enabled": True}}}
    )
    assert hooks.flush(10)

    def got(version: str, event_type: str) -> dict[str, Any]:
        return _received(receivers[version], secrets[version], event_type).to_dict()  # signed over this body

    now_inv, basil_inv, clover_inv = (got(v, "invoice.created") for v in receivers)
    assert now_inv["api_version"] == "2026-10-28.endive"
    assert "amount_paid_off_stripe" in now_inv["data"]["object"]
    assert "subtotal" in now_inv["data"]["object"]["lines"]["data"][0]
    assert basil_inv["api_version"] == "2025-08-27.basil"
    assert "amount_paid_off_stripe" not in basil_inv["data"]["object"]  # added 2026-05-27.dahlia
    assert "subtotal" not in basil_inv["data"]["object"]["lines"]["data"][0]  # added 2025-12-15.clover
    assert basil_inv["data"]["object"]["amount_due"] == now_inv["data"]["object"]["amount_due"] == 700
    assert clover_inv["api_version"] == "2026-02-25.clover"
    assert "subtotal" in clover_inv["data"]["object"]["lines"]["data"][0]
    assert "amount_paid_off_stripe" not in clover_inv["data"]["object"]

    now_cfg, basil_cfg, clover_cfg = (got(v, "billing_portal.configuration.created") for v in receivers)
    for cfg, has_trial_behaviour in ((now_cfg, True), (basil_cfg, False), (clover_cfg, True)):  # added in clover
        update = cfg["data"]["object"]["features"]["subscription_update"]
        assert ("trial_update_behavior" in update) is has_trial_behaviour
    # the event as the API returns it stays at the account's version
    stored = stripe_client.v1.events.retrieve(basil_inv["id"])
    assert stored.api_version == "2026-10-28.endive" and "amount_paid_off_stripe" in stored.data.object


@pytest.mark.parametrize(
    ("version", "message"),
    [("2024-06-20", "2025-03-31.basil and later"), ("2031-01-01.zinnia", "must be one of")],
)
def test_unknown_or_unrendered_api_version_is_refused(
    stripe_client: stripe.StripeClient, stripe_emulator: EmulatorServer, version: str, message: str
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.webhook_endpoints.create(
            params={"url": "http://127.0.0.1:9/hook", "enabled_events": ["*"], "api_version": version}  # type: ignore[typeddict-item]
        )
    assert exc.value.param == "api_version" and message in str(exc.value.user_message)
    assert not stripe_emulator.backend.all("webhook_endpoint")


def test_a_discount_before_clover_carries_its_coupon_instead_of_source() -> None:
    coupon = {"id": "co_1", "object": "coupon", "percent_off": 50.0}
    discount = {"id": "di_1", "object": "discount", "source": {"type": "coupon", "coupon": "co_1"}, "end": None}
    evt = {"id": "evt_1", "object": "event", "api_version": "2026-10-28.endive", "data": {"object": discount}}
    basil = event_for_version(evt, "2025-08-27.basil", {"co_1": coupon}.get)
    assert basil["data"]["object"]["coupon"] == coupon and "source" not in basil["data"]["object"]
    clover = event_for_version(evt, "2025-09-30.clover", {"co_1": coupon}.get)
    assert clover["data"]["object"]["source"] == {"type": "coupon", "coupon": "co_1"}
    assert evt["data"]["object"] is discount and "source" in discount  # the stored event is untouched
