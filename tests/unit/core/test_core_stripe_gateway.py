"""The Stripe gateway: pinned version, retries, timeouts and error translation (E1-E3, E6, E7, E9, F2, F8).

stripe-python's real retry loop runs against a scripted in-memory HTTP client (no sockets); the same rows
are exercised over HTTP against the emulator in tests/integration/billing_read.
"""

import json

import pytest
import stripe
from billing_core import stripe_client, stripe_secrets
from billing_core import stripe_gateway as sg
from billing_core.errors import (
    ConfigurationError,
    Conflict,
    DependencyThrottled,
    DependencyUnavailable,
    NotFound,
    PaymentFailed,
)
from billing_core.observability import metrics
from billing_core.stripe_gateway import StripeGateway, request_deadline
from billing_core.stripe_ownership import assert_owned, derive_key

CUSTOMER = {"id": "cus_1", "object": "customer", "email": None}


class ScriptedHTTP(stripe.HTTPClient):
    """Answers each request with the next scripted response: (status, body, headers) or an exception."""

    name = "scripted"

    def __init__(self, *script):
        super().__init__()
        self.script = list(script)
        self.requests: list[tuple[str, str, dict]] = []

    def request(self, method, url, headers, post_data=None):
        self.requests.append((method, url, dict(headers or {})))
        step = self.script.pop(0) if self.script else (200, CUSTOMER, {})
        if isinstance(step, Exception):
            raise step
        status, body, hdrs = step
        return json.dumps(body).encode(), status, {"request-id": "req_test", **hdrs}

    def close(self):
        pass


def error(kind, code=None, **extra):
    return {"error": {"type": kind, "code": code, "message": "internal text from Stripe", **extra}}


def conn_error():
    return stripe.APIConnectionError("connection reset", should_retry=True)


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    slept = []
    # stripe-python's own `time` reference, so its retries do not wait
    sdk_time = stripe._http_client.time  # type: ignore[attr-defined]  # not re-exported by the SDK
    monkeypatch.setattr(sdk_time, "sleep", lambda s: slept.append(s))
    return slept


def gateway(http):
    client = stripe.StripeClient(
        "sk_test_123",
        stripe_version=stripe_client.STRIPE_API_VERSION,
        max_network_retries=stripe_client.STRIPE_MAX_RETRIES,
        http_client=http,
    )
    return StripeGateway(client=client)


def create_customer(gw, key="idem-1"):
    return gw.call("customers.create", lambda c: c.v1.customers.create(options={"idempotency_key": key}))


def test_api_version_is_the_sdk_pin():
    assert stripe_client.STRIPE_API_VERSION == stripe.api_version == "2026-10-28.endive"
    http = ScriptedHTTP()
    create_customer(gateway(http))
    assert http.requests[0][2]["Stripe-Version"] == "2026-10-28.endive"


def test_f8_worst_case_stripe_call_fits_the_function_timeout():
    worst = stripe_client.worst_case_call_seconds()
    assert worst == (stripe_client.STRIPE_CONNECT_TIMEOUT_S + stripe_client.STRIPE_READ_TIMEOUT_S) * (
        stripe_client.STRIPE_MAX_RETRIES + 1
    ) + (stripe_client.STRIPE_MAX_BACKOFF_TOTAL_S)
    assert worst < stripe_client.FUNCTION_TIMEOUT_S < 30


def test_f8_built_client_carries_timeouts_retries_and_base_address():
    client = stripe_client.build_stripe_client("sk_test_x", "http://127.0.0.1:1")
    requestor = client._requestor
    assert requestor._options.max_network_retries == stripe_client.STRIPE_MAX_RETRIES
    assert requestor._client._timeout == (stripe_client.STRIPE_CONNECT_TIMEOUT_S, stripe_client.STRIPE_READ_TIMEOUT_S)
    assert requestor._options.base_addresses["api"] == "http://127.0.0.1:1"


