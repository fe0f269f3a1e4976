# mypy: disable-error-code="union-attr,index,arg-type,typeddict-item"
# (stripe-python types every field as Optional and expandable; these tests read them from known responses)
"""Billing portal configurations and sessions, and the portal page completing every flow."""

from __future__ import annotations

import http.client
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import stripe

from tests.helpers.stripe_clocks import advance_clock

FULL_FEATURES: dict[str, Any] = {
    "customer_update": {"enabled": True, "allowed_updates": ["email", "name", "address", "phone", "tax_id"]},
    "invoice_history": {"enabled": True},
    "payment_method_update": {"enabled": True},
    "subscription_cancel": {
        "enabled": True,
        "mode": "at_period_end",
        "proration_behavior": "none",
        "cancellation_reason": {"enabled": True, "options": ["too_expensive", "unused", "other"]},
    },
    "subscription_pause": {"enabled": False},
}


def _catalog(client: stripe.StripeClient) -> dict[str, Any]:
    prod = client.v1.products.create({"name": "Team"})
    monthly = client.v1.prices.create(
        {"product": prod.id, "currency": "usd", "unit_amount": 1000, "recurring": {"interval": "month"}}
    )
    pro = client.v1.prices.create(
        {"product": prod.id, "currency": "usd", "unit_amount": 3000, "recurring": {"interval": "month"}}
    )
    return {"product": prod, "monthly": monthly, "pro": pro}


def _config(client: stripe.StripeClient, cat: dict[str, Any], **overrides: Any) -> Any:
    features = dict(FULL_FEATURES)
    features["subscription_update"] = {
        "enabled": True,
        "default_allowed_updates": ["price", "quantity"],
        "proration_behavior": "create_prorations",
        "products": [{"product": cat["product"].id, "prices": [cat["monthly"].id, cat["pro"].id]}],
    }
    features.update(overrides)
    return client.v1.billing_portal.configurations.create(
        {"features": features, "default_return_url": "https://app.example/billing"}
    )


def _subscriber(client: stripe.StripeClient, cat: dict[str, Any]) -> tuple[Any, Any]:
    cus = client.v1.customers.create({"email": "p@example.com", "payment_method": "pm_card_visa"})
    pm = client.v1.payment_methods.list({"customer": cus.id, "type": "card"}).data[0]
    sub = client.v1.subscriptions.create(
        {"customer": cus.id, "items": [{"price": cat["monthly"].id}], "default_payment_method": pm.id}
    )
    return cus, sub


def _http(api_base: str, method: str, path: str, form: dict[str, Any] | None = None) -> tuple[int, str, dict[str, str]]:
    u = urlsplit(api_base)
    conn = http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port, timeout=10)
    body = urlencode(form or {})
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}
    conn.request(method, path, body=body if form is not None else None, headers=headers)
    resp = conn.getresponse()
    text = resp.read().decode()
    conn.close()
    return resp.status, text, {k.lower(): v for k, v in resp.getheaders()}


# --- configurations ----------------------------------------------------------------------------------------


