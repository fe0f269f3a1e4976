# mypy: disable-error-code="union-attr,index,arg-type,typeddict-item"
# (stripe-python types every field as Optional and expandable; these tests read them from known responses)
"""The portal's pause feature: configuration fields and defaults, the pause offer on the portal page, the
`subscription_pause` deep link, and a preset pause duration that resumes the subscription by itself."""

from __future__ import annotations

import http.client
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import stripe

from .billing_setup import DAY, T0, advance, clock_customer, event_types, price


def _http(api_base: str, method: str, path: str, form: dict[str, Any] | None = None) -> tuple[int, str]:
    u = urlsplit(api_base)
    conn = http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port, timeout=10)
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}
    conn.request(method, path, body=urlencode(form) if form is not None else None, headers=headers)
    resp = conn.getresponse()
    text = resp.read().decode()
    conn.close()
    return resp.status, text


def _config(client: stripe.StripeClient, pause: dict[str, Any]) -> Any:
    return client.v1.billing_portal.configurations.create(
        {"features": {"subscription_pause": pause}, "default_return_url": "https://app.example/billing"}
    )


def _subscriber(client: stripe.StripeClient) -> tuple[Any, Any, Any]:
    clock, cus, _ = clock_customer(client)
    sub = client.v1.subscriptions.create({"customer": cus.id, "items": [{"price": price(client, 1000).id}]})
    return clock, cus, sub


def _session(client: stripe.StripeClient, cfg: Any, cus: Any, flow: dict[str, Any] | None = None) -> Any:
    params: dict[str, Any] = {"customer": cus.id, "configuration": cfg.id}
    if flow:
        params["flow_data"] = flow
    return client.v1.billing_portal.sessions.create(params)


def test_pause_feature_defaults_to_one_month_of_interval_options(stripe_client: stripe.StripeClient) -> None:
    cfg = _config(stripe_client, {"enabled": True})
    duration = cfg.features.subscription_pause.duration
    assert cfg.features.subscription_pause.enabled is True
    assert duration.type == "interval_options"
    assert [(o.interval, o.interval_count) for o in duration.interval_options] == [("month", 1)]
    indefinite = _config(stripe_client, {"enabled": True, "duration": {"type": "indefinite"}})
    assert indefinite.features.subscription_pause.duration.to_dict() == {"interval_options": [], "type": "indefinite"}
    got = stripe_client.v1.billing_portal.configurations.retrieve(indefinite.id)
    assert got.features.subscription_pause.to_dict() == indefinite.features.subscription_pause.to_dict()


@pytest.mark.parametrize(
    "duration",
    [
        {"type": "interval_options", "interval_options": ""},
        {"type": "interval_options", "interval_options": [{"interval": "month", "interval_count": 37}]},
        {"type": "interval_options", "interval_options": [{"interval": "fortnight"}]},
        {"type": "sometimes"},
    ],
)
def test_pause_feature_rejects_invalid_durations(stripe_client: stripe.StripeClient, duration: dict[str, Any]) -> None:
    with pytest.raises(stripe.InvalidRequestError) as err:
        _config(stripe_client, {"enabled": True, "duration": duration})
    assert "subscription_pause" in str(err.value.param)


def test_portal_home_offers_pause_only_when_enabled(stripe_client: stripe.StripeClient, stripe_emulator: Any) -> None:
    _, cus, _ = _subscriber(stripe_client)
    off = _session(stripe_client, _config(stripe_client, {"enabled": False}), cus)
    on = _session(stripe_client, _config(stripe_client, {"enabled": True}), cus)
    assert "Pause plan" not in _http(stripe_emulator.api_base, "GET", f"/portal/session/{off.id}")[1]
    assert "Pause plan" in _http(stripe_emulator.api_base, "GET", f"/portal/session/{on.id}")[1]


def test_pause_deep_link_pauses_for_the_chosen_duration_then_resumes(
    stripe_client: stripe.StripeClient, stripe_emulator: Any
) -> None:
    clock, cus, sub = _subscriber(stripe_client)
    cfg = _config(
        stripe_client,
        {
            "enabled": True,
            "duration": {
                "type": "interval_options",
                "interval_options": [{"interval": "week", "interval_count": 2}, {"interval": "month"}],
            },
        },
    )
    s = _session(
        stripe_client, cfg, cus, {"type": "subscription_pause", "subscription_pause": {"subscription": sub.id}}
    )
    assert s.flow.type == "subscription_pause" and s.flow.subscription_pause.subscription == sub.id
    status, html = _http(stripe_emulator.api_base, "GET", f"/portal/session/{s.id}")
    assert status == 200 and "Pause for" in html and "2 weeks" in html and "1 month" in html
    status, html = _http(
        stripe_emulator.api_base, "POST", f"/portal/session/{s.id}", {"action": "pause", "subscription": sub.id}
    )
    assert status == 303  # after_completion defaults to the portal home
    status, html = _http(stripe_emulator.api_base, "GET", f"/portal/session/{s.id}")
    assert "Your plan has been paused until 15 Jan 2026." in html  # the first option is preselected
    assert "Paused until 15 Jan 2026" in html and "Renews on" not in html
    paused = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert paused.status == "paused" and paused.status_details.paused.subscription.type == "pause_requested"
    advance(stripe_client, clock.id, T0 + 13 * DAY)
    assert stripe_client.v1.subscriptions.retrieve(sub.id).status == "paused"
    advance(stripe_client, clock.id, T0 + 15 * DAY)
    resumed = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert resumed.status == "active" and resumed.billing_cycle_anchor == T0 + 14 * DAY
    inv = stripe_client.v1.invoices.retrieve(resumed.latest_invoice)
    assert inv.status == "paid" and sum(li.amount for li in inv.lines.data) == inv.total
    assert "customer.subscription.resumed" in event_types(stripe_emulator)


def test_pause_from_the_portal_of_a_classic_subscription_shows_the_refusal(
    stripe_client: stripe.StripeClient, stripe_emulator: Any
) -> None:
    _, cus, _ = clock_customer(stripe_client)
    sub = stripe_client.v1.subscriptions.create(
        {"customer": cus.id, "items": [{"price": price(stripe_client, 1000).id}], "billing_mode": {"type": "classic"}}
    )
    cfg = _config(stripe_client, {"enabled": True, "duration": {"type": "indefinite"}})
    s = _session(
        stripe_client, cfg, cus, {"type": "subscription_pause", "subscription_pause": {"subscription": sub.id}}
    )
    status, html = _http(
        stripe_emulator.api_base, "POST", f"/portal/session/{s.id}", {"action": "pause", "subscription": sub.id}
    )
    assert status == 400 and "flexible billing mode" in html
    assert stripe_client.v1.subscriptions.retrieve(sub.id).status == "active"
