"""The framework's wire behaviour, observed over HTTP and through stripe-python."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
import stripe
from stripe_emulator import EmulatorServer
from stripe_emulator.wire import decode_form


def test_decode_form_nesting_and_arrays() -> None:
    got = decode_form("a[b][c]=1&l[]=x&l[]=y&items[0][price]=p1&items[1][price]=p2&items[1][quantity]=2&e=")
    assert got == {
        "a": {"b": {"c": "1"}},
        "l": ["x", "y"],
        "items": [{"price": "p1"}, {"price": "p2", "quantity": "2"}],
        "e": "",
    }


def _auth(em: EmulatorServer, key: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key or em.secret_key}"}


def test_unknown_params_rejected_at_nested_depth(stripe_emulator: EmulatorServer) -> None:
    r = httpx.post(
        f"{stripe_emulator.api_base}/v1/customers", headers=_auth(stripe_emulator), data={"address[planet]": "Mars"}
    )
    err = r.json()["error"]
    assert r.status_code == 400 and err["code"] == "parameter_unknown" and err["param"] == "address[planet]"
    assert err["message"] == "Received unknown parameter: address[planet]"
    assert r.headers["Request-Id"].startswith("req_")


def test_expand_nested_paths(stripe_client: stripe.StripeClient) -> None:
    cus = stripe_client.v1.customers.create(params={"payment_method": "pm_card_visa"})
    pm_id = stripe_client.v1.customers.payment_methods.list(cus.id).data[0].id
    stripe_client.v1.customers.update(cus.id, params={"invoice_settings": {"default_payment_method": pm_id}})
    si = stripe_client.v1.setup_intents.create(params={"customer": cus.id, "payment_method": pm_id})
    got = stripe_client.v1.setup_intents.retrieve(
        si.id, params={"expand": ["customer.invoice_settings.default_payment_method"]}
    )
    assert isinstance(got.customer, stripe.Customer)
    dpm = got.customer.invoice_settings.default_payment_method
    assert isinstance(dpm, stripe.PaymentMethod) and dpm.id == pm_id
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.setup_intents.retrieve(si.id, params={"expand": ["nope"]})


def test_pagination_both_directions(stripe_client: stripe.StripeClient) -> None:
    ids = [stripe_client.v1.products.create(params={"name": f"p{i}"}).id for i in range(5)][::-1]  # newest first
    first = stripe_client.v1.products.list(params={"limit": 2})
    assert [p.id for p in first.data] == ids[:2] and first.has_more and first.url == "/v1/products"
    nxt = stripe_client.v1.products.list(params={"limit": 2, "starting_after": ids[1]})
    assert [p.id for p in nxt.data] == ids[2:4] and nxt.has_more
    last = stripe_client.v1.products.list(params={"limit": 2, "starting_after": ids[3]})
    assert [p.id for p in last.data] == ids[4:] and not last.has_more
    back = stripe_client.v1.products.list(params={"limit": 2, "ending_before": ids[4]})
    assert [p.id for p in back.data] == ids[2:4] and back.has_more
    top = stripe_client.v1.products.list(params={"limit": 2, "ending_before": ids[2]})
    assert [p.id for p in top.data] == ids[:2] and not top.has_more
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.products.list(params={"limit": 101})


def test_idempotency_replay_and_mismatch(stripe_emulator: EmulatorServer) -> None:
    url = f"{stripe_emulator.api_base}/v1/customers"
    headers = _auth(stripe_emulator) | {"Idempotency-Key": "k-1"}
    a = httpx.post(url, headers=headers, data={"email": "i@x.test"})
    b = httpx.post(url, headers=headers, data={"email": "i@x.test"})
    assert a.status_code == b.status_code == 200 and a.json()["id"] == b.json()["id"]
    assert b.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in a.headers
    c = httpx.post(url, headers=headers, data={"email": "other@x.test"})
    assert c.status_code == 400 and c.json()["error"]["type"] == "idempotency_error"


def test_idempotency_mismatch_through_stripe_python(stripe_client: stripe.StripeClient) -> None:
    stripe_client.v1.customers.create(params={"email": "a@x.test"}, options={"idempotency_key": "k-2"})
    with pytest.raises(stripe.IdempotencyError):
        stripe_client.v1.customers.create(params={"email": "b@x.test"}, options={"idempotency_key": "k-2"})


def test_concurrent_same_key_gets_409(stripe_emulator: EmulatorServer) -> None:
    stripe_emulator.faults.set_latency(300)
    url = f"{stripe_emulator.api_base}/v1/customers"
    headers = _auth(stripe_emulator) | {"Idempotency-Key": "k-3"}
    results: list[int] = []

    def call() -> None:
        results.append(httpx.post(url, headers=headers, data={"email": "c@x.test"}).status_code)

    t = threading.Thread(target=call)
    t.start()
    time.sleep(0.05)
    stripe_emulator.faults.set_latency(0)
    # The first request holds the key (in flight, sleeping in the latency injection, before dispatch) ...
    second = httpx.post(url, headers=headers, data={"email": "c@x.test"})
    t.join()
    assert sorted([second.status_code, *results]) in ([200, 200], [200, 409])


def test_auth_errors(stripe_emulator: EmulatorServer) -> None:
    url = f"{stripe_emulator.api_base}/v1/customers"
    missing = httpx.get(url)
    assert missing.status_code == 401 and "API key" in missing.json()["error"]["message"]
    wrong = httpx.get(url, headers=_auth(stripe_emulator, "sk_test_wrong_000000000000"))
    assert wrong.status_code == 401 and "Invalid API Key" in wrong.json()["error"]["message"]
    pk = httpx.get(url, headers=_auth(stripe_emulator, stripe_emulator.publishable_key))
    assert pk.status_code == 401 and "publishable" in pk.json()["error"]["message"]
    bad = stripe.StripeClient("sk_test_nope_00000000", base_addresses={"api": stripe_emulator.api_base})
    with pytest.raises(stripe.AuthenticationError):
        bad.v1.customers.list()


def test_unknown_route_is_404(stripe_emulator: EmulatorServer) -> None:
    r = httpx.get(f"{stripe_emulator.api_base}/v1/nothing_here", headers=_auth(stripe_emulator))
    assert r.status_code == 404 and r.json()["error"]["type"] == "invalid_request_error"


def test_control_reset_empties_the_account(stripe_emulator: EmulatorServer, stripe_client: stripe.StripeClient) -> None:
    stripe_client.v1.customers.create(params={})
    assert httpx.post(f"{stripe_emulator.api_base}/_emulator/reset").json() == {"reset": True}
    assert stripe_client.v1.customers.list().data == []


def test_enum_parameter_outside_its_values_is_refused(stripe_emulator: EmulatorServer) -> None:
    """`Literal[...]|str` in stripe-python is an open enum for the client; Stripe's server refuses other values."""
    r = httpx.post(
        f"{stripe_emulator.api_base}/v1/customers",
        headers=_auth(stripe_emulator),
        data={"tax_exempt": "sometimes"},
    )
    err = r.json()["error"]
    assert r.status_code == 400 and err["type"] == "invalid_request_error" and err["param"] == "tax_exempt"
    assert err["message"] == "Invalid tax_exempt: must be one of exempt, none, or reverse"
    assert not stripe_emulator.backend.all("customer")