def test_configuration_every_feature_round_trips(stripe_client: stripe.StripeClient) -> None:
    cat = _catalog(stripe_client)
    cfg = stripe_client.v1.billing_portal.configurations.create(
        {
            "business_profile": {"headline": "Acme billing", "privacy_policy_url": "https://acme.example/p"},
            "default_return_url": "https://app.example/billing",
            "login_page": {"enabled": True},
            "metadata": {"env": "test"},
            "name": "main",
            "features": {
                **FULL_FEATURES,
                "payment_method_update": {"enabled": True, "payment_method_configuration": "pmc_123"},
                "subscription_cancel": {
                    "enabled": True,
                    "mode": "immediately",
                    "proration_behavior": "always_invoice",
                    "cancellation_reason": {"enabled": True, "options": ["too_expensive", "other"]},
                },
                "subscription_pause": {
                    "enabled": True,
                    "duration": {"type": "interval_options", "interval_options": [{"interval": "month"}]},
                },
                "subscription_update": {
                    "enabled": True,
                    "default_allowed_updates": ["price", "quantity", "promotion_code"],
                    "products": [
                        {
                            "product": cat["product"].id,
                            "prices": [cat["monthly"].id, cat["pro"].id],
                            "adjustable_quantity": {"enabled": True, "minimum": 1, "maximum": 20},
                        }
                    ],
                    "proration_behavior": "always_invoice",
                    "schedule_at_period_end": {"conditions": [{"type": "decreasing_item_amount"}]},
                    "trial_update_behavior": "continue_trial",
                    "billing_cycle_anchor": "now",
                },
            },
        }
    )
    assert cfg.object == "billing_portal.configuration"
    assert cfg.is_default is False and cfg.active is True
    assert cfg.login_page.enabled is True and cfg.login_page.url
    f = cfg.features
    assert f.customer_update.allowed_updates == ["email", "name", "address", "phone", "tax_id"]
    assert f.payment_method_update.payment_method_configuration == "pmc_123"
    assert f.subscription_cancel.mode == "immediately"
    assert f.subscription_cancel.cancellation_reason.options == ["too_expensive", "other"]
    assert f.subscription_pause.duration.interval_options[0].interval_count == 1
    su = f.subscription_update
    assert su.products[0].adjustable_quantity.maximum == 20
    assert su.schedule_at_period_end.conditions[0].type == "decreasing_item_amount"
    assert su.trial_update_behavior == "continue_trial" and su.billing_cycle_anchor == "now"
    assert stripe_client.v1.billing_portal.configurations.retrieve(cfg.id).to_dict() == cfg.to_dict()


def test_configuration_update_and_list(stripe_client: stripe.StripeClient, stripe_emulator: Any) -> None:
    cat = _catalog(stripe_client)
    cfg = _config(stripe_client, cat)
    updated = stripe_client.v1.billing_portal.configurations.update(
        cfg.id,
        {
            "active": False,
            "features": {"subscription_cancel": {"mode": "immediately"}, "invoice_history": {"enabled": False}},
            "metadata": {"a": "1"},
        },
    )
    assert updated.active is False
    assert updated.features.subscription_cancel.mode == "immediately"
    assert updated.features.subscription_cancel.cancellation_reason.options == ["too_expensive", "unused", "other"]
    assert updated.features.invoice_history.enabled is False
    assert updated.metadata.to_dict() == {"a": "1"}
    assert [c.id for c in stripe_client.v1.billing_portal.configurations.list({"active": False}).data] == [cfg.id]
    assert stripe_client.v1.billing_portal.configurations.list({"active": True}).data == []
    types = [e.type for e in stripe_client.v1.events.list().data]
    assert "billing_portal.configuration.updated" in types and "billing_portal.configuration.created" in types
    # an inactive configuration cannot back a session
    cus = stripe_client.v1.customers.create({})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.billing_portal.sessions.create({"customer": cus.id, "configuration": cfg.id})
    assert exc.value.param == "configuration"


@pytest.mark.parametrize(
    ("features", "param"),
    [
        (
            {"subscription_cancel": {"enabled": True, "cancellation_reason": {"enabled": True, "options": []}}},
            "features[subscription_cancel][cancellation_reason][options]",
        ),
        ({"subscription_cancel": {"mode": "sometimes"}}, "features[subscription_cancel][mode]"),
        ({"bogus": {"enabled": True}}, "features[bogus]"),
    ],
)
def test_configuration_validation(stripe_client: stripe.StripeClient, features: dict[str, Any], param: str) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.billing_portal.configurations.create({"features": features})
    assert exc.value.param == param


