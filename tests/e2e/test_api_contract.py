"""The API contract against the running offline stack: the gateway serves it and its documentation page, and
every request and answer of the e2e suite is checked against it (tests/e2e/conftest.py), so a route that
drifts from docs/openapi.json fails; these tests show the check catching drift in real answers."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.helpers.contract import CONTRACT_PATH, Answer, Contract, ContractViolation

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("stack")]


@pytest.fixture
def live_contract(requests_checked_against_the_contract: Contract) -> Iterator[Contract]:
    """The contract the suite's requests are checked against, restored after a test edits it."""
    saved = copy.deepcopy(requests_checked_against_the_contract.doc)
    yield requests_checked_against_the_contract
    requests_checked_against_the_contract.doc = saved
    requests_checked_against_the_contract._validators.clear()


def _bearer(tokens: dict[str, dict[str, str]], scenario: str = "active-pro") -> dict[str, str]:
    return {"authorization": f"Bearer {tokens[scenario]['access']}"}


def test_the_gateway_serves_the_contract_and_its_documentation_page(stack: dict[str, Any]) -> None:
    contract = httpx.get(stack["api_url"] + "/openapi.json", timeout=30)
    assert contract.status_code == 200
    assert contract.json() == json.loads(CONTRACT_PATH.read_text())
    page = httpx.get(stack["api_url"] + "/docs", timeout=30)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert '<script src="/docs/swagger-ui-bundle.js"></script>' in page.text
    bundle = httpx.get(stack["api_url"] + "/docs/swagger-ui-bundle.js", timeout=30)
    assert bundle.status_code == 200 and "SwaggerUIBundle" in bundle.text


def test_the_authorizer_401_is_the_documented_gateway_body(stack: dict[str, Any]) -> None:
    response = httpx.get(stack["api_url"] + "/billing", timeout=30)  # checked by the suite's contract hook
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}


def test_a_response_that_drifts_from_the_contract_fails_the_request(
    stack: dict[str, Any], tokens: dict[str, dict[str, str]], live_contract: Contract
) -> None:
    url = stack["api_url"] + "/billing"
    assert httpx.get(url, headers=_bearer(tokens), timeout=30).status_code == 200
    # The contract now promises a field GET /billing does not send: the same request fails the test.
    overview = live_contract.doc["components"]["schemas"]["BillingOverview"]
    overview["required"] = [*overview.get("required", []), "loyalty_points"]
    live_contract._validators.clear()
    with pytest.raises(ContractViolation, match="loyalty_points"):
        httpx.get(url, headers=_bearer(tokens), timeout=30)


def test_an_answer_outside_the_contract_is_caught(stack: dict[str, Any], tokens: dict[str, dict[str, str]]) -> None:
    contract = Contract.load()
    real = httpx.get(stack["api_url"] + "/billing", headers=_bearer(tokens), timeout=30)
    headers = {k.lower(): v for k, v in real.headers.items()}
    url = stack["api_url"] + "/billing"
    body = real.json()
    body.pop("has_customer")
    with pytest.raises(ContractViolation, match="has_customer"):
        contract.check("GET", url, _bearer(tokens), b"", Answer(200, headers, json.dumps(body).encode()))
    with pytest.raises(ContractViolation, match="status 418 is not documented"):
        contract.check("GET", url, _bearer(tokens), b"", Answer(418, headers, real.content))
    error = {"error": {"code": "made_up_code", "message": "x", "request_id": "r"}}
    with pytest.raises(ContractViolation, match="made_up_code"):
        contract.check("GET", url, _bearer(tokens), b"", Answer(409, headers, json.dumps(error).encode()))
    # A request the contract refuses (no Idempotency-Key on a mutation) must not succeed.
    change = stack["api_url"] + "/billing/payment-methods/pm_123"
    with pytest.raises(ContractViolation, match="Idempotency-Key is required"):
        contract.check("DELETE", change, _bearer(tokens), b"", Answer(200, headers, b'{"removed": "pm_123"}'))
