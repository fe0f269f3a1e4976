"""E3 against the emulator's rate-limit mode: GET /billing through the real billing_read handler meets Stripe's 429.

The limiter's clock is scripted so that exactly one Stripe request of the page load is refused, whichever it is
(the reads run concurrently): the account budget is 1 request a second, spent by the test before the page loads,
the page's first request arrives in the same instant, and every later request a full second after the previous.
"""

import pytest
from stripe_emulator import EmulatorServer

from tests.helpers import aws as h
from tests.helpers.apigw import http_event, invoke


class OneRefusalClock:
    """Reads 1 and 2 at t0, then one second per read: only the second request finds the budget spent."""

    def __init__(self) -> None:
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        return 1000.0 + max(0, self.reads - 2)


@pytest.fixture
def handler(stripe_env):
    from billing_read.app import handler
    from billing_read.logic import reset_caches

    reset_caches()
    return handler


@pytest.fixture
def customer(stripe_env, stripe_client):
    cus = stripe_client.v1.customers.create(params={"name": "Ada Lovelace", "email": stripe_env.user_email})
    h.put_mapping(stripe_env.user_sub, cus.id)
    return cus


def _limit_to_one_refusal(em: EmulatorServer, should_retry: bool | None, stripe_client) -> None:
    em.rate_limits.configure({"mode": "sandbox", "global_per_s": 1, "should_retry": should_retry})
    em.rate_limits.clock = OneRefusalClock()
    stripe_client.v1.prices.list()  # spends the second's budget


@pytest.mark.parametrize("should_retry", [None, False])
def test_e3_a_rate_limit_stripe_does_not_ask_to_retry_is_a_503_with_retry_after_and_no_retry(
    handler, stripe_env, customer, stripe_emulator, stripe_client, should_retry
):
    _limit_to_one_refusal(stripe_emulator, should_retry, stripe_client)
    resp = invoke(handler, http_event("GET", "/billing", sub=stripe_env.user_sub))
    assert resp["statusCode"] == 503, resp["body"]
    assert resp["json"]["error"]["code"] == "dependency_throttled"
    assert int(resp["headers"]["retry-after"]) >= 1
    assert stripe_emulator.rate_limits.state()["refused"] == {"global-rate": 1}


def test_e3_a_rate_limit_stripe_asks_to_retry_is_retried_and_the_page_loads(
    handler, stripe_env, customer, stripe_emulator, stripe_client
):
    _limit_to_one_refusal(stripe_emulator, True, stripe_client)
    resp = invoke(handler, http_event("GET", "/billing", sub=stripe_env.user_sub))
    assert resp["statusCode"] == 200, resp["body"]
    assert resp["json"]["has_customer"] is True
    assert stripe_emulator.rate_limits.state()["refused"] == {"global-rate": 1}