def test_e1_connection_errors_are_retried_with_the_same_key_then_503():
    http = ScriptedHTTP(conn_error(), conn_error(), conn_error())
    with pytest.raises(DependencyUnavailable) as err:
        create_customer(gateway(http))
    assert err.value.status == 503 and err.value.headers()["Retry-After"]
    assert len(http.requests) == stripe_client.STRIPE_MAX_RETRIES + 1
    assert {r[2]["Idempotency-Key"] for r in http.requests} == {"idem-1"}


def test_e1_connection_error_then_success():
    http = ScriptedHTTP(conn_error(), (200, CUSTOMER, {}))
    assert create_customer(gateway(http)).id == "cus_1"


def test_e2_500_then_200_succeeds():
    http = ScriptedHTTP((500, error("api_error"), {}), (200, CUSTOMER, {}))
    assert create_customer(gateway(http)).id == "cus_1"
    assert len(http.requests) == 2


def test_e3_429_with_should_retry_is_retried():
    http = ScriptedHTTP(
        (429, error("invalid_request_error", "lock_timeout"), {"stripe-should-retry": "true"}), (200, CUSTOMER, {})
    )
    assert create_customer(gateway(http)).id == "cus_1"


@pytest.mark.parametrize("headers", [{}, {"stripe-should-retry": "false"}])
def test_e3_429_without_permission_is_not_retried_and_is_503_with_retry_after(headers):
    http = ScriptedHTTP((429, error("invalid_request_error", "rate_limit"), headers))
    with pytest.raises(DependencyThrottled) as err:
        create_customer(gateway(http))
    assert len(http.requests) == 1
    assert err.value.status == 503 and int(err.value.headers()["Retry-After"]) >= 1


@pytest.mark.parametrize("status", [401, 403])
def test_e6_revoked_or_restricted_key_is_500_with_alarm_metric_and_no_retry(status):
    metrics.clear_metrics()
    http = ScriptedHTTP((status, error("invalid_request_error", "api_key_expired"), {}))
    with pytest.raises(ConfigurationError) as err:
        create_customer(gateway(http))
    assert err.value.status == 500 and "Stripe" not in err.value.message
    assert len(http.requests) == 1
    assert "StripeAuthFailure" in metrics.provider.metric_set
    metrics.clear_metrics()


def test_card_error_is_402_with_a_safe_message_and_the_decline_code_for_logs():
    http = ScriptedHTTP((402, error("card_error", "card_declined", decline_code="insufficient_funds"), {}))
    with pytest.raises(PaymentFailed) as err:
        create_customer(gateway(http))
    assert err.value.decline_code == "insufficient_funds"
    assert "internal text" not in err.value.message


def test_resource_missing_is_404_and_idempotency_error_is_409():
    http = ScriptedHTTP(
        (404, error("invalid_request_error", "resource_missing"), {}),
        (400, error("idempotency_error", "idempotency_key_in_use"), {}),
    )
    gw = gateway(http)
    with pytest.raises(NotFound):
        gw.call("customers.retrieve", lambda c: c.v1.customers.retrieve("cus_x"))
    with pytest.raises(Conflict):
        create_customer(gw)


def test_e7_no_call_is_started_when_the_request_deadline_is_too_close():
    http = ScriptedHTTP()
    with request_deadline(stripe_client.STRIPE_READ_TIMEOUT_S / 2), pytest.raises(DependencyUnavailable):
        create_customer(gateway(http))
    assert http.requests == []


def test_read_concurrently_returns_all_results_or_the_first_error():
    gw = StripeGateway(client=object())  # type: ignore[arg-type]
    assert gw.read_concurrently({"a": lambda: 1, "b": lambda: 2}) == {"a": 1, "b": 2}

    def boom():
        raise NotFound()

    with pytest.raises(NotFound):
        gw.read_concurrently({"a": lambda: 1, "b": boom})