def test_configuration_product_price_must_match(stripe_client: stripe.StripeClient) -> None:
    cat = _catalog(stripe_client)
    other = stripe_client.v1.products.create({"name": "Other"})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.billing_portal.configurations.create(
            {
                "features": {
                    "subscription_update": {
                        "enabled": True,
                        "default_allowed_updates": ["price"],
                        "products": [{"product": other.id, "prices": [cat["monthly"].id]}],
                    }
                }
            }
        )
    assert exc.value.param == "features[subscription_update][products][0][prices]"


# --- sessions ----------------------------------------------------------------------------------------------


def test_session_without_flow_uses_default_configuration(
    stripe_client: stripe.StripeClient, stripe_emulator: Any
) -> None:
    cus = stripe_client.v1.customers.create({"email": "a@example.com"})
    s = stripe_client.v1.billing_portal.sessions.create({"customer": cus.id, "return_url": "https://app.example/b"})
    assert s.object == "billing_portal.session" and s.flow is None
    assert s.url == f"{stripe_emulator.api_base}/portal/session/{s.id}"
    default = stripe_client.v1.billing_portal.configurations.retrieve(s.configuration)
    assert default.is_default is True
    status, html, headers = _http(stripe_emulator.api_base, "GET", f"/portal/session/{s.id}")
    assert status == 200 and "Manage your subscription" in html
    assert headers["cache-control"] == "no-store"
    assert "https://app.example/b" in html


@pytest.mark.parametrize(("locale", "stored"), [("de", "de"), ("ja", "ja"), ("es-419", "es-419"), ("auto", None)])
def test_session_locale_is_one_of_the_sdks_enum(
    stripe_client: stripe.StripeClient, locale: str, stored: str | None
) -> None:
    # stripe-python 16 params/billing_portal/_session_create_params.py: locale is 'auto' or one of the listed tags;
    # "If blank or auto, the customer's preferred_locales or browser's locale is used."
    cus = stripe_client.v1.customers.create({})
    s = stripe_client.v1.billing_portal.sessions.create({"customer": cus.id, "locale": locale})
    assert s.locale == stored


@pytest.mark.parametrize("locale", ["de-DE", "xx", "EN"])
def test_session_locale_outside_the_enum_is_refused(stripe_client: stripe.StripeClient, locale: str) -> None:
    cus = stripe_client.v1.customers.create({})
    with pytest.raises(stripe.InvalidRequestError) as err:
        stripe_client.v1.billing_portal.sessions.create({"customer": cus.id, "locale": locale})
    assert err.value.param == "locale"


def test_session_url_expires_after_five_minutes(stripe_client: stripe.StripeClient, stripe_emulator: Any) -> None:
    cus = stripe_client.v1.customers.create({})
    s = stripe_client.v1.billing_portal.sessions.create({"customer": cus.id, "return_url": "https://app.example/b"})
    stripe_emulator.backend.objects[s.id]["_url_expires_at"] -= 301
    status, html, _ = _http(stripe_emulator.api_base, "GET", f"/portal/session/{s.id}")
    assert status == 410 and "expired" in html


