"""Signing out on the offline stack: the local Cognito (moto plus RevokeToken) answers as Cognito does, with CORS
headers for the page's origin, so the browser logs no CORS error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from local.stack import aws

pytestmark = [pytest.mark.e2e]

ORIGIN = "http://127.0.0.1:8080"
PASSWORD = "Passw0rd!local"


@pytest.fixture(scope="module")
def cognito_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    moto = aws.MotoServer(aws.free_port(), tmp_path_factory.mktemp("moto") / "moto.log").start()
    try:
        idp = aws.client("cognito-idp", moto.endpoint, aws.REGION)
        pool = idp.create_user_pool(PoolName="p")["UserPool"]["Id"]
        flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
        client = idp.create_user_pool_client(UserPoolId=pool, ClientName="web", ExplicitAuthFlows=flows)
        other = idp.create_user_pool_client(UserPoolId=pool, ClientName="other", ExplicitAuthFlows=flows)
        idp.admin_create_user(UserPoolId=pool, Username="ada", MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool, Username="ada", Password=PASSWORD, Permanent=True)
        yield {
            "endpoint": moto.endpoint,
            "client_id": client["UserPoolClient"]["ClientId"],
            "other_client_id": other["UserPoolClient"]["ClientId"],
        }
    finally:
        moto.stop()


def cognito(world: dict[str, Any], target: str, body: dict[str, Any]) -> httpx.Response:
    """What web/auth.js sends: the Cognito JSON API from the page's origin."""
    return httpx.post(
        world["endpoint"] + "/",
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AWSCognitoIdentityProviderService.{target}",
            "Origin": ORIGIN,
        },
        content=json.dumps(body),
        timeout=30,
    )


def sign_in(world: dict[str, Any]) -> dict[str, str]:
    resp = cognito(
        world,
        "InitiateAuth",
        {
            "ClientId": world["client_id"],
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": "ada", "PASSWORD": PASSWORD},
        },
    )
    assert resp.status_code == 200, resp.text
    return resp.json()["AuthenticationResult"]


def test_revoking_the_refresh_token_on_sign_out_is_200_with_cors_and_ends_the_session(cognito_world) -> None:
    tokens = sign_in(cognito_world)
    resp = cognito(
        cognito_world, "RevokeToken", {"Token": tokens["RefreshToken"], "ClientId": cognito_world["client_id"]}
    )
    assert resp.status_code == 200 and resp.json() == {}
    assert resp.headers["access-control-allow-origin"] == ORIGIN
    refresh = cognito(
        cognito_world,
        "InitiateAuth",
        {
            "ClientId": cognito_world["client_id"],
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]},
        },
    )
    assert refresh.status_code == 400 and refresh.json()["__type"] == "NotAuthorizedException"
    user = cognito(cognito_world, "GetUser", {"AccessToken": tokens["AccessToken"]})
    assert user.status_code == 400 and user.json()["__type"] == "NotAuthorizedException"
    again = cognito(
        cognito_world, "RevokeToken", {"Token": tokens["RefreshToken"], "ClientId": cognito_world["client_id"]}
    )
    assert again.status_code == 200  # signing out twice (two tabs) is not an error


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (lambda t, w: {"ClientId": w["client_id"]}, "InvalidParameterException"),
        (lambda t, w: {"Token": t["RefreshToken"]}, "InvalidParameterException"),
        (lambda t, w: {"Token": "not a token!", "ClientId": w["client_id"]}, "InvalidParameterException"),
        (lambda t, w: {"Token": t["RefreshToken"], "ClientId": "unknownclient"}, "UnauthorizedException"),
        (lambda t, w: {"Token": t["RefreshToken"], "ClientId": w["other_client_id"]}, "UnauthorizedException"),
        (lambda t, w: {"Token": t["AccessToken"], "ClientId": w["client_id"]}, "UnsupportedTokenTypeException"),
    ],
    ids=["no-token", "no-client", "malformed-token", "unknown-client", "other-client", "access-token"],
)
def test_bad_revocations_are_cognitos_documented_400_errors_with_cors(cognito_world, body, error) -> None:
    tokens = sign_in(cognito_world)
    resp = cognito(cognito_world, "RevokeToken", body(tokens, cognito_world))
    assert resp.status_code == 400, resp.text
    assert resp.json()["__type"] == error and resp.json()["message"]
    assert resp.headers["access-control-allow-origin"] == ORIGIN
    still = cognito(
        cognito_world,
        "InitiateAuth",
        {
            "ClientId": cognito_world["client_id"],
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]},
        },
    )
    assert still.status_code == 200  # a refused revocation revokes nothing


def test_the_page_may_send_the_cognito_preflight(cognito_world) -> None:
    resp = httpx.options(
        cognito_world["endpoint"] + "/",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-target",
        },
        timeout=30,
    )
    assert resp.status_code == 200 and resp.headers["access-control-allow-origin"] == ORIGIN
    assert "x-amz-target" in resp.headers["access-control-allow-headers"].lower()
