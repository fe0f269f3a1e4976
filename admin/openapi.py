"""``make openapi``: the one API contract, ``docs/openapi.json`` (OpenAPI 3.1), built from the functions' apps.

Every route the HTTP API of ``template.yaml`` sends to a function is taken from that function's app
(``functions/<area>/<area>/app.py``: its routes, request and response models), declared again on FastAPI at
build time (``admin.openapi_fastapi``: the functions serve them with ``billing_core.routing``, FastAPI is a
build dependency), and the document adds what the apps do not declare themselves:

* security: the Cognito JWT bearer token that API Gateway's authorizer checks (``cognitoJwt``) on every route
  with an authorizer; the webhook's Stripe signature (``stripeSignature``, the ``Stripe-Signature`` header) on
  the route without one;
* headers: ``Idempotency-Key`` where a route takes it (required on mutations, optional where accepted), and
  ``X-Billing-Account`` where the route's rule (``billing_core.accounts.roles.ROUTE_RULES``) reads the account
  from it;
* errors: the one envelope ``{"error": {"code", "message", "request_id"}}`` with, per route and status, the
  codes it may answer (each with an example): the route's own, read from the code it calls
  (``admin.openapi_errors``), and those of the steps every request passes (identity, role, body, idempotency,
  dependencies); the 401 of API Gateway's JWT authorizer, ``{"message": "Unauthorized"}``, which an HTTP API
  cannot reshape, and its throttling 429.

Models of the same name in two apps are merged when equal and named ``<Area><Name>`` when they differ
(``admin.openapi_components``). The error answers are built in ``admin.openapi_responses``, the request examples
kept in ``admin.openapi_examples``. The output is deterministic (sorted keys, routes in path order):
``tests/tooling/test_openapi.py`` regenerates it in memory and fails when the file differs.
``python -m admin.openapi [--check] [--out PATH]``.
"""

from __future__ import annotations

import argparse
import copy
import functools
import importlib
import json
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from admin.openapi_components import merge_components
from admin.openapi_errors import ErrorCode, SourceIndex
from admin.openapi_examples import request_example
from admin.openapi_fastapi import fastapi_app
from admin.openapi_responses import GATEWAY_MESSAGE, error_examples, error_responses, generic_codes

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "docs" / "openapi.json"
TEMPLATE = ROOT / "template.yaml"
TITLE = "Billing self-service API"
VERSION = "1.0.0"
BEARER = "cognitoJwt"
STRIPE_SIGNATURE = "stripeSignature"
_BODY_METHODS = {"post", "put", "patch", "delete"}


# ---------------------------------------------------------------------------------------------------------------
# Reading the template and the apps
# ---------------------------------------------------------------------------------------------------------------
def _routes() -> list[tuple[str, str, str, bool]]:
    """(method, path, area, has authorizer) of every HttpApi route of template.yaml."""
    from local.stack.template import Template

    template = Template(TEMPLATE)
    out = []
    for route in template.routes():
        handler = str(template.resources[route.function]["Properties"]["Handler"])
        out.append((route.method.lower(), route.path, handler.split(".", 1)[0], route.authorizer is not None))
    return sorted(out)


def _package(area: str) -> Path:
    return ROOT / "functions" / area / area


@functools.cache
def _import_app(area: str) -> Any:
    """The FastAPI declaration of the function's app (one per area and process: a test may patch its ``openapi``)."""
    for path in (ROOT / "layers" / "shared", ROOT / "functions" / area):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    with warnings.catch_warnings():
        # Mangum 0.22 calls asyncio.get_event_loop() in its constructor: deprecated without a loop on 3.13.
        warnings.filterwarnings("ignore", "There is no current event loop", DeprecationWarning)
        return fastapi_app(importlib.import_module(f"{area}.app").app)


def _route_of(app: Any, method: str, path: str) -> Any:
    from fastapi import routing

    for context in routing.iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, routing.APIRoute) and context.path == path and method.upper() in (context.methods or ()):
            return route
    raise LookupError(f"{method.upper()} {path}: routed by template.yaml but not served by its app")


def _dependency_calls(dependant: Any) -> Iterator[str]:
    for dep in dependant.dependencies:
        if dep.call is not None:
            yield getattr(dep.call, "__name__", "")
        yield from _dependency_calls(dep)