def test_flow_validation(stripe_client: stripe.StripeClient) -> None:
    cat = _catalog(stripe_client)
    cfg = _config(stripe_client, cat)
    cus, sub = _subscriber(stripe_client, cat)
    stranger = stripe_client.v1.customers.create({})
    create = stripe_client.v1.billing_portal.sessions.create

    def err(params: dict[str, Any]) -> stripe.InvalidRequestError:
        with pytest.raises(stripe.InvalidRequestError) as exc:
            create({"configuration": cfg.id, **params})
        return exc.value

    e = err(
        {
            "customer": stranger.id,
            "flow_data": {"type": "subscription_cancel", "subscription_cancel": {"subscription": sub.id}},
        }
    )
    assert e.param == "flow_data[subscription_cancel][subscription]"
    e = err(
        {
            "customer": cus.id,
            "flow_data": {
                "type": "subscription_update_confirm",
                "subscription_update_confirm": {
                    "subscription": sub.id,
                    "items": [
                        {"id": sub["items"].data[0].id, "price": cat["pro"].id},
                        {"id": sub["items"].data[0].id, "quantity": 2},
                    ],
                },
            },
        }
    )
    assert e.param == "flow_data[subscription_update_confirm][items]"
    e = err(
        {"customer": cus.id, "flow_data": {"type": "payment_method_update", "after_completion": {"type": "redirect"}}}
    )
    assert e.param == "flow_data[after_completion][redirect][return_url]"
    e = err({"customer": cus.id, "flow_data": {"type": "subscription_update"}})
    assert e.param == "flow_data[subscription_update][subscription]"
    e = err({"customer": cus.id, "flow_data": {"type": "teleport"}})
    assert e.param == "flow_data[type]"
    stripe_client.v1.subscriptions.cancel(sub.id)
    e = err(
        {
            "customer": cus.id,
            "flow_data": {"type": "subscription_cancel", "subscription_cancel": {"subscription": sub.id}},
        }
    )
    assert "status" in str(e.user_message)


def _portal(stripe_client: stripe.StripeClient, cfg: Any, cus: Any, flow_data: dict[str, Any]) -> Any:
    return stripe_client.v1.billing_portal.sessions.create(
        {
            "customer": cus.id,
            "configuration": cfg.id,
            "return_url": "https://app.example/billing",
            "flow_data": flow_data,
        }
    )


def test_cancel_flow_with_reason_redirects(stripe_client: stripe.StripeClient, stripe_emulator: Any) -> None:
    cat = _catalog(stripe_client)
    cfg = _config(stripe_client, cat)
    cus, sub = _subscriber(stripe_client, cat)
    s = _portal(
        stripe_client,
        cfg,
        cus,
        {
            "type": "subscription_cancel",
            "subscription_cancel": {"subscription": sub.id},
            "after_completion": {"type": "redirect", "redirect": {"return_url": "https://app.example/billing?done=1"}},
        },
    )
    assert s.flow.type == "subscription_cancel" and s.flow.subscription_cancel.subscription == sub.id
    status, html, _ = _http(stripe_emulator.api_base, "GET", f"/portal/session/{s.id}")
    assert status == 200 and "It&#x27;s too expensive" in html and "I don&#x27;t use the service enough" in html
    status, html, _ = _http(
        stripe_emulator.api_base,
        "POST",
        f"/portal/session/{s.id}",
        {"action": "cancel", "reason": "missing_features", "comment": "x"},
    )
    assert status == 400 and "listed reasons" in html  # not one of the configuration's options
    status, _, headers = _http(
        stripe_emulator.api_base,
        "POST",
        f"/portal/session/{s.id}",
        {"action": "cancel", "reason": "too_expensive", "comment": "<b>pricey</b>"},
    )
    assert status == 303 and headers["location"] == "https://app.example/billing?done=1"
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after.cancel_at_period_end is True
    assert after.cancellation_details.feedback == "too_expensive"
    assert after.cancellation_details.comment == "<b>pricey</b>"
    events = stripe_client.v1.events.list({"type": "customer.subscription.updated"}).data
    assert events and events[0].data.object.id == sub.id


