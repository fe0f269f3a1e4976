"""The offline stack for end-to-end tests: started once per session on free ports, stopped after."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
import stripe

from local.stack.run import StackProcess, start_stack
from tests.helpers.contract import Answer, Contract

#: API base URLs whose every request and answer is checked against docs/openapi.json.
CONTRACT_CHECKED: set[str] = set()


@pytest.fixture(scope="session", autouse=True)
def requests_checked_against_the_contract() -> Iterator[Contract]:
    """Every request an e2e test sends with httpx to the stack's API, and its answer, checked against
    docs/openapi.json (tests/helpers/contract.py): a route that drifts from its contract fails the test."""
    contract = Contract.load()
    original = httpx.HTTPTransport.handle_request

    def checked(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        response = original(self, request)
        url = str(request.url)
        if any(url == base or url.startswith(base + "/") for base in CONTRACT_CHECKED):
            body = response.read()
            headers = {k.lower(): v for k, v in response.headers.items()}
            contract.check(
                request.method, url, dict(request.headers), request.content, Answer(response.status_code, headers, body)
            )
        return response

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(httpx.HTTPTransport, "handle_request", checked)
        yield contract


@pytest.fixture(scope="session")
def stack_process() -> Iterator[StackProcess]:
    proc = start_stack()
    try:
        proc.wait_ready(240)
        yield proc
    finally:
        leftover = proc.stop()
    assert leftover == [], f"processes left behind by the offline stack: {leftover}"


@pytest.fixture(scope="session")
def stack(stack_process: StackProcess) -> dict[str, Any]:
    CONTRACT_CHECKED.add(stack_process.info["api_url"])
    return stack_process.info


@pytest.fixture(scope="session")
def cognito(stack: dict[str, Any]) -> Any:
    return boto3.client(
        "cognito-idp",
        endpoint_url=stack["aws_endpoint_url"],
        region_name=stack["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture(scope="session")
def dynamodb(stack: dict[str, Any]) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=stack["aws_endpoint_url"],
        region_name=stack["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture(scope="session")
def stripe_api(stack: dict[str, Any]) -> stripe.StripeClient:
    return stripe.StripeClient(stack["stripe_secret_key"], base_addresses={"api": stack["stripe_api_base"]})


@pytest.fixture(scope="session")
def tokens(stack: dict[str, Any], cognito: Any) -> dict[str, dict[str, str]]:
    """Real tokens from the local user pool (InitiateAuth USER_PASSWORD_AUTH), by scenario."""
    out = {}
    for user in stack["demo_users"]:
        result = cognito.initiate_auth(
            ClientId=stack["user_pool_client_id"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user["username"], "PASSWORD": user["password"]},
        )["AuthenticationResult"]
        out[user["scenario"]] = {"access": result["AccessToken"], "id": result["IdToken"]}
    return out
