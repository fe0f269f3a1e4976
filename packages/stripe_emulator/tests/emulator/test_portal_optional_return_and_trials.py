# mypy: disable-error-code="union-attr,index,arg-type,typeddict-item"
"""Portal sessions without a return URL, and plan changes on a trialing subscription in the hosted portal
(`features.subscription_update.trial_update_behavior`)."""

from __future__ import annotations

from typing import Any

import stripe

from .test_billing_portal import _catalog, _config, _http, _portal

T0 = 1767225600  # 2026-01-01T00:00:00Z
DAY = 86400


def test_return_url_is_optional_and_falls_back_to_the_configuration_default(
    stripe_client: stripe.StripeClient, stripe_emulator: Any
) -> None:
    cus = stripe_client.v1.customers.create({"email": "r@example.com"})
    bare = stripe_client.v1.billing_portal.sessions.create({"customer": cus.id})
    assert bare.return_url is None
    status, html, _ = _http(stripe_emulator.api_base, "GET", f"/portal/session/{bare.id}")
    assert status == 200 and "Return to the merchant" not in html
    cfg = _config(stripe_client, _catalog(stripe_client))  # default_return_url https://app.example/billing
    inherited = stripe_client.v1.billing_portal.sessions.create({"customer": cus.id, "configuration": cfg.id})
    assert inherited.return_url == "https://app.example/billing"
    own = stripe_client.v1.billing_portal.sessions.create(
        {"customer": cus.id, "configuration": cfg.id, "return_url": "https://app.example/own"}
    )
    assert own.return_url == "https://app.example/own"


def _trialing(client: stripe.StripeClient, price_id: str) -> tuple[Any, Any]:
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": T0})
    cus = client.v1.customers.create(
        {"email": "t@example.com", "payment_method": "pm_card_visa", "test_clock": clock.id}
    )
    pm = client.v1.payment_methods.list({"customer": cus.id, "type": "card"}).data[0]
    sub = client.v1.subscriptions.create(
        {
            "customer": cus.id,
            "items": [{"price": price_id}],
            "default_payment_method": pm.id,
            "trial_period_days": 14,
        }
    )
    assert sub.status == "trialing"
    return cus, sub


def _switch(client: stripe.StripeClient, emulator: Any, behaviour: str | None) -> tuple[Any, Any, Any]:
    cat = _catalog(client)
    update = {
        "enabled": True,
        "default_allowed_updates": ["price"],
        "proration_behavior": "create_prorations",
        "products": [{"product": cat["product"].id, "prices": [cat["monthly"].id, cat["pro"].id]}],
    }
    if behaviour is not None:
        update["trial_update_behavior"] = behaviour
    cfg = _config(client, cat, subscription_update=update)
    cus, sub = _trialing(client, cat["monthly"].id)
    s = _portal(client, cfg, cus, {"type": "subscription_update", "subscription_update": {"subscription": sub.id}})
    status, _, _ = _http(
        emulator.api_base, "POST", f"/portal/session/{s.id}", {"action": "switch_price", "price": cat["pro"].id}
    )
    assert status == 303
    return cfg, sub, cat


def test_plan_change_in_the_portal_ends_the_trial_and_bills_now_by_default(
    stripe_client: stripe.StripeClient, stripe_emulator: Any
) -> None:
    cfg, sub, cat = _switch(stripe_client, stripe_emulator, None)
    assert cfg.features.subscription_update.trial_update_behavior == "end_trial"
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after.status == "active" and after.trial_end == T0
    assert after["items"].data[0].price.id == cat["pro"].id
    latest = stripe_client.v1.invoices.retrieve(after.latest_invoice)
    assert latest.status == "paid" and latest.amount_paid == 3000 and latest.billing_reason == "subscription_update"


def test_plan_change_in_the_portal_keeps_the_trial_under_continue_trial(
    stripe_client: stripe.StripeClient, stripe_emulator: Any
) -> None:
    _cfg, sub, cat = _switch(stripe_client, stripe_emulator, "continue_trial")
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after.status == "trialing" and after.trial_end == T0 + 14 * DAY
    assert after["items"].data[0].price.id == cat["pro"].id
    invoices = stripe_client.v1.invoices.list({"subscription": sub.id}).data
    assert [i.amount_due for i in invoices] == [0]  # only the trial's $0 invoice: nothing billed now