def test_cancel_flow_retention_coupon_accepted(stripe_client: stripe.StripeClient, stripe_emulator: Any) -> None:
    cat = _catalog(stripe_client)
    cfg = _config(stripe_client, cat)
    cus, sub = _subscriber(stripe_client, cat)
    coupon = stripe_client.v1.coupons.create({"percent_off": 50, "duration": "repeating", "duration_in_months": 3})
    s = _portal(
        stripe_client,
        cfg,
        cus,
        {
            "type": "subscription_cancel",
            "subscription_cancel": {
                "subscription": sub.id,
                "retention": {"type": "coupon_offer", "coupon_offer": {"coupon": coupon.id}},
            },
            "after_completion": {"type": "hosted_confirmation", "hosted_confirmation": {"custom_message": "Thanks <3"}},
        },
    )
    status, html, _ = _http(stripe_emulator.api_base, "GET", f"/portal/session/{s.id}")
    assert "Stay and get 50% off (for 3 months)" in html and "Accept offer" in html
    status, html, _ = _http(stripe_emulator.api_base, "POST", f"/portal/session/{s.id}", {"action": "accept_offer"})
    assert status == 200 and "Thanks &lt;3" in html and "https://app.example/billing" in html
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after.cancel_at_period_end is False
    assert [d.coupon.id if hasattr(d, "coupon") else d for d in after.discounts]  # a discount is applied


def test_update_flow_switches_price(stripe_client: stripe.StripeClient, stripe_emulator: Any) -> None:
    cat = _catalog(stripe_client)
    cfg = _config(stripe_client, cat)
    cus, sub = _subscriber(stripe_client, cat)
    s = _portal(
        stripe_client,
        cfg,
        cus,
        {"type": "subscription_update", "subscription_update": {"subscription": sub.id}},
    )
    status, html, _ = _http(stripe_emulator.api_base, "GET", f"/portal/session/{s.id}")
    assert cat["pro"].id in html and "(current)" in html
    status, html, _ = _http(
        stripe_emulator.api_base, "POST", f"/portal/session/{s.id}", {"action": "switch_price", "price": "price_nope"}
    )
    assert status == 400
    status, _, headers = _http(
        stripe_emulator.api_base, "POST", f"/portal/session/{s.id}", {"action": "switch_price", "price": cat["pro"].id}
    )
    assert status == 303 and headers["location"] == f"/portal/session/{s.id}"  # default: portal_homepage
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after["items"].data[0].price.id == cat["pro"].id


def test_update_confirm_flow(stripe_client: stripe.StripeClient, stripe_emulator: Any) -> None:
    cat = _catalog(stripe_client)
    cfg = _config(stripe_client, cat)
    cus, sub = _subscriber(stripe_client, cat)
    item = sub["items"].data[0]
    s = _portal(
        stripe_client,
        cfg,
        cus,
        {
            "type": "subscription_update_confirm",
            "subscription_update_confirm": {
                "subscription": sub.id,
                "items": [{"id": item.id, "price": cat["pro"].id, "quantity": 3}],
            },
            "after_completion": {"type": "redirect", "redirect": {"return_url": "https://app.example/ok"}},
        },
    )
    assert s.flow.subscription_update_confirm["items"][0].quantity == 3
    status, html, _ = _http(stripe_emulator.api_base, "GET", f"/portal/session/{s.id}")
    assert "Confirm your new plan" in html and "30.00 USD per month × 3" in html
    status, _, headers = _http(
        stripe_emulator.api_base, "POST", f"/portal/session/{s.id}", {"action": "confirm_update"}
    )
    assert status == 303 and headers["location"] == "https://app.example/ok"
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after["items"].data[0].price.id == cat["pro"].id and after["items"].data[0].quantity == 3


def test_payment_method_update_flow(stripe_client: stripe.StripeClient, stripe_emulator: Any) -> None:
    cat = _catalog(stripe_client)
    cfg = _config(stripe_client, cat)
    cus, _sub = _subscriber(stripe_client, cat)
    s = _portal(
        stripe_client,
        cfg,
        cus,
        {
            "type": "payment_method_update",
            "after_completion": {"type": "redirect", "redirect": {"return_url": "https://app.example/pm"}},
        },
    )
    status, html, _ = _http(stripe_emulator.api_base, "GET", f"/portal/session/{s.id}")
    assert "Visa 4242 (succeeds)" in html
    status, html, _ = _http(
        stripe_emulator.api_base,
        "POST",
        f"/portal/session/{s.id}",
        {"action": "update_payment_method", "card": "pm_card_chargeDeclined"},
    )
    assert status == 402 and "declined" in html
    status, _, headers = _http(
        stripe_emulator.api_base,
        "POST",
        f"/portal/session/{s.id}",
        {"action": "update_payment_method", "card": "pm_card_mastercard"},
    )
    assert status == 303 and headers["location"] == "https://app.example/pm"
    cus_after = stripe_client.v1.customers.retrieve(cus.id)
    pm = stripe_client.v1.payment_methods.retrieve(cus_after.invoice_settings.default_payment_method)
    assert pm.card.brand == "mastercard"


