"""Stripe's rate limits as an optional emulator mode: budgets per account and per endpoint, the 429, the refill.

Time is a fake clock the test advances (`rate_limits.clock`), so nothing here sleeps or measures time.
"""

from __future__ import annotations

import httpx
import pytest
import stripe
from stripe_emulator import EmulatorServer
from stripe_emulator.rate_limits import ENV_VAR, MESSAGE, RateLimits


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def clock(stripe_emulator: EmulatorServer) -> FakeClock:
    fake = FakeClock()
    stripe_emulator.rate_limits.clock = fake
    return fake


@pytest.fixture
def http(stripe_emulator: EmulatorServer):
    with httpx.Client(base_url=stripe_emulator.api_base, auth=(stripe_emulator.secret_key, "")) as client:
        yield client


def _statuses(http: httpx.Client, n: int, path: str = "/v1/customers", **kw: object) -> list[int]:
    return [http.get(path, **kw).status_code for _ in range(n)]  # type: ignore[arg-type]


def test_off_by_default_never_refuses(stripe_emulator: EmulatorServer, http: httpx.Client) -> None:
    assert stripe_emulator.rate_limits.mode == "off"
    assert set(_statuses(http, 120)) == {200}
    assert stripe_emulator.rate_limits.state()["refused"] == {}


def test_sandbox_allows_25_a_second_on_one_endpoint(
    stripe_emulator: EmulatorServer, clock: FakeClock, http: httpx.Client
) -> None:
    stripe_emulator.rate_limits.set_mode("sandbox")
    assert _statuses(http, 26) == [200] * 25 + [429]


def test_live_endpoint_limit_25_then_global_limit_100(
    stripe_emulator: EmulatorServer, clock: FakeClock, http: httpx.Client
) -> None:
    stripe_emulator.rate_limits.set_mode("live")
    assert _statuses(http, 26, "/v1/customers") == [200] * 25 + [429]
    assert http.get("/v1/customers").headers["Stripe-Rate-Limited-Reason"] == "endpoint-rate"
    # Other endpoints still have their own 25 each, until the account's 100 are spent.
    assert _statuses(http, 25, "/v1/prices") == [200] * 25
    assert _statuses(http, 25, "/v1/products") == [200] * 25
    assert _statuses(http, 25, "/v1/subscriptions") == [200] * 25
    refused = http.get("/v1/invoices")
    assert refused.status_code == 429 and refused.headers["Stripe-Rate-Limited-Reason"] == "global-rate"


def test_the_429_has_stripes_shape(stripe_emulator: EmulatorServer, clock: FakeClock, http: httpx.Client) -> None:
    stripe_emulator.rate_limits.configure({"mode": "sandbox", "endpoint_per_s": 1})
    assert http.get("/v1/customers").status_code == 200
    resp = http.get("/v1/customers")
    assert resp.status_code == 429
    error = resp.json()["error"]
    assert error["type"] == "invalid_request_error" and error["code"] == "rate_limit"
    assert error["message"] == MESSAGE and error["doc_url"].endswith("/rate-limit")
    assert resp.headers["Stripe-Rate-Limited-Reason"] == "endpoint-rate" and resp.headers["Request-Id"]
    assert "Retry-After" not in resp.headers and "Stripe-Should-Retry" not in resp.headers


def test_stripe_python_sees_a_rate_limit_error_and_does_not_retry_it(
    stripe_emulator: EmulatorServer, clock: FakeClock
) -> None:
    stripe_emulator.rate_limits.configure({"mode": "sandbox", "endpoint_per_s": 1})
    client = stripe.StripeClient(
        stripe_emulator.secret_key, base_addresses={"api": stripe_emulator.api_base}, max_network_retries=3
    )
    client.v1.customers.list()
    with pytest.raises(stripe.RateLimitError) as exc:
        client.v1.customers.list()
    assert exc.value.http_status == 429 and exc.value.error is not None and exc.value.error.code == "rate_limit"
    assert stripe_emulator.rate_limits.state()["refused"] == {"endpoint-rate": 1}


@pytest.mark.parametrize("should_retry", [True, False])
def test_should_retry_header_can_be_chosen(
    stripe_emulator: EmulatorServer, clock: FakeClock, http: httpx.Client, should_retry: bool
) -> None:
    stripe_emulator.rate_limits.configure({"mode": "sandbox", "global_per_s": 1, "should_retry": should_retry})
    http.get("/v1/customers")
    resp = http.get("/v1/prices")
    assert resp.headers["Stripe-Rate-Limited-Reason"] == "global-rate"
    assert resp.headers["Stripe-Should-Retry"] == str(should_retry).lower()


def test_an_endpoint_is_the_route_template_not_the_object(
    stripe_emulator: EmulatorServer, clock: FakeClock, http: httpx.Client
) -> None:
    ids = [http.post("/v1/customers", data={"name": f"c{i}"}).json()["id"] for i in range(3)]
    stripe_emulator.rate_limits.configure({"mode": "live", "endpoint_per_s": 2})
    assert [http.get(f"/v1/customers/{i}").status_code for i in ids] == [200, 200, 429]
    assert http.get("/v1/customers").status_code == 200  # another endpoint, its own budget


def test_budgets_are_per_account(stripe_emulator: EmulatorServer, clock: FakeClock, http: httpx.Client) -> None:
    stripe_emulator.rate_limits.configure({"mode": "live", "global_per_s": 2})
    a, b = {"Stripe-Account": "acct_a"}, {"Stripe-Account": "acct_b"}
    assert _statuses(http, 3, headers=a) == [200, 200, 429]
    assert _statuses(http, 2, headers=b) == [200, 200]
    assert _statuses(http, 2) == [200, 200]  # the platform account itself


