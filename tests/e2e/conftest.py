"""The offline stack for end-to-end tests: started once per session on free ports, stopped after."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import stripe

from local.stack.run import StackProcess, start_stack


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