def test_portal_page_escapes_html(stripe_client: stripe.StripeClient, stripe_emulator: Any) -> None:
    prod = stripe_client.v1.products.create({"name": "<script>alert(1)</script>"})
    price = stripe_client.v1.prices.create(
        {"product": prod.id, "currency": "usd", "unit_amount": 500, "recurring": {"interval": "month"}}
    )
    cus, _ = _subscriber(stripe_client, {"monthly": price})
    s = stripe_client.v1.billing_portal.sessions.create(
        {"customer": cus.id, "return_url": "https://app.example/b?a=1&b=<x>"}
    )
    _, html, _ = _http(stripe_emulator.api_base, "GET", f"/portal/session/{s.id}")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "b=&lt;x&gt;" in html


# --- schedule_at_period_end ------------------------------------------------------------------------------------
DOWNGRADES_AT_PERIOD_END = {"conditions": [{"type": "decreasing_item_amount"}, {"type": "shortening_interval"}]}


def _clock_subscriber(client: stripe.StripeClient, price_id: str, quantity: int = 1) -> tuple[Any, Any, Any]:
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": 1767225600})
    cus = client.v1.customers.create(
        {"email": "s@example.com", "payment_method": "pm_card_visa", "test_clock": clock.id}
    )
    pm = client.v1.payment_methods.list({"customer": cus.id, "type": "card"}).data[0]
    sub = client.v1.subscriptions.create(
        {"customer": cus.id, "items": [{"price": price_id, "quantity": quantity}], "default_payment_method": pm.id}
    )
    return clock, cus, sub


def _scheduled_config(client: stripe.StripeClient, cat: dict[str, Any], *price_ids: str, conditions: Any) -> Any:
    return _config(
        client,
        cat,
        subscription_update={
            "enabled": True,
            "default_allowed_updates": ["price", "quantity"],
            "proration_behavior": "create_prorations",
            "products": [{"product": cat["product"].id, "prices": list(price_ids)}],
            "schedule_at_period_end": conditions,
        },
    )


def test_a_downgrade_matching_decreasing_item_amount_is_scheduled_at_period_end(
    stripe_client: stripe.StripeClient, stripe_emulator: Any
) -> None:
    cat = _catalog(stripe_client)
    cfg = _scheduled_config(stripe_client, cat, cat["monthly"].id, cat["pro"].id, conditions=DOWNGRADES_AT_PERIOD_END)
    clock, cus, sub = _clock_subscriber(stripe_client, cat["pro"].id)
    item = sub["items"].data[0]
    s = _portal(
        stripe_client, cfg, cus, {"type": "subscription_update", "subscription_update": {"subscription": sub.id}}
    )
    status, _, headers = _http(
        stripe_emulator.api_base,
        "POST",
        f"/portal/session/{s.id}",
        {"action": "switch_price", "price": cat["monthly"].id, "item": item.id},
    )
    assert status == 303
    _, home, _ = _http(stripe_emulator.api_base, "GET", headers["location"])
    assert "Your plan will change on" in home
    now = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert now["items"].data[0].price.id == cat["pro"].id  # unchanged until the period ends
    assert stripe_client.v1.invoices.list({"subscription": sub.id}).data[0].id == sub.latest_invoice  # no proration
    sched = stripe_client.v1.subscription_schedules.retrieve(now.schedule)
    assert sched.subscription == sub.id and sched.end_behavior == "release"
    assert [(p["items"][0].price, p.end_date) for p in sched.phases] == [
        (cat["pro"].id, item.current_period_end),
        (cat["monthly"].id, None),
    ]
    advance_clock(stripe_client, clock.id, item.current_period_end + 3600)
    later = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert later["items"].data[0].price.id == cat["monthly"].id


