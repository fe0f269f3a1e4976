# mypy: disable-error-code="union-attr,index,arg-type,typeddict-item"
# (stripe-python types every field as Optional and expandable; these tests read them from known responses)
"""Checkout sessions in subscription mode: create, retrieve, list, expire, line items, the hosted page and the
completion test helper."""

from __future__ import annotations

import http.client
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import stripe


def _price(client: stripe.StripeClient, amount: int = 1200) -> Any:
    prod = client.v1.products.create({"name": "Pro"})
    return client.v1.prices.create(
        {"product": prod.id, "currency": "eur", "unit_amount": amount, "recurring": {"interval": "month"}}
    )


def _session(client: stripe.StripeClient, price: Any, **extra: Any) -> Any:
    params = {
        "mode": "subscription",
        "line_items": [{"price": price.id, "quantity": 2}],
        "client_reference_id": "user-42",
        "success_url": "https://app.example/ok?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://app.example/cancel",
        "metadata": {"plan": "pro"},
    }
    params.update(extra)
    return client.v1.checkout.sessions.create(params)


def _http(api_base: str, method: str, path: str, form: dict[str, Any] | None = None) -> tuple[int, str, dict[str, str]]:
    u = urlsplit(api_base)
    conn = http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port, timeout=10)
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}
    conn.request(method, path, body=urlencode(form) if form is not None else None, headers=headers)
    resp = conn.getresponse()
    text = resp.read().decode()
    conn.close()
    return resp.status, text, {k.lower(): v for k, v in resp.getheaders()}


def test_create_retrieve_list(stripe_client: stripe.StripeClient, stripe_emulator: Any) -> None:
    price = _price(stripe_client)
    s = _session(stripe_client, price, customer_email="new@example.com", subscription_data={"trial_period_days": 7})
    assert s.object == "checkout.session" and s.mode == "subscription" and s.status == "open"
    assert s.url == f"{stripe_emulator.api_base}/checkout/{s.id}"
    assert s.amount_subtotal == 2400 and s.amount_total == 0 and s.currency == "eur"  # trial: nothing due today
    assert s.client_reference_id == "user-42" and s.payment_status == "unpaid" and s.customer is None
    assert stripe_client.v1.checkout.sessions.retrieve(s.id).id == s.id
    items = stripe_client.v1.checkout.sessions.line_items.list(s.id)
    assert [(i.price.id, i.quantity, i.amount_total) for i in items.data] == [(price.id, 2, 2400)]
    listed = stripe_client.v1.checkout.sessions.list({"status": "open"})
    assert [x.id for x in listed.data] == [s.id]


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"mode": "payment"}, "mode"),
        ({"line_items": []}, "line_items"),
        ({"customer": "cus_x", "customer_email": "a@example.com"}, "customer_email"),
        ({"subscription_data": {"trial_period_days": 0}}, "subscription_data[trial_period_days]"),
        ({"line_items": [{"price": "price_missing", "quantity": 1}]}, "line_items[0][price]"),
        ({"bogus": "1"}, "bogus"),
    ],
)
def test_create_validation(stripe_client: stripe.StripeClient, extra: dict[str, Any], param: str) -> None:
    price = _price(stripe_client)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        _session(stripe_client, price, **extra)
    assert exc.value.param == param


def test_one_time_price_rejected(stripe_client: stripe.StripeClient) -> None:
    prod = stripe_client.v1.products.create({"name": "Setup fee"})
    once = stripe_client.v1.prices.create({"product": prod.id, "currency": "eur", "unit_amount": 500})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        _session(stripe_client, once)
    assert exc.value.param == "line_items[0][price]"


def test_complete_helper_creates_customer_and_subscription(
    stripe_client: stripe.StripeClient, stripe_emulator: Any
) -> None:
    price = _price(stripe_client)
    s = _session(stripe_client, price, customer_email="buyer@example.com", subscription_data={"metadata": {"a": "b"}})
    status, _, _ = _http(stripe_emulator.api_base, "POST", f"/_emulator/checkout_sessions/{s.id}/complete", {})
    assert status == 200
    done = stripe_client.v1.checkout.sessions.retrieve(s.id, {"expand": ["subscription"]})
    assert done.status == "complete" and done.payment_status == "paid" and done.url is None
    assert done.customer and done.customer_details.email == "buyer@example.com"
    sub = done.subscription
    assert sub.status == "active" and sub.customer == done.customer and sub.metadata.to_dict() == {"a": "b"}
    assert sub["items"].data[0].price.id == price.id and sub["items"].data[0].quantity == 2
    assert sub.default_payment_method
    assert done.invoice == sub.latest_invoice
    events = stripe_client.v1.events.list({"limit": 100}).data
    types = [e.type for e in events]
    completed = next(e for e in events if e.type == "checkout.session.completed")
    assert completed.data.object.client_reference_id == "user-42"
    assert completed.data.object.subscription == sub.id
    for t in ("customer.created", "customer.subscription.created", "invoice.paid"):
        assert t in types, t
    # the session cannot be completed twice
    status, _, _ = _http(stripe_emulator.api_base, "POST", f"/_emulator/checkout_sessions/{s.id}/complete", {})
    assert status == 400


