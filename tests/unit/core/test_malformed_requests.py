"""Requests that go wrong before a route runs: a bad Host header, a slash-only path difference, deep JSON.

Each must be answered in the one error shape (never a bare 500, a stack trace or a redirect to another URL).
"""

import json

import pytest
from billing_core.accounts.roles import signed_in_rules
from billing_core.app_factory import CallerDep, create_app
from billing_core.lambda_handler import make_handler
from billing_core.models import RequestModel
from billing_core.routing import APIRouter

from tests.helpers.apigw import http_event, invoke

router = APIRouter()


class Body(RequestModel):
    name: str


@router.get("/things")
def list_things(caller: CallerDep) -> dict:
    return {"sub": caller.sub}


@router.post("/things")
def post_thing(body: Body, caller: CallerDep) -> dict:
    return {"name": body.name}


handler = make_handler(create_app("edges", router, route_rules=signed_in_rules(router)))


def _assert_error(response: dict, status: int, code: str) -> None:
    assert response["statusCode"] == status, response["body"]
    assert response["json"]["error"]["code"] == code
    assert response["json"]["error"]["request_id"]
    assert "Traceback" not in response["body"]


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1:abc", "a:b:c", "[::1]", "[::1]:3000", "api.example.test, evil.example", "api.example.test:99999", ""],
)
def test_malformed_host_header_is_400_in_the_error_shape(host: str) -> None:
    response = invoke(handler, http_event("GET", "/things", headers={"host": host}))
    _assert_error(response, 400, "malformed_host")
    assert response["headers"]["cache-control"] == "no-store"


@pytest.mark.parametrize("host", ["api.example.test", "127.0.0.1:3000", "localhost"])
def test_well_formed_host_headers_are_served(host: str) -> None:
    response = invoke(handler, http_event("GET", "/things", sub="user-1", headers={"host": host}))
    assert response["statusCode"] == 200
    assert response["json"] == {"sub": "user-1"}


@pytest.mark.parametrize("path", ["/things/", "/things%2F"])
def test_trailing_slash_is_not_redirected(path: str) -> None:
    response = invoke(handler, http_event("GET", path))
    _assert_error(response, 404, "not_found")
    assert "location" not in {k.lower() for k in response["headers"]}


def test_deeply_nested_json_body_is_400_not_500() -> None:
    depth = 20_000
    raw = '{"name": ' + "[" * depth + "]" * depth + "}"
    response = invoke(handler, http_event("POST", "/things", raw_body=raw))
    assert response["statusCode"] in (400, 413, 422), response["body"]
    assert "error" in json.loads(response["body"])


def test_a_failure_outside_the_app_is_a_fixed_500() -> None:
    # An event Mangum cannot read at all (no requestContext.http) never reaches the app's error handling.
    response = handler({"version": "2.0", "headers": {}, "requestContext": {"requestId": "r-1"}}, None)
    assert response["statusCode"] == 500
    body = json.loads(response["body"])
    assert body == {"error": {"code": "internal_error", "message": body["error"]["message"], "request_id": "r-1"}}
