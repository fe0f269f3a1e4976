"""End to end over HTTP: the offline stack (moto, Stripe emulator, local API gateway) with real tokens.

GET /billing for every demo user shows what the emulator holds; the authorizer answers 401/403 like API
Gateway; CORS follows the template; the stack stops leaving no process behind.
"""

from __future__ import annotations

import json
import signal
import socket
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from local.stack.run import group_members, start_stack

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("stack")]

SCENARIOS_WITH_CUSTOMER = ["active-pro", "trialing", "past-due", "canceling", "business-seats", "paused"]
EXPECTED = {
    # scenario: (status, lookup_key, quantity, cancel_at_period_end)
    "active-pro": ("active", "pro_monthly", 1, False),
    "trialing": ("trialing", "pro_monthly", 1, False),
    "past-due": ("past_due", "pro_monthly", 1, False),
    "canceling": ("active", "starter_monthly", 1, True),
    "business-seats": ("active", "business_seat_monthly", 5, False),
    "paused": ("paused", "pro_monthly", 1, False),
}


def _get(stack: dict[str, Any], path: str, token: str | None = None, **headers: str) -> httpx.Response:
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    return httpx.get(stack["api_url"] + path, headers=headers, timeout=30)


def _sub(token: str) -> str:
    return str(jwt.decode(token, options={"verify_signature": False})["sub"])


def _mapping(dynamodb: Any, stack: dict[str, Any], sub: str) -> str | None:
    item = dynamodb.get_item(
        TableName=stack["table_name"], Key={"pk": {"S": f"ACCOUNT#p_{sub}"}, "sk": {"S": "CUSTOMER"}}
    ).get("Item")
    return item["customer_id"]["S"] if item else None


def _web_origin(stack: dict[str, Any]) -> str:
    return stack["web_url"].rsplit("/billing", 1)[0]


# ------------------------------------------------------------------------------------------------ GET /billing
@pytest.mark.parametrize("scenario", SCENARIOS_WITH_CUSTOMER)
def test_get_billing_shows_what_the_emulator_holds(
    scenario: str, stack: dict[str, Any], tokens: dict[str, dict[str, str]], dynamodb: Any, stripe_api: Any
) -> None:
    token = tokens[scenario]["access"]
    response = _get(stack, "/billing", token)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["has_customer"] is True

    customer_id = _mapping(dynamodb, stack, _sub(token))
    assert customer_id is not None
    customer = stripe_api.v1.customers.retrieve(customer_id)
    assert customer.metadata["user_sub"] == _sub(token)
    assert body["customer"]["email"] == customer.email
    assert body["customer"]["name"] == customer.name

    # Subscriptions: plan, status, amounts, seats.
    subs = stripe_api.v1.subscriptions.list(params={"customer": customer_id, "status": "all"}).data
    assert [s["id"] for s in body["subscriptions"]] == [s.id for s in subs]
    status, lookup_key, quantity, cancel_at_period_end = EXPECTED[scenario]
    view = body["subscriptions"][0]
    item = subs[0]["items"].data[0]
    assert view["status"] == subs[0].status == status
    assert view["price_lookup_key"] == item.price.lookup_key == lookup_key
    assert view["unit_amount"] == item.price.unit_amount
    assert view["quantity"] == item.quantity == quantity
    assert view["cancel_at_period_end"] is subs[0].cancel_at_period_end is cancel_at_period_end
    assert view["trial_end"] == subs[0].trial_end
    assert view["current_period_end"] == item.current_period_end

    # Invoices: the latest 12, newest first, with their totals and statuses.
    invoices = stripe_api.v1.invoices.list(params={"customer": customer_id, "limit": 100}).data
    assert [(i["id"], i["total"], i["status"]) for i in body["invoices"]] == [
        (i.id, i.total, i.status) for i in invoices[:12]
    ]

    # Cards: brand, last 4, which one is the default.
    cards = stripe_api.v1.customers.payment_methods.list(customer_id, params={"type": "card"}).data
    default_pm = customer.invoice_settings.default_payment_method
    assert sorted((p["id"], p["brand"], p["last4"], p["is_default"]) for p in body["payment_methods"]) == sorted(
        (c.id, c.card.brand, c.card.last4, c.id == default_pm) for c in cards
    )


def test_active_pro_has_a_year_of_invoices_and_two_cards(
    stack: dict[str, Any], tokens: dict[str, dict[str, str]]
) -> None:
    body = _get(stack, "/billing", tokens["active-pro"]["access"]).json()
    assert len(body["invoices"]) == 12
    assert all(i["status"] == "paid" and i["total"] == 2900 for i in body["invoices"])
    span_days = (body["invoices"][0]["created"] - body["invoices"][-1]["created"]) / 86400
    assert 300 < span_days < 366
    assert sorted(p["brand"] for p in body["payment_methods"]) == ["mastercard", "visa"]
    assert body["entitlements"]["entitled"] is True and body["entitlements"]["plan"] == "pro"