def test_search_has_the_stricter_limit(stripe_emulator: EmulatorServer, clock: FakeClock, http: httpx.Client) -> None:
    stripe_emulator.rate_limits.set_mode("live")
    params = {"query": "email:'a@example.com'"}
    assert _statuses(http, 21, "/v1/customers/search", params=params) == [200] * 20 + [429]
    resp = http.get("/v1/customers/search", params=params)
    assert resp.headers["Stripe-Rate-Limited-Reason"] == "resource-specific"
    assert http.get("/v1/customers").status_code == 200


def test_reads_and_writes_share_the_account_budget(
    stripe_emulator: EmulatorServer, clock: FakeClock, http: httpx.Client
) -> None:
    stripe_emulator.rate_limits.configure({"mode": "live", "global_per_s": 3})
    assert _statuses(http, 2) == [200, 200]
    assert http.post("/v1/customers", data={"name": "w"}).status_code == 200
    refused = http.post("/v1/customers", data={"name": "x"})
    assert refused.status_code == 429 and refused.headers["Stripe-Rate-Limited-Reason"] == "global-rate"


def test_the_bucket_refills_with_the_clock(
    stripe_emulator: EmulatorServer, clock: FakeClock, http: httpx.Client
) -> None:
    stripe_emulator.rate_limits.configure({"mode": "sandbox", "global_per_s": 5, "endpoint_per_s": 5})
    assert _statuses(http, 6) == [200] * 5 + [429]
    clock.advance(0.2)  # one fifth of a second buys one request
    assert _statuses(http, 2) == [200, 429]
    clock.advance(10)  # a long pause refills to one second's worth, no more
    assert _statuses(http, 6) == [200] * 5 + [429]


def test_a_refused_write_changes_nothing_and_its_idempotency_key_stays_free(
    stripe_emulator: EmulatorServer, clock: FakeClock, http: httpx.Client
) -> None:
    stripe_emulator.rate_limits.configure({"mode": "live", "global_per_s": 1})
    headers = {"Idempotency-Key": "create-ada"}
    assert http.get("/v1/customers").status_code == 200
    refused = http.post("/v1/customers", data={"name": "Ada"}, headers=headers)
    assert refused.status_code == 429
    clock.advance(1)
    assert http.get("/v1/customers").json()["data"] == []
    clock.advance(1)
    created = http.post("/v1/customers", data={"name": "Ada"}, headers=headers)
    assert created.status_code == 200 and "Idempotent-Replayed" not in created.headers
    clock.advance(1)
    assert [c["name"] for c in http.get("/v1/customers").json()["data"]] == ["Ada"]


def test_refused_requests_spend_no_budget(
    stripe_emulator: EmulatorServer, clock: FakeClock, http: httpx.Client
) -> None:
    stripe_emulator.rate_limits.configure({"mode": "live", "global_per_s": 3, "endpoint_per_s": 1})
    assert _statuses(http, 5, "/v1/customers") == [200, 429, 429, 429, 429]
    assert _statuses(http, 2, "/v1/prices") == [200] + [429]
    assert http.get("/v1/products").status_code == 200


def test_control_endpoint_switches_and_reports(stripe_emulator: EmulatorServer, clock: FakeClock) -> None:
    control = httpx.Client(base_url=stripe_emulator.api_base)
    state = control.post(
        "/_emulator/rate_limits", json={"mode": "sandbox", "overrides": {"GET /v1/customers/{customer}": 1}}
    ).json()
    assert state["mode"] == "sandbox" and state["global_per_s"] == 25
    assert state["overrides"]["GET /v1/customers/{customer}"] == 1
    api = httpx.Client(base_url=stripe_emulator.api_base, auth=(stripe_emulator.secret_key, ""))
    assert [api.get("/v1/customers/cus_missing").status_code for _ in range(2)] == [404, 429]
    assert control.get("/_emulator/rate_limits").json()["refused"] == {"resource-specific": 1}
    bad = control.post("/_emulator/rate_limits", json={"mode": "turbo"})
    assert bad.status_code == 400 and "turbo" in bad.json()["error"]["message"]
    assert control.post("/_emulator/rate_limits", json={"global_per_s": 0}).status_code == 400
    off = control.post("/_emulator/rate_limits", json={"reset": True}).json()
    assert off["mode"] == "off" and off["refused"] == {}
    control.close()
    api.close()


def test_control_endpoints_are_never_limited(stripe_emulator: EmulatorServer, clock: FakeClock) -> None:
    stripe_emulator.rate_limits.configure({"mode": "live", "global_per_s": 1})
    with httpx.Client(base_url=stripe_emulator.api_base) as control:
        assert {control.get("/_emulator/rate_limits").status_code for _ in range(5)} == {200}


def test_the_process_default_comes_from_the_environment() -> None:
    assert RateLimits.from_env({}).mode == "off"
    live = RateLimits.from_env({ENV_VAR: "live"})
    assert (live.mode, live.global_per_s, live.endpoint_per_s) == ("live", 100, 25)
    sandbox = RateLimits.from_env({ENV_VAR: "Sandbox"})
    assert (sandbox.mode, sandbox.global_per_s) == ("sandbox", 25)
    sandbox.set_mode("off")
    sandbox.reset()
    assert sandbox.mode == "sandbox"  # a test's reset returns to the process default, not to off
    with pytest.raises(ValueError, match=ENV_VAR):
        RateLimits.from_env({ENV_VAR: "fast"})


def test_a_server_started_with_the_variable_limits_from_the_first_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "sandbox")
    with EmulatorServer(0) as em:
        em.rate_limits.clock = FakeClock()
        with httpx.Client(base_url=em.api_base, auth=(em.secret_key, "")) as http:
            assert _statuses(http, 26) == [200] * 25 + [429]
