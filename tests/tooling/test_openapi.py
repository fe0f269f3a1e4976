"""The published API contract, docs/openapi.json, is what the functions' apps serve: regenerated in memory and
compared byte for byte (``make openapi`` rewrites it), and it holds what a client needs: every routed operation,
the security of each, the Idempotency-Key and X-Billing-Account headers, the error envelope with codes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from billing_core.accounts.context import account_of_request
from billing_core.accounts.roles import rule_for
from jsonschema import Draft202012Validator

from admin import openapi
from admin.openapi_examples import REQUEST_EXAMPLES
from local.stack.template import Template


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    return openapi.build()


def test_docs_openapi_json_equals_the_apps(built: dict[str, Any]) -> None:
    on_disk = openapi.OUTPUT.read_text()
    assert on_disk == openapi.render(built), "docs/openapi.json is stale: run `make openapi` and commit it"


def test_a_changed_app_is_caught_as_drift(built: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """A route whose app changes (here: its answer model loses a field) no longer equals the committed file."""
    app = openapi._import_app("billing_read")
    original = app.openapi()

    def drifted() -> dict[str, Any]:
        doc = json.loads(json.dumps(original))
        del doc["components"]["schemas"]["BillingOverview"]["properties"]["has_customer"]
        return doc

    monkeypatch.setattr(app, "openapi", drifted)
    assert openapi.render(openapi.build()) != openapi.OUTPUT.read_text()


def test_every_routed_operation_is_in_the_contract(built: dict[str, Any]) -> None:
    routed = {(r.method.lower(), r.path) for r in Template().routes()}
    documented = {(m, p) for p, ops in built["paths"].items() for m in ops}
    assert documented == routed


def test_security_is_the_bearer_token_except_on_the_webhook(built: dict[str, Any]) -> None:
    for path, ops in built["paths"].items():
        for method, op in ops.items():
            expected: list[dict[str, list[str]]] = (
                [{"stripeSignature": []}] if path == "/webhooks/stripe" else [{"cognitoJwt": []}]
            )
            assert op["security"] == expected, (method, path)
    assert built["components"]["securitySchemes"]["cognitoJwt"]["scheme"] == "bearer"


def _headers(op: dict[str, Any]) -> dict[str, bool]:
    return {p["name"]: p["required"] for p in op.get("parameters", []) if p["in"] == "header"}


def test_idempotency_key_is_required_on_mutations_and_absent_on_reads(built: dict[str, Any]) -> None:
    ops = built["paths"]
    assert _headers(ops["/billing/subscription/change"]["post"])["Idempotency-Key"] is True
    assert _headers(ops["/billing/payment-methods/{id}"]["delete"])["Idempotency-Key"] is True
    assert "Idempotency-Key" not in _headers(ops["/billing"]["get"])
    assert "Idempotency-Key" not in _headers(ops["/billing/subscription/preview"]["post"])


def test_billing_routes_take_x_billing_account_and_account_routes_do_not(built: dict[str, Any]) -> None:
    for path, ops in built["paths"].items():
        for method, op in ops.items():
            has = "X-Billing-Account" in _headers(op)
            assert has == path.startswith("/billing"), (method, path)


def test_errors_have_the_envelope_with_their_codes_and_the_authorizer_401_its_own_body(built: dict[str, Any]) -> None:
    op = built["paths"]["/billing/payment-methods/{id}"]["delete"]
    conflict = op["responses"]["409"]["content"]["application/json"]
    assert conflict["schema"] == {"$ref": "#/components/schemas/ErrorEnvelope"}
    assert "default_payment_method_in_use" in conflict["examples"]
    example = built["components"]["examples"]["default_payment_method_in_use"]["value"]
    assert example["error"]["code"] == "default_payment_method_in_use"
    unauthorized = op["responses"]["401"]["content"]["application/json"]
    assert unauthorized["schema"] == {"$ref": "#/components/schemas/GatewayMessage"}
    assert unauthorized["examples"]["gateway"]["value"] == {"message": "Unauthorized"}
    assert "401" not in built["paths"]["/webhooks/stripe"]["post"]["responses"]


def test_models_of_the_same_name_that_differ_are_both_kept(built: dict[str, Any]) -> None:
    schemas = built["components"]["schemas"]
    assert {"BillingReadTaxIdView", "BillingDetailsTaxIdView"} <= set(schemas)
    assert "TaxIdView" not in schemas
    refs = json.dumps(built["paths"]["/billing/tax-ids"]["post"])
    assert "#/components/schemas/BillingDetailsTaxIdView" in refs


def test_every_request_example_matches_its_operations_schema(built: dict[str, Any]) -> None:
    for (method, path), example in REQUEST_EXAMPLES.items():
        body = built["paths"][path][method]["requestBody"]["content"]["application/json"]
        assert body["examples"]["request"]["value"] == example
        validator = Draft202012Validator({**body["schema"], "components": built["components"]})
        errors = [e.message for e in validator.iter_errors(example)]
        assert errors == [], (method, path, errors)


def test_a_request_example_outside_its_schema_is_caught(built: dict[str, Any]) -> None:
    schema = built["paths"]["/billing/subscription"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": built["components"]})
    assert list(validator.iter_errors({"price_lookup_key": "Pro Monthly!"}))


def test_an_empty_x_billing_account_is_documented_as_the_personal_account(built: dict[str, Any]) -> None:
    """The contract fuzz found the server taking an empty header as the personal account while the contract
    refused it: the contract now says so (and the fuzz holds the server to it)."""
    param = next(p for p in built["paths"]["/billing"]["get"]["parameters"] if p["name"] == "X-Billing-Account")
    assert list(Draft202012Validator(param["schema"]).iter_errors("")) == []
    assert "empty" in param["description"]
    rule = rule_for("GET", "/billing")
    assert rule is not None and account_of_request(rule, {"x-billing-account": ""}, {}) == ""


def _codes(op: dict[str, Any], status: str) -> set[str]:
    return set(op["responses"][status]["content"]["application/json"]["examples"])


def test_codes_the_fuzz_found_undocumented_are_in_the_contract(built: dict[str, Any]) -> None:
    """A blank optional Idempotency-Key is 400 idempotency_key_missing; a body FastAPI cannot decode (not UTF-8) is
    400 bad_request: both answered by the server, both missing from the contract until the fuzz sent them."""
    setup_intent = built["paths"]["/billing/payment-methods/setup-intent"]["post"]
    assert "idempotency_key_missing" in _codes(setup_intent, "400")
    for path, ops in built["paths"].items():
        for method, op in ops.items():
            if "requestBody" in op:
                assert {"bad_request", "malformed_json"} <= _codes(op, "400"), (method, path)
