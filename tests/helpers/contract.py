"""The client side of the API contract: every request a test sends to the offline stack's API, and the answer,
checked against ``docs/openapi.json`` (``tests/e2e/conftest.py`` installs it on httpx's transport).

Rules, so a route that drifts from its contract fails the test that called it:

* every answer matches the operation's documented response for its status: the status is documented, a JSON
  body matches its schema, and an error's ``code`` is one of the codes documented for that status;
* a request the contract refuses (a missing header or token, a body or parameter outside its schema) must not
  succeed: a 2xx answer to it means the server accepts what the contract says it refuses;
* a request to no operation of the contract is answered as API Gateway answers an unrouted path (404
  ``{"message": "Not Found"}``); CORS preflights and the gateway's own documentation paths are not operations.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from jsonschema import Draft202012Validator

CONTRACT_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
NOT_OPERATIONS = ("/docs", "/openapi.json")


class ContractViolation(AssertionError):
    """A request or answer that differs from docs/openapi.json."""


@dataclass
class Operation:
    method: str
    template: str
    spec: dict[str, Any]
    pattern: re.Pattern[str]


@dataclass
class Contract:
    doc: dict[str, Any]
    _validators: dict[str, Draft202012Validator] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = CONTRACT_PATH) -> Contract:
        return cls(json.loads(path.read_text()))

    @cached_property
    def operations(self) -> list[Operation]:
        ops = []
        for template, methods in self.doc["paths"].items():
            regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
            for method, spec in methods.items():
                ops.append(Operation(method.upper(), template, spec, re.compile(f"^{regex}$")))
        # literal paths before parameterised ones (e.g. /setup-intent before /{id})
        return sorted(ops, key=lambda op: (op.template.count("{"), op.template))

    def operation(self, method: str, path: str) -> Operation | None:
        return next((op for op in self.operations if op.method == method and op.pattern.match(path)), None)

    def _validate(self, schema: dict[str, Any], value: Any) -> list[str]:
        key = json.dumps(schema, sort_keys=True)
        validator = self._validators.get(key)
        if validator is None:
            validator = Draft202012Validator({**schema, "components": self.doc["components"]})
            self._validators[key] = validator
        return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in validator.iter_errors(value)]

    # -- requests -------------------------------------------------------------------------------------------------
    def request_problems(self, op: Operation, path: str, query: str, headers: dict[str, str], body: bytes) -> list[str]:
        """Why the contract refuses this request (empty: it conforms)."""
        problems: list[str] = []
        values = dict(zip(_param_names(op.template), _path_values(op, path), strict=True))
        query_values = dict(parse_qsl(query, keep_blank_values=True))
        for param in op.spec.get("parameters", []):
            name, where = param["name"], param["in"]
            source = {"path": values, "query": query_values, "header": headers}[where]
            value = source.get(name.lower() if where == "header" else name)
            if value is None:
                if param.get("required"):
                    problems.append(f"{where} parameter {name} is required")
                continue
            schema = param.get("schema", {})
            problems += [f"{where} {name}: {p}" for p in self._validate(schema, _typed(schema, value))]
        for requirement in op.spec.get("security", []):
            if "cognitoJwt" in requirement and not headers.get("authorization", "").lower().startswith("bearer "):
                problems.append("no bearer token")
            if "stripeSignature" in requirement and "stripe-signature" not in headers:
                problems.append("no Stripe-Signature header")
        spec_body = op.spec.get("requestBody")
        if spec_body is not None:
            problems += self._body_problems(spec_body, headers, body)
        return problems

    def _body_problems(self, spec_body: dict[str, Any], headers: dict[str, str], body: bytes) -> list[str]:
        if not body:
            return ["request body is required"] if spec_body.get("required") else []
        if headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return ["request body is not application/json"]
        try:
            value = json.loads(body)
        except ValueError:
            return ["request body is not JSON"]
        schema = spec_body["content"]["application/json"]["schema"]
        return [f"body {p}" for p in self._validate(schema, value)]

    # -- answers --------------------------------------------------------------------------------------------------
    def response_problems(self, op: Operation, status: int, headers: dict[str, str], body: bytes) -> list[str]:
        documented = op.spec["responses"].get(str(status))
        if documented is None:
            return [f"status {status} is not documented (documented: {sorted(op.spec['responses'])})"]
        content = documented.get("content", {}).get("application/json")
        if content is None:
            return []
        if not headers.get("content-type", "").startswith("application/json"):
            return [f"answer is {headers.get('content-type')!r}, documented application/json"]
        try:
            value = json.loads(body)
        except ValueError:
            return ["answer is not JSON"]
        problems = [f"answer {p}" for p in self._validate(content["schema"], value)]
        code = value.get("error", {}).get("code") if isinstance(value, dict) and "error" in value else None
        if code is not None and code not in content.get("examples", {}):
            problems.append(f"error code {code!r} is not documented for {status}")
        return problems

    def check(self, method: str, url: str, headers: dict[str, str], body: bytes, answer: Answer) -> None:
        """Raise ContractViolation when the exchange breaks one of the rules of this module."""
        parts = urlsplit(url)
        if method in ("OPTIONS", "HEAD") or parts.path in NOT_OPERATIONS or parts.path.startswith("/docs/"):
            return
        op = self.operation(method, parts.path)
        if op is None:
            if answer.status != 404 or json.loads(answer.body or b"null") != {"message": "Not Found"}:
                raise ContractViolation(f"{method} {parts.path}: no such operation, answered {answer.status}")
            return
        lower = {k.lower(): v for k, v in headers.items()}
        refused = self.request_problems(op, parts.path, parts.query, lower, body)
        problems = self.response_problems(op, answer.status, answer.headers, answer.body)
        if refused and 200 <= answer.status < 300:
            problems.append(f"answered {answer.status} to a request the contract refuses: {refused}")
        if problems:
            raise ContractViolation(f"{method} {op.template} -> {answer.status}: " + "; ".join(problems))


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def _param_names(template: str) -> list[str]:
    return re.findall(r"\{([^}]+)\}", template)


def _path_values(op: Operation, path: str) -> list[str]:
    regex = re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(op.template))
    match = re.match(f"^{regex}$", path)
    return list(match.groups()) if match else []


def _typed(schema: dict[str, Any], value: str) -> Any:
    """A query or path value as the schema sees it (a number for an integer parameter)."""
    types = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
    return int(value) if "integer" in types and re.fullmatch(r"-?\d+", value) else value