def test_an_upgrade_is_applied_now_even_with_conditions(
    stripe_client: stripe.StripeClient, stripe_emulator: Any
) -> None:
    cat = _catalog(stripe_client)
    cfg = _scheduled_config(stripe_client, cat, cat["monthly"].id, cat["pro"].id, conditions=DOWNGRADES_AT_PERIOD_END)
    _, cus, sub = _clock_subscriber(stripe_client, cat["monthly"].id)
    s = _portal(
        stripe_client, cfg, cus, {"type": "subscription_update", "subscription_update": {"subscription": sub.id}}
    )
    status, _, _ = _http(
        stripe_emulator.api_base, "POST", f"/portal/session/{s.id}", {"action": "switch_price", "price": cat["pro"].id}
    )
    assert status == 303
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after["items"].data[0].price.id == cat["pro"].id and after.schedule is None


def test_fewer_seats_without_conditions_are_applied_now(
    stripe_client: stripe.StripeClient, stripe_emulator: Any
) -> None:
    cat = _catalog(stripe_client)
    cfg = _scheduled_config(stripe_client, cat, cat["monthly"].id, cat["pro"].id, conditions={"conditions": []})
    _, cus, sub = _clock_subscriber(stripe_client, cat["monthly"].id, quantity=5)
    item = sub["items"].data[0]
    s = _portal(
        stripe_client,
        cfg,
        cus,
        {
            "type": "subscription_update_confirm",
            "subscription_update_confirm": {"subscription": sub.id, "items": [{"id": item.id, "quantity": 2}]},
            "after_completion": {"type": "redirect", "redirect": {"return_url": "https://app.example/ok"}},
        },
    )
    status, _, _ = _http(stripe_emulator.api_base, "POST", f"/portal/session/{s.id}", {"action": "confirm_update"})
    assert status == 303
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after["items"].data[0].quantity == 2 and after.schedule is None


def test_a_confirmed_shorter_interval_is_scheduled_at_period_end(
    stripe_client: stripe.StripeClient, stripe_emulator: Any
) -> None:
    cat = _catalog(stripe_client)
    yearly = stripe_client.v1.prices.create(
        {"product": cat["product"].id, "currency": "usd", "unit_amount": 10000, "recurring": {"interval": "year"}}
    )
    cfg = _scheduled_config(
        stripe_client, cat, cat["pro"].id, yearly.id, conditions={"conditions": [{"type": "shortening_interval"}]}
    )
    _, cus, sub = _clock_subscriber(stripe_client, yearly.id)
    item = sub["items"].data[0]
    s = _portal(
        stripe_client,
        cfg,
        cus,
        {
            "type": "subscription_update_confirm",
            "subscription_update_confirm": {"subscription": sub.id, "items": [{"id": item.id, "price": cat["pro"].id}]},
            "after_completion": {"type": "redirect", "redirect": {"return_url": "https://app.example/ok"}},
        },
    )
    status, _, headers = _http(
        stripe_emulator.api_base, "POST", f"/portal/session/{s.id}", {"action": "confirm_update"}
    )
    assert status == 303 and headers["location"] == "https://app.example/ok"
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after["items"].data[0].price.id == yearly.id
    sched = stripe_client.v1.subscription_schedules.retrieve(after.schedule)
    assert [p["items"][0].price for p in sched.phases] == [yearly.id, cat["pro"].id]
    assert sched.phases[0].end_date == item.current_period_end