def test_past_due_shows_dunning_with_the_failing_card(stack: dict[str, Any], tokens: dict[str, dict[str, str]]) -> None:
    body = _get(stack, "/billing", tokens["past-due"]["access"]).json()
    assert body["subscriptions"][0]["status"] == "past_due"
    assert body["dunning"]["past_due"] is True
    assert body["dunning"]["amount_due"] == 2900
    assert body["dunning"]["open_invoice"]["status"] == "open"
    assert [p["last4"] for p in body["payment_methods"]] == ["0341"]  # pm_card_chargeCustomerFail


def test_business_seats_has_five_seats(stack: dict[str, Any], tokens: dict[str, dict[str, str]]) -> None:
    body = _get(stack, "/billing", tokens["business-seats"]["access"]).json()
    sub = body["subscriptions"][0]
    assert (sub["plan_id"], sub["quantity"], sub["unit_amount"]) == ("business", 5, 1500)


def test_trialing_shows_the_trial_end(stack: dict[str, Any], tokens: dict[str, dict[str, str]]) -> None:
    body = _get(stack, "/billing", tokens["trialing"]["access"]).json()
    sub = body["subscriptions"][0]
    assert sub["status"] == "trialing"
    assert 13 * 86400 < sub["trial_end"] - time.time() <= 14 * 86400


def test_a6_no_customer_gets_the_empty_state_and_nothing_is_created(
    stack: dict[str, Any], tokens: dict[str, dict[str, str]], dynamodb: Any, stripe_api: Any
) -> None:
    token = tokens["no-customer"]["access"]
    before = len(stripe_api.v1.customers.list(params={"limit": 100}).data)
    for path in ("/billing", "/billing/invoices", "/billing/plans"):
        response = _get(stack, path, token)
        assert response.status_code == 200, response.text
    body = _get(stack, "/billing", token).json()
    assert body["has_customer"] is False
    assert body["subscriptions"] == [] and body["invoices"] == [] and body["payment_methods"] == []
    assert _mapping(dynamodb, stack, _sub(token)) is None
    customers = stripe_api.v1.customers.list(params={"limit": 100}).data
    assert len(customers) == before
    assert all(c.to_dict()["metadata"].get("user_sub") != _sub(token) for c in customers)


def test_invoices_route_paginates_the_emulator_history(
    stack: dict[str, Any], tokens: dict[str, dict[str, str]]
) -> None:
    token = tokens["active-pro"]["access"]
    first = _get(stack, "/billing/invoices?limit=5", token).json()
    assert len(first["invoices"]) == 5 and first["has_more"] is True
    second = _get(stack, f"/billing/invoices?limit=5&starting_after={first['next_cursor']}", token).json()
    assert not {i["id"] for i in first["invoices"]} & {i["id"] for i in second["invoices"]}


# ------------------------------------------------------------------------------------------------ hosted portal
def test_portal_session_for_active_pro_opens_the_emulator_portal(
    stack: dict[str, Any], tokens: dict[str, dict[str, str]], dynamodb: Any, stripe_api: Any
) -> None:
    """Seeding ran the catalog sync and the portal configuration command: a portal session works end to end."""
    stored = dynamodb.get_item(
        TableName=stack["table_name"], Key={"pk": {"S": "CONFIG#portal"}, "sk": {"S": "CONFIG"}}
    ).get("Item")
    assert stored is not None and stored["configuration_id"]["S"].startswith("bpc_")
    configuration = stripe_api.v1.billing_portal.configurations.retrieve(stored["configuration_id"]["S"])
    assert configuration.default_return_url == stack["web_url"]

    response = httpx.post(
        stack["api_url"] + "/billing/portal-sessions",
        json={},
        headers={"authorization": f"Bearer {tokens['active-pro']['access']}", "origin": _web_origin(stack)},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    url = response.json()["url"]
    assert url.startswith(stack["stripe_api_base"] + "/portal/session/bps_")
    page = httpx.get(url, timeout=30)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Manage your subscription" in page.text


# ------------------------------------------------------------------------------------------------ authorizer
def test_a5_id_token_is_403(stack: dict[str, Any], tokens: dict[str, dict[str, str]]) -> None:
    response = _get(stack, "/billing", tokens["active-pro"]["id"])
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer not-a-jwt", "Basic dXNlcjpwYXNz"])
def test_missing_or_malformed_token_is_401(stack: dict[str, Any], authorization: str | None) -> None:
    headers = {} if authorization is None else {"authorization": authorization}
    response = httpx.get(stack["api_url"] + "/billing", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}


def _moto_signing_key() -> Any:
    from joserfc import jwk
    from moto.utilities.utils import load_resource

    return jwk.RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))


