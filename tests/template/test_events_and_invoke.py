"""events/ holds one valid payload-2.0 sample per route, and local/invoke.py builds a Lambda-like run."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cfn_template import ROOT, load_template, normalize_path, routes

from local import invoke

EVENT_FILES = sorted((ROOT / "events").glob("*.json"))


def _route_pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}/]+\\\}", "[^/]+", re.escape(path)) + "$")


def test_there_is_an_event_for_every_route() -> None:
    named = {json.loads(path.read_text())["routeKey"] for path in EVENT_FILES}
    assert {route.route_key for route in routes(load_template())} <= named


@pytest.mark.parametrize("path", EVENT_FILES, ids=lambda p: p.name)
def test_event_is_a_payload_v2_event_for_a_template_route(path: Path) -> None:
    event: dict[str, Any] = json.loads(path.read_text())
    by_key = {route.route_key: route for route in routes(load_template())}
    assert event["version"] == "2.0"
    route = by_key.get(event["routeKey"])
    assert route is not None, f"{event['routeKey']} is not a route in template.yaml"
    method, _, template_path = event["routeKey"].partition(" ")
    http = event["requestContext"]["http"]
    assert http["method"] == method and event["requestContext"]["routeKey"] == event["routeKey"]
    assert http["path"] == event["rawPath"] and _route_pattern(template_path).match(event["rawPath"])
    params = re.findall(r"\{([^}/]+)\}", template_path)
    assert set(event.get("pathParameters", {})) == set(params)
    assert all(key == key.lower() for key in event["headers"])
    query = event.get("queryStringParameters") or {}
    assert event["rawQueryString"] == "&".join(f"{k}={v}" for k, v in query.items())
    if "body" in event:
        assert isinstance(event["body"], str) and isinstance(event["isBase64Encoded"], bool)
    expected_name = f"{route.area}_{method.lower()}_" + re.sub(
        r"[^a-z0-9]+", "_", normalize_path(template_path).replace("{}", "id").lower()
    ).strip("_")
    assert path.stem == expected_name or path.stem.startswith(expected_name + "_")
    if route.is_webhook:
        assert "authorizer" not in event["requestContext"]
        assert "stripe-signature" in event["headers"]
    else:
        claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
        assert claims["token_use"] == "access"
        assert claims["sub"] and claims["client_id"] and claims["scope"]
        assert claims["iss"].startswith("https://cognito-idp.")
        assert "email" not in claims, "access tokens carry no email"


def test_invoke_finds_a_function_by_area_or_logical_id() -> None:
    template = invoke.load_template()
    by_area = invoke.find_function(template, "billing_read")
    assert by_area == invoke.find_function(template, "BillingReadFunction")
    assert by_area.handler == "billing_read.app.handler"
    assert by_area.code_dir == ROOT / "functions" / "billing_read"
    assert by_area.layer_dirs == (ROOT / "layers" / "shared",)
    assert by_area.timeout_s == template["Globals"]["Function"]["Timeout"]
    assert by_area.environment["POWERTOOLS_SERVICE_NAME"] == "billing_read"
    assert by_area.environment["STRIPE_SECRET_NAME"] == template["Parameters"]["StripeSecretName"]["Default"]
    assert "TABLE_NAME" not in by_area.environment  # a stack resource: comes from the stack or the caller
    with pytest.raises(SystemExit, match="no function 'nope'"):
        invoke.find_function(template, "nope")


def test_invoke_environment_layers_template_stack_and_caller() -> None:
    spec = invoke.find_function(invoke.load_template(), "billing_read")
    stack = {
        "stripe_api_base": "http://127.0.0.1:12111",
        "aws_endpoint_url": "http://127.0.0.1:5005",
        "region": "us-east-1",
        "user_pool_id": "us-east-1_Local",
        "function_env": {"TABLE_NAME": "billing-local", "STRIPE_SECRET_NAME": "local/stripe"},
    }
    env = invoke.build_environment(spec, stack, {"STRIPE_SECRET_NAME": "mine", "UNRELATED": "x"})
    assert env["STAGE"] == "local"
    assert env["STRIPE_API_BASE"] == "http://127.0.0.1:12111"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5005"
    assert env["USER_POOL_ID"] == "us-east-1_Local"
    assert env["TABLE_NAME"] == "billing-local"
    assert env["STRIPE_SECRET_NAME"] == "mine"  # the caller's environment wins
    assert env["AWS_ACCESS_KEY_ID"] == "testing"  # moto endpoint: never real credentials
    assert "UNRELATED" not in env
    without_stack = invoke.build_environment(spec, None, {})
    assert "STRIPE_API_BASE" not in without_stack and "AWS_ACCESS_KEY_ID" not in without_stack


def test_lambda_context_counts_down_from_the_function_timeout() -> None:
    context = invoke.LambdaContext(function_name="BillingReadFunction", memory_limit_in_mb=1024, timeout_s=20)
    assert 19_000 < context.get_remaining_time_in_millis() <= 20_000
    assert context.invoked_function_arn.endswith(":function:BillingReadFunction")


@pytest.mark.parametrize("path", [p for p in EVENT_FILES if not p.name.startswith("webhook_")], ids=lambda p: p.name)
def test_sample_event_runs_through_the_real_handler(path: Path, stripe_env: Any) -> None:
    # Given moto and the Stripe emulator with the catalog synced, and a signed-in user (the event's sub) with no
    # Stripe customer yet
    from billing_core.stripe_gateway import get_gateway

    from admin.catalog_sync import CatalogSync

    CatalogSync(get_gateway()).run(out=lambda _line: None)
    event = json.loads(path.read_text())
    route = {r.route_key: r for r in routes(load_template())}[event["routeKey"]]
    spec = invoke.find_function(invoke.load_template(), route.area)
    # When the handler runs on the sample event as `make invoke` runs it
    response = invoke.invoke(spec, event)
    # Then the event itself is valid (no 400/401/403/413/415/422) and the answer is a clean JSON answer: 200, or
    # the domain's own refusal for a user who has no subscription yet (402/404/409) in the one error shape
    status = response["statusCode"]
    assert status in (200, 201, 202, 402, 404, 409), response
    assert response["headers"]["content-type"].startswith("application/json")
    body = json.loads(response["body"])
    if status >= 400:
        assert set(body["error"]) >= {"code", "message", "request_id"}, body