def test_nested_enum_parameter_is_checked_and_named_by_its_full_path(stripe_client: stripe.StripeClient) -> None:
    prod = stripe_client.v1.products.create(params={"name": "Seat"})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.prices.create(
            params={
                "product": prod.id,
                "currency": "usd",
                "unit_amount": 500,
                "recurring": {"interval": "fortnight"},
            }
        )
    assert exc.value.param == "recurring[interval]"
    assert exc.value.user_message == "Invalid recurring[interval]: must be one of day, month, week, or year"
    ok = stripe_client.v1.prices.create(
        params={"product": prod.id, "currency": "usd", "unit_amount": 500, "recurring": {"interval": "month"}}
    )
    assert ok.recurring is not None and ok.recurring.interval == "month"


def test_enum_with_two_values_and_an_open_string_parameter(stripe_emulator: EmulatorServer) -> None:
    r = httpx.post(
        f"{stripe_emulator.api_base}/v1/billing_portal/configurations",
        headers=_auth(stripe_emulator),
        data={
            "features[subscription_cancel][enabled]": "true",
            "features[subscription_cancel][mode]": "later",
        },
    )
    err = r.json()["error"]
    assert r.status_code == 400 and err["param"] == "features[subscription_cancel][mode]"
    assert err["message"] == "Invalid features[subscription_cancel][mode]: must be one of at_period_end or immediately"
    # `business_name` is `Literal['']|str`: any text, or blank to unset, is fine
    for name in ("Any Name Ltd", ""):
        r = httpx.post(
            f"{stripe_emulator.api_base}/v1/customers", headers=_auth(stripe_emulator), data={"business_name": name}
        )
        assert r.status_code == 200 and r.json()["business_name"] == (name or None)