# ---------------------------------------------------------------------------------------------------------------
# Per operation: security, headers, errors
# ---------------------------------------------------------------------------------------------------------------
def _header(name: str, required: bool, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": required, "description": description, "schema": schema}


IDEMPOTENCY_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"}
#: Absent, empty or blank: the caller's personal account (``billing_core.accounts.context.account_of_request``).
ACCOUNT_SCHEMA = {"type": "string", "maxLength": 200, "example": "t_3f9a1c2b7d"}


def _operation(
    area: str, app: Any, doc: dict[str, Any], method: str, path: str, has_authorizer: bool, index: SourceIndex
) -> tuple[dict[str, Any], set[ErrorCode]]:
    from billing_core.accounts.roles import rule_for

    doc_op = copy.deepcopy(doc["paths"][path][method])
    route = _route_of(app, method, path)
    calls = set(_dependency_calls(route.dependant))
    idempotency = (
        "required" if "idempotency_key" in calls else "optional" if "optional_idempotency_key" in calls else None
    )
    rule = rule_for(method, path)
    params = [p for p in doc_op.get("parameters", [])]
    if idempotency is not None:
        params.append(
            _header(
                "Idempotency-Key",
                idempotency == "required",
                "A key of your choice per intended action (a UUID): a retry with the same key and body replays the "
                "stored answer; the same key with another body is 422 `idempotency_key_reused`.",
                IDEMPOTENCY_SCHEMA,
            )
        )
    if rule is not None and rule.account == "header":
        params.append(
            _header(
                "X-Billing-Account",
                False,
                "The team billing account to act on (absent or empty: the caller's personal account). An account "
                "the caller is not a member of, or a malformed id, is 404 `account_not_found`.",
                ACCOUNT_SCHEMA,
            )
        )
    if params:
        doc_op["parameters"] = params
    has_body = "requestBody" in doc_op or (not has_authorizer and method in _BODY_METHODS)
    if not has_authorizer:
        doc_op["requestBody"] = {
            "required": True,
            "description": "A Stripe event as Stripe sends it; the signature is checked over the raw bytes.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/StripeEvent"}}},
        }
        doc_op["security"] = [{STRIPE_SIGNATURE: []}]
    else:
        doc_op["security"] = [{BEARER: []}]
    example = request_example(method, path)
    if example is not None:
        doc_op["requestBody"]["content"]["application/json"]["examples"] = {"request": {"value": example}}
    codes = index.reachable_codes(route.endpoint.__name__, _package(area)) | generic_codes(
        index,
        identity=has_authorizer,
        rule=rule,
        idempotency=idempotency,
        has_body=has_body,
        has_input=bool(params) or "requestBody" in doc_op,
    )
    if not has_authorizer:
        codes = {c for c in codes if c.status not in (401, 403)}
    success = {k: v for k, v in doc_op["responses"].items() if k.startswith("2")}
    doc_op["responses"] = {**success, **error_responses(codes, has_authorizer)}
    doc_op["tags"] = [area]
    return doc_op, codes


# ---------------------------------------------------------------------------------------------------------------
# The document
# ---------------------------------------------------------------------------------------------------------------
def build() -> dict[str, Any]:
    """The contract as a dict (deterministic)."""
    routes = _routes()
    areas = sorted({area for _, _, area, _ in routes})
    apps = {area: _import_app(area) for area in areas}
    docs = {area: copy.deepcopy(app.openapi()) for area, app in apps.items()}
    schemas = merge_components(docs)
    index = SourceIndex([_package(area) for area in areas])
    paths: dict[str, dict[str, Any]] = {}
    all_codes: set[ErrorCode] = set()
    for method, path, area, has_authorizer in routes:
        paths.setdefault(path, {})[method], codes = _operation(
            area, apps[area], docs[area], method, path, has_authorizer, index
        )
        all_codes |= codes
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas[GATEWAY_MESSAGE] = {
        "title": GATEWAY_MESSAGE,
        "type": "object",
        "description": "API Gateway's own answer (its JWT authorizer's 401, its throttling 429).",
        "properties": {"message": {"type": "string", "title": "Message"}},
        "required": ["message"],
    }
    schemas["StripeEvent"] = {
        "title": "StripeEvent",
        "type": "object",
        "description": "A Stripe event object (API version 2026-10-28.endive), as delivered to a webhook endpoint.",
        "properties": {"id": {"type": "string"}, "object": {"const": "event"}, "type": {"type": "string"}},
        "required": ["id", "object", "type"],
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": (
                "Billing self-service for a SaaS app on Stripe: every route of every function behind the HTTP API. "
                "Routes need a Cognito access token (`Authorization: Bearer`); errors have one shape, "
                '`{"error": {"code", "message", "request_id"}}`, except the 401 of API Gateway\'s JWT '
                'authorizer and its throttling 429 (`{"message": ...}`). Generated by `make openapi`.'
            ),
        },
        "servers": [{"url": "/", "description": "the HTTP API's base URL (the stack's ApiUrl output)"}],
        "paths": {path: paths[path] for path in sorted(paths)},
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {
                BEARER: {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "A Cognito access token of the stack's user pool (an ID token is 403 `forbidden`).",
                },
                STRIPE_SIGNATURE: {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Stripe-Signature",
                    "description": "Stripe's signature of the raw body with the endpoint's signing secret.",
                },
            },
            "examples": error_examples(all_codes),
            "headers": {
                "RetryAfter": {
                    "description": "Seconds to wait before retrying.",
                    "schema": {"type": "integer", "minimum": 0},
                }
            },
        },
    }


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="exit 1 when the file differs from the apps")
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        current = args.out.read_text() if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is stale: run `make openapi`", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text)
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