def _claims(stack: dict[str, Any], token: str, **overrides: Any) -> dict[str, Any]:
    claims = jwt.decode(token, options={"verify_signature": False})
    claims.update(overrides)
    return claims


def _sign_like_moto(claims: dict[str, Any]) -> str:
    from joserfc import jwt as jose_jwt

    return str(jose_jwt.encode({"kid": "dummy", "alg": "RS256"}, claims, _moto_signing_key()))


def test_token_signed_by_the_pool_key_is_accepted(stack: dict[str, Any], tokens: dict[str, dict[str, str]]) -> None:
    """Control for the two tests below: the re-signing itself yields a valid token."""
    claims = _claims(stack, tokens["active-pro"]["access"], exp=int(time.time()) + 600)
    assert _get(stack, "/billing", _sign_like_moto(claims)).status_code == 200


def test_expired_token_is_401(stack: dict[str, Any], tokens: dict[str, dict[str, str]]) -> None:
    claims = _claims(stack, tokens["active-pro"]["access"], exp=int(time.time()) - 5, iat=int(time.time()) - 3605)
    response = _get(stack, "/billing", _sign_like_moto(claims))
    assert response.status_code == 401 and response.json() == {"message": "Unauthorized"}


@pytest.mark.parametrize(
    "override",
    [
        {"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"},
        {"client_id": "some-other-client"},
    ],
    ids=["wrong-issuer", "wrong-audience"],
)
def test_token_for_another_pool_or_client_is_401(
    stack: dict[str, Any], tokens: dict[str, dict[str, str]], override: dict[str, str]
) -> None:
    claims = _claims(stack, tokens["active-pro"]["access"], exp=int(time.time()) + 600, **override)
    assert _get(stack, "/billing", _sign_like_moto(claims)).status_code == 401


def test_forged_token_is_401(stack: dict[str, Any], tokens: dict[str, dict[str, str]]) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = _claims(stack, tokens["active-pro"]["access"], exp=int(time.time()) + 600)
    forged = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "dummy"})
    assert _get(stack, "/billing", forged).status_code == 401
    unsigned = jwt.encode(claims, "", algorithm="none")
    assert _get(stack, "/billing", unsigned).status_code == 401


def test_unknown_route_is_404(stack: dict[str, Any], tokens: dict[str, dict[str, str]]) -> None:
    response = _get(stack, "/billing/nope", tokens["active-pro"]["access"])
    assert response.status_code == 404 and response.json() == {"message": "Not Found"}


