"""A contract fuzz: schemathesis draws requests for every operation of docs/openapi.json and sends them to the
offline stack; no answer may be a 5xx, and every answer must have a documented status, content type and
schema (and, with the contract hook's rules, a documented error code) (B11).

Reads (GET) run as a seeded user with billing history (they change nothing); every other operation runs as a
throwaway user made for this module (subscribed to Pro with a card, so mutations meet a live subscription), never
a seeded user that other tests rely on. One run sends no token at
all and expects API Gateway's authorizer to answer every bearer-protected operation 401 ``{"message":
"Unauthorized"}``. Each operation gets requests inside its schema and outside it (schemathesis's positive and
negative modes): one outside must be refused with a documented 4xx. Budget: ``FUZZ_EXAMPLES`` examples per
operation (default 6, a derandomized walk so every run draws the same requests; ``FUZZ_EXAMPLES=50`` for a longer
local run).
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from local.stack.aws import create_user
from tests.helpers.contract import CONTRACT_PATH, Contract

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("stack")]

CONTRACT = json.loads(CONTRACT_PATH.read_text())
SCHEMA = schemathesis.openapi.from_dict(CONTRACT)
OPERATIONS = sorted((method.upper(), path) for path, ops in CONTRACT["paths"].items() for method in ops)
BEARER_OPERATIONS = [(m, p) for m, p in OPERATIONS if CONTRACT["paths"][p][m.lower()]["security"] != [
    {"stripeSignature": []}
]]  # fmt: skip
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
#: and a request outside the contract (schemathesis's negative mode) is refused with a 4xx, never accepted
FUZZ_CHECKS = [*CHECKS, negative_data_rejection]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)


@pytest.fixture(scope="module")
def throwaway_token(stack: dict[str, Any], cognito: Any, dynamodb: Any, stripe_api: Any) -> str:
    """An access token of a user made for the fuzz alone, subscribed to Pro with a card on file (through the API),
    so the fuzzed mutations reach a live subscription and not only "no subscription yet"."""
    email = f"fuzz-{uuid.uuid4().hex[:10]}@example.com"
    password = "DemoBilling2026"
    sub = create_user(stack["aws_endpoint_url"], stack["user_pool_id"], email, password, "Fuzz User", stack["region"])
    result = cognito.initiate_auth(
        ClientId=stack["user_pool_client_id"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )["AuthenticationResult"]
    token = str(result["AccessToken"])
    bearer = {"authorization": f"Bearer {token}"}
    # The first billing action provisions the customer; the card is the one Stripe.js would have confirmed.
    setup = httpx.post(stack["api_url"] + "/billing/payment-methods/setup-intent", headers=bearer, timeout=60)
    assert setup.status_code == 200, setup.text
    item = dynamodb.get_item(
        TableName=stack["table_name"], Key={"pk": {"S": f"ACCOUNT#p_{sub}"}, "sk": {"S": "CUSTOMER"}}
    )["Item"]
    customer = item["customer_id"]["S"]
    card = stripe_api.v1.payment_methods.attach("pm_card_visa", params={"customer": customer})
    stripe_api.v1.customers.update(customer, params={"invoice_settings": {"default_payment_method": card.id}})
    subscribed = httpx.post(
        stack["api_url"] + "/billing/subscription",
        json={"price_lookup_key": "pro_monthly"},
        headers={**bearer, "idempotency-key": f"fuzz-subscribe-{sub}"},
        timeout=60,
    )
    assert subscribed.status_code == 200, subscribed.text
    return token


HOOK_RULES = Contract(CONTRACT)


def _check_the_error_code(case: Any, response: Any) -> None:
    """The suite's own contract rule on the same answer: an error's code is documented for its status."""
    headers = {k.lower(): v[0] if isinstance(v, list) else v for k, v in response.headers.items()}
    op = HOOK_RULES.operation(case.method.upper(), case.formatted_path)
    assert op is not None, case.formatted_path
    problems = HOOK_RULES.response_problems(op, response.status_code, headers, response.content)
    assert problems == [], f"{case.method} {case.formatted_path}: {problems}"


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_fuzz_every_operation_answers_as_documented_and_never_5xx(
    method: str, path: str, stack: dict[str, Any], tokens: dict[str, dict[str, str]], throwaway_token: str
) -> None:
    operation = SCHEMA[path][method]
    security = CONTRACT["paths"][path][method.lower()]["security"]
    if security == [{"stripeSignature": []}]:
        headers = {"Stripe-Signature": "t=1,v1=00"}
    else:
        token = tokens["active-pro"]["access"] if method == "GET" else throwaway_token
        headers = {"Authorization": f"Bearer {token}"}

    valid = operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
    invalid = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)

    @FUZZ
    @given(case=st.one_of(valid, invalid))
    def fuzz(case: Any) -> None:
        # The real credential replaces the made-up one schemathesis draws; a case that leaves the credential
        # out (a negative case) is sent without it.
        drawn = {k.lower() for k in (case.headers or {})}
        credentials = {k: v for k, v in headers.items() if k.lower() in drawn}
        response = case.call(base_url=stack["api_url"], headers=credentials, timeout=60)
        case.validate_response(response, checks=FUZZ_CHECKS)
        _check_the_error_code(case, response)

    fuzz()


@pytest.mark.parametrize(("method", "path"), BEARER_OPERATIONS, ids=[f"{m} {p}" for m, p in BEARER_OPERATIONS])
def test_fuzz_without_a_token_every_operation_is_the_authorizers_401(
    method: str, path: str, stack: dict[str, Any]
) -> None:
    operation = SCHEMA[path][method]

    @settings(FUZZ, max_examples=1)
    @given(case=operation.as_strategy())
    def unauthenticated(case: Any) -> None:
        # schemathesis fills the bearer scheme with a made-up token: send none at all
        case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        response = case.call(base_url=stack["api_url"], timeout=60)
        assert response.status_code == 401, response.text
        assert response.json() == {"message": "Unauthorized"}
        case.validate_response(response, checks=CHECKS)

    unauthenticated()
