"""The emulator's rate-limit 429 against what stripe-python 16 declares for Stripe's error object and 429s."""

from __future__ import annotations

import inspect
from typing import Any

import httpx
import pytest
import stripe
from stripe_emulator import EmulatorServer


@pytest.fixture
def refused(stripe_emulator: EmulatorServer) -> httpx.Response:
    stripe_emulator.rate_limits.configure({"mode": "sandbox", "endpoint_per_s": 1})
    stripe_emulator.rate_limits.clock = lambda: 1000.0
    with httpx.Client(base_url=stripe_emulator.api_base, auth=(stripe_emulator.secret_key, "")) as http:
        http.get("/v1/customers")
        return http.get("/v1/customers")


def test_the_error_carries_only_fields_stripe_declares(refused: httpx.Response) -> None:
    error: dict[str, Any] = refused.json()["error"]
    declared = set(stripe.ErrorObject.__annotations__)
    assert set(error) <= declared, set(error) - declared
    type_doc = inspect.getsource(stripe.ErrorObject).split("type: str", 1)[1].split('"""')[1]
    assert f"`{error['type']}`" in type_doc  # one of the four documented error types


def test_stripe_python_raises_rate_limit_error_with_the_same_error_object(
    refused: httpx.Response, stripe_client: stripe.StripeClient
) -> None:
    with pytest.raises(stripe.RateLimitError) as exc:
        stripe_client.v1.customers.list()
    assert exc.value.error is not None
    body = refused.json()["error"]
    got = exc.value.error.to_dict()
    assert {k: got[k] for k in ("type", "code", "message", "doc_url")} == {
        k: body[k] for k in ("type", "code", "message", "doc_url")
    }
    assert (exc.value.headers or {}).get("Stripe-Rate-Limited-Reason") == "endpoint-rate"