def test_list_plain_answers_stripes_json_with_the_same_retries_and_error_translation():
    """``list_plain`` skips stripe-python's objects, not its requestor: the query, the retries and the errors are
    those of any other call."""
    page = {"object": "list", "data": [{"id": "in_1", "object": "invoice", "total": 2900}], "has_more": False}
    http = ScriptedHTTP(conn_error(), (200, page, {}), (404, error("invalid_request_error", "resource_missing"), {}))
    gw = gateway(http)
    answer = gw.list_plain("invoices.list", "/v1/invoices", {"customer": "cus_1", "limit": 12})
    assert answer == page and not isinstance(answer["data"][0], stripe.StripeObject)  # plain JSON
    method, url, _ = http.requests[-1]
    assert method == "get" and "/v1/invoices?" in url and "customer=cus_1" in url and "limit=12" in url
    assert len(http.requests) == 2  # the connection error was retried
    with pytest.raises(NotFound):
        gw.list_plain("invoices.list", "/v1/invoices", {"customer": "cus_gone"})


def test_list_plain_refuses_an_answer_that_is_not_a_list():
    gw = gateway(ScriptedHTTP((200, CUSTOMER, {})))
    with pytest.raises(DependencyUnavailable):
        gw.list_plain("invoices.list", "/v1/invoices", {"customer": "cus_1"})


def test_assert_owned_hides_foreign_objects_as_404():
    assert_owned({"id": "pm_1", "customer": "cus_me"}, "cus_me")
    assert_owned({"id": "pm_1", "customer": {"id": "cus_me"}}, "cus_me")
    for obj in ({"id": "pm_1", "customer": "cus_other"}, {"id": "pm_1", "customer": None}, {"id": "pm_1"}):
        with pytest.raises(NotFound):
            assert_owned(obj, "cus_me")


def test_derive_key_is_deterministic_distinct_and_short():
    assert derive_key("u:k", "a") == derive_key("u:k", "a")
    assert derive_key("u:k", "a") != derive_key("u:k", "b") != derive_key("v:k", "b")
    assert len(derive_key("u:" + "k" * 255, "p" * 300)) <= 255


def test_e9_missing_secret_is_503_never_an_empty_key(aws_env, monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_NAME", "does/not/exist")
    from billing_core.settings import reset_settings

    reset_settings()
    with pytest.raises(DependencyUnavailable):
        StripeGateway().client()


def test_e9_empty_secret_is_a_configuration_error(aws_env):
    import boto3

    boto3.client("secretsmanager").put_secret_value(SecretId=aws_env.stripe_secret_name, SecretString="  ")
    with pytest.raises(ConfigurationError):
        StripeGateway().client()


def test_f2_live_key_in_a_local_stage_refuses_to_build_a_client(aws_env):
    import boto3

    boto3.client("secretsmanager").put_secret_value(SecretId=aws_env.stripe_secret_name, SecretString="sk_live_x1")
    with pytest.raises(ConfigurationError):
        StripeGateway().client()


def test_secret_is_read_from_secrets_manager(aws_env):
    client = StripeGateway().client()
    assert client._requestor.api_key == "sk_test_aws_env_placeholder"


def test_concurrent_first_calls_read_the_stripe_secret_one_at_a_time(aws_env, monkeypatch):
    """A cold first request's concurrent reads wait for one Secrets Manager call instead of each making one."""
    gateway = StripeGateway()
    seen_locked = []
    real = stripe_secrets.read_secret

    def read_secret(name, **kwargs):
        seen_locked.append(gateway._lock.locked())
        return real(name, **kwargs)

    monkeypatch.setattr(sg, "read_secret", read_secret)
    clients = gateway.read_concurrently({str(i): gateway.client for i in range(4)})
    assert len({id(c) for c in clients.values()}) == 1
    assert seen_locked == [True] * 4, "every secret read happens under the gateway's lock"