def test_complete_with_existing_customer_and_trial(stripe_client: stripe.StripeClient, stripe_emulator: Any) -> None:
    price = _price(stripe_client)
    cus = stripe_client.v1.customers.create({"email": "known@example.com"})
    s = _session(
        stripe_client,
        price,
        customer=cus.id,
        subscription_data={
            "trial_period_days": 14,
            "trial_settings": {"end_behavior": {"missing_payment_method": "pause"}},
        },
    )
    status, body, _ = _http(
        stripe_emulator.api_base,
        "POST",
        f"/_emulator/checkout_sessions/{s.id}/complete",
        {"payment_method": "pm_card_mastercard"},
    )
    assert status == 200, body
    done = stripe_client.v1.checkout.sessions.retrieve(s.id, {"expand": ["subscription"]})
    assert done.customer == cus.id and done.payment_status == "no_payment_required" and done.amount_total == 0
    assert done.subscription.status == "trialing" and done.subscription.trial_end
    assert done.subscription.trial_settings.end_behavior.missing_payment_method == "pause"
    assert [c.id for c in stripe_client.v1.customers.list().data] == [cus.id]
    pm = stripe_client.v1.payment_methods.retrieve(done.subscription.default_payment_method)
    assert pm.customer == cus.id and pm.card.brand == "mastercard"


def test_card_decline_leaves_session_open(stripe_client: stripe.StripeClient, stripe_emulator: Any) -> None:
    price = _price(stripe_client)
    s = _session(stripe_client, price, customer_email="d@example.com")
    for token, code in (
        ("pm_card_chargeDeclined", "card_declined"),
        ("pm_card_chargeCustomerFail", "card_declined"),
        ("pm_card_authenticationRequired", "authentication_required"),
    ):
        status, body, _ = _http(
            stripe_emulator.api_base, "POST", f"/_emulator/checkout_sessions/{s.id}/complete", {"payment_method": token}
        )
        assert status == 402 and f'"code": "{code}"' in body
    assert stripe_client.v1.checkout.sessions.retrieve(s.id).status == "open"
    assert stripe_client.v1.customers.list().data == []  # Checkout creates nothing when the payment fails
    assert stripe_client.v1.subscriptions.list().data == []


def test_hosted_page_completes_and_redirects(stripe_client: stripe.StripeClient, stripe_emulator: Any) -> None:
    price = _price(stripe_client)
    s = _session(stripe_client, price)
    status, html, headers = _http(stripe_emulator.api_base, "GET", f"/checkout/{s.id}")
    assert status == 200 and headers["cache-control"] == "no-store"
    assert "Visa 4242 (succeeds)" in html and "24.00 EUR" in html and 'type="email"' in html
    status, html, _ = _http(
        stripe_emulator.api_base,
        "POST",
        f"/checkout/{s.id}",
        {"email": "page@example.com", "payment_method": "pm_card_chargeDeclinedInsufficientFunds"},
    )
    assert status == 402 and "insufficient funds" in html
    status, _, headers = _http(
        stripe_emulator.api_base,
        "POST",
        f"/checkout/{s.id}",
        {"email": "page@example.com", "payment_method": "pm_card_visa"},
    )
    assert status == 303 and headers["location"] == f"https://app.example/ok?session_id={s.id}"
    done = stripe_client.v1.checkout.sessions.retrieve(s.id)
    assert done.status == "complete" and done.customer_details.email == "page@example.com"


def test_promotion_code_on_completion(stripe_client: stripe.StripeClient, stripe_emulator: Any) -> None:
    price = _price(stripe_client)
    coupon = stripe_client.v1.coupons.create({"percent_off": 25, "duration": "forever"})
    stripe_client.v1.promotion_codes.create({"promotion": {"type": "coupon", "coupon": coupon.id}, "code": "SPRING"})
    s = _session(stripe_client, price, customer_email="p@example.com", allow_promotion_codes=True)
    status, body, _ = _http(
        stripe_emulator.api_base, "POST", f"/_emulator/checkout_sessions/{s.id}/complete", {"promotion_code": "spring"}
    )
    assert status == 200, body
    done = stripe_client.v1.checkout.sessions.retrieve(s.id, {"expand": ["invoice"]})
    assert done.amount_total == 1800 and done.invoice.total == 1800
    assert done.total_details.amount_discount == 600


def test_an_expired_checkout_session_loses_its_url_and_page_and_sends_an_event(
    stripe_client: stripe.StripeClient, stripe_emulator: Any
) -> None:
    price = _price(stripe_client)
    s = _session(stripe_client, price)
    expired = stripe_client.v1.checkout.sessions.expire(s.id)
    assert expired.status == "expired" and expired.url is None
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.checkout.sessions.expire(s.id)
    status, _, _ = _http(stripe_emulator.api_base, "GET", f"/checkout/{s.id}")
    assert status == 410
    assert stripe_client.v1.events.list({"type": "checkout.session.expired"}).data[0].data.object.id == s.id


@pytest.mark.parametrize(("sent", "mode"), [(None, "flexible"), ({"type": "classic"}, "classic")])
def test_checkout_subscription_billing_mode(
    stripe_client: stripe.StripeClient, stripe_emulator: Any, sent: Any, mode: str
) -> None:
    """A Checkout Session without `subscription_data.billing_mode` makes a flexible subscription (endive default)."""
    sub_data: dict[str, Any] = {"billing_mode": sent} if sent else {}
    s = _session(stripe_client, _price(stripe_client), customer_email="b@example.com", subscription_data=sub_data)
    status, _, _ = _http(stripe_emulator.api_base, "POST", f"/_emulator/checkout_sessions/{s.id}/complete", {})
    assert status == 200
    done = stripe_client.v1.checkout.sessions.retrieve(s.id, {"expand": ["subscription"]})
    assert done.subscription.billing_mode.type == mode