# ------------------------------------------------------------------------------------------------ CORS
def test_cors_preflight_from_the_web_origin_is_allowed(stack: dict[str, Any]) -> None:
    origin = _web_origin(stack)
    response = httpx.options(
        stack["api_url"] + "/billing",
        headers={
            "origin": origin,
            "access-control-request-method": "GET",
            "access-control-request-headers": "authorization",
        },
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == origin
    assert "GET" in response.headers["access-control-allow-methods"].split(",")
    assert "authorization" in response.headers["access-control-allow-headers"].split(",")
    assert "access-control-allow-credentials" not in response.headers


def test_cors_preflight_from_another_origin_is_not_allowed(stack: dict[str, Any]) -> None:
    response = httpx.options(
        stack["api_url"] + "/billing",
        headers={"origin": "https://evil.example", "access-control-request-method": "GET"},
    )
    assert "access-control-allow-origin" not in response.headers


def test_cors_headers_on_the_actual_request(stack: dict[str, Any], tokens: dict[str, dict[str, str]]) -> None:
    token = tokens["active-pro"]["access"]
    ok = _get(stack, "/billing", token, origin=_web_origin(stack))
    assert ok.headers["access-control-allow-origin"] == _web_origin(stack)
    assert "x-request-id" in ok.headers["access-control-expose-headers"]
    evil = _get(stack, "/billing", token, origin="https://evil.example")
    assert "access-control-allow-origin" not in evil.headers


# ------------------------------------------------------------------------------------------------ the team
def _team_user(stack: dict[str, Any], scenario: str) -> dict[str, Any]:
    return next(u for u in stack["demo_users"] if u["scenario"] == scenario)


def test_the_seeded_team_pays_for_five_business_seats_and_uses_four(
    stack: dict[str, Any], tokens: dict[str, dict[str, str]]
) -> None:
    owner = _team_user(stack, "team-owner")
    team = owner["account_id"]
    overview = _get(stack, "/billing", tokens["team-owner"]["access"], **{"x-billing-account": team}).json()
    assert overview["subscriptions"][0]["quantity"] == 5 and overview["entitlements"]["plan"] == "business"
    members = _get(stack, f"/accounts/{team}/members", tokens["team-billing-admin"]["access"]).json()
    assert sorted(m["role"] for m in members["members"]) == ["billing_admin", "member", "owner"]
    assert members["seats"] == {"used": 4, "limit": 5}
    invitations = _get(stack, f"/accounts/{team}/invitations", tokens["team-owner"]["access"]).json()
    assert sorted(i["status"] for i in invitations["invitations"]) == ["accepted", "accepted", "pending"]


def test_a_team_member_sees_the_plan_and_no_billing_actions(
    stack: dict[str, Any], tokens: dict[str, dict[str, str]]
) -> None:
    team = _team_user(stack, "team-member")["account_id"]
    token = tokens["team-member"]["access"]
    overview = _get(stack, "/billing", token, **{"x-billing-account": team}).json()
    assert overview["entitlements"]["plan"] == "business" and overview["entitlements"]["entitled"]
    assert overview["invoices"] == [] and overview["payment_methods"] == [] and overview["customer"] is None
    invoices = _get(stack, "/billing/invoices", token, **{"x-billing-account": team})
    assert (invoices.status_code, invoices.json()["error"]["code"]) == (403, "role_forbidden")
    stranger = _get(stack, "/billing", tokens["active-pro"]["access"], **{"x-billing-account": team})
    assert (stranger.status_code, stranger.json()["error"]["code"]) == (404, "account_not_found")


# ------------------------------------------------------------------------------------------------ the stack
def test_stack_json_has_the_documented_shape(stack: dict[str, Any], stack_process: Any) -> None:
    on_disk = json.loads(stack_process.state_file.read_text())
    for key in (
        "api_url",
        "web_url",
        "stripe_api_base",
        "stripe_secret_key",
        "stripe_publishable_key",
        "stripe_webhook_secret",
        "aws_endpoint_url",
        "region",
        "user_pool_id",
        "user_pool_client_id",
        "demo_users",
    ):
        assert on_disk[key], key
    assert on_disk["stripe_secret_key"].startswith("sk_test_")
    assert on_disk["stripe_webhook_secret"].startswith("whsec_")
    assert sorted(u["scenario"] for u in on_disk["demo_users"]) == sorted(
        ["active-pro", "trialing", "past-due", "canceling", "business-seats", "paused", "no-customer"]
        + ["team-owner", "team-billing-admin", "team-member"]
    )
    team = [u for u in on_disk["demo_users"] if u["scenario"].startswith("team-")]
    assert {u["scenario"]: u["role"] for u in team} == {
        "team-owner": "owner", "team-billing-admin": "billing_admin", "team-member": "member"
    }  # fmt: skip
    assert len({u["account_id"] for u in team}) == 1 and all(u["sub"] for u in team)
    assert on_disk["timings"]["seed_s"] < 15
    for url in (on_disk["api_url"], on_disk["web_url"], on_disk["aws_endpoint_url"], on_disk["stripe_api_base"]):
        assert url.startswith("http://127.0.0.1:")


def test_web_server_serves_the_page_origin_config(stack: dict[str, Any]) -> None:
    config = httpx.get(stack["web_url"] + "/config.json").json()
    assert config["api_url"] == stack["api_url"]
    assert config["user_pool_client_id"] == stack["user_pool_client_id"]
    assert "stripe_secret_key" not in json.dumps(config)
    assert httpx.get(stack["web_url"] + "/../../pyproject.toml").status_code == 404


def _refused(url: str) -> bool:
    host, port = url.removeprefix("http://").split("/")[0].split(":")
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((host, int(port))) != 0


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stack_stops_leaving_no_process_behind(sig: int) -> None:
    proc = start_stack(seed=False)
    try:
        info = proc.wait_ready(240)
        deadline = time.monotonic() + 30
        while "ready in" not in proc.log_tail() and time.monotonic() < deadline:
            time.sleep(0.05)
        ready = [line for line in proc.log_tail().splitlines() if line.startswith("ready in")]
        assert len(ready) == 1 and info["api_url"] in ready[0] and info["web_url"] in ready[0]
        members = group_members(proc.pgid)
        assert proc.proc.pid in members and info["moto_pid"] in members
    finally:
        leftover = proc.stop(sig)
    assert leftover == []
    assert group_members(proc.pgid) == []
    assert proc.proc.returncode == 0, proc.log_tail()
    for url in (info["api_url"], info["web_url"], info["aws_endpoint_url"], info["stripe_api_base"]):
        assert _refused(url), url
    assert not proc.state_file.exists()
