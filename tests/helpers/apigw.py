"""Build API Gateway HTTP API (payload format 2.0) events and invoke handlers the way Lambda does.

    event = http_event("GET", "/billing", sub="user-1")
    response = invoke(handler, event)          # {"statusCode", "headers", "body", "json"}

``claims=None`` models a route without an authorizer (A1); ``token_use="id"`` an ID token (A5).
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

_UNSET: Any = object()


def access_claims(sub: str, *, token_use: str = "access", username: str | None = None) -> dict[str, Any]:
    """Claims as the HTTP API JWT authorizer passes them (all values are strings)."""
    now = int(time.time())
    return {
        "sub": sub,
        "token_use": token_use,
        "username": username or sub,
        "client_id": "local-client",
        "scope": "aws.cognito.signin.user.admin",
        "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_local",
        "iat": str(now),
        "exp": str(now + 3600),
    }


def http_event(
    method: str,
    path: str,
    *,
    sub: str | None = "user-1",
    claims: Mapping[str, Any] | None = _UNSET,
    token_use: str = "access",
    query: Mapping[str, str] | None = None,
    body: Any = None,
    raw_body: bytes | str | None = None,
    base64_body: bool = False,
    headers: Mapping[str, str] | None = None,
    content_type: str | None = "application/json",
    path_parameters: Mapping[str, str] | None = None,
    route_key: str | None = None,
) -> dict[str, Any]:
    """A payload-2.0 event. ``body`` is JSON-encoded; ``raw_body`` is sent as is."""
    if claims is _UNSET:
        claims = access_claims(sub, token_use=token_use) if sub is not None else None
    hdrs = {"host": "api.example.test", "user-agent": "pytest", "x-forwarded-proto": "https"}
    payload: bytes | None = None
    if raw_body is not None:
        payload = raw_body.encode() if isinstance(raw_body, str) else raw_body
    elif body is not None:
        payload = json.dumps(body).encode()
    if payload is not None:
        if content_type:
            hdrs["content-type"] = content_type
        hdrs["content-length"] = str(len(payload))
    hdrs.update({k.lower(): v for k, v in (headers or {}).items()})
    request_context: dict[str, Any] = {
        "accountId": "123456789012",
        "apiId": "local",
        "domainName": "api.example.test",
        "domainPrefix": "api",
        "http": {
            "method": method.upper(),
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1",
            "userAgent": "pytest",
        },
        "requestId": str(uuid.uuid4()),
        "routeKey": route_key or f"{method.upper()} {path}",
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
        "timeEpoch": int(time.time() * 1000),
    }
    if claims is not None:
        request_context["authorizer"] = {"jwt": {"claims": dict(claims), "scopes": None}}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": request_context["routeKey"],
        "rawPath": path,
        "rawQueryString": urlencode(query or {}),
        "headers": hdrs,
        "requestContext": request_context,
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = dict(query)
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if payload is not None:
        if base64_body:
            event["body"] = base64.b64encode(payload).decode()
            event["isBase64Encoded"] = True
        else:
            event["body"] = payload.decode()
    return event


@dataclass
class LambdaContext:
    """Enough of the Lambda context for Mangum, Powertools and the request deadline."""

    function_name: str = "billing-test"
    timeout_s: float = 20.0
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:billing-test"
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/billing-test"
    log_stream_name: str = "local"
    _started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return int(max(0.0, self.timeout_s - (time.monotonic() - self._started)) * 1000)


def invoke(
    handler: Callable[[dict[str, Any], Any], dict[str, Any]],
    event: dict[str, Any],
    context: LambdaContext | None = None,
) -> dict[str, Any]:
    """Call a Mangum handler; decode the body; add ``json`` (parsed body or None)."""
    response = dict(handler(event, context or LambdaContext()))
    body = response.get("body") or ""
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    response["body"] = body
    try:
        response["json"] = json.loads(body) if body else None
    except ValueError:
        response["json"] = None
    response["headers"] = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    return response
