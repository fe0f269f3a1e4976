"""API Gateway's side of a request: the JWT authorizer and the payload-format-2.0 event it hands a function.

* :class:`JwtVerifier` — RS256 with the `kid` from the local JWKS, `exp`/`nbf`/`iat`, `iss`, and `aud` (ID
  tokens) or `client_id` (access tokens) against the audience; None where API Gateway answers 401;
* :func:`build_http_event` — the event with claims as strings (as API Gateway sends them), base64 for a
  body that is not text.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import jwt

from .template import JwtAuthorizer

log = logging.getLogger("local.gateway")

TEXT_TYPES = re.compile(
    r"^(text/|application/(json|[\w.+-]+\+json|xml|[\w.+-]+\+xml|javascript|x-www-form-urlencoded|graphql))", re.I
)


class JwtVerifier:
    """Verifies a bearer token like API Gateway's JWT authorizer."""

    def __init__(self, authorizer: JwtAuthorizer, jwks_url: str, issuer: str | None = None, leeway: int = 0) -> None:
        self.authorizer = authorizer
        self.issuer = issuer or authorizer.issuer
        self.audience = set(authorizer.audience)
        self.jwks = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=300, timeout=5)
        self.leeway = leeway

    def verify(self, token: str) -> dict[str, Any] | None:
        """The token's claims, or None when API Gateway would answer 401."""
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != "RS256" or not header.get("kid"):
                return None
            key = self.jwks.get_signing_key(header["kid"])
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iss"], "verify_aud": False},
            )
        except (jwt.PyJWTError, ValueError, KeyError) as exc:
            log.info("authorizer rejected a token: %s", type(exc).__name__)
            return None
        aud = claims.get("aud")
        auds = set(aud if isinstance(aud, list) else [aud]) if aud is not None else set()
        if not (auds & self.audience) and claims.get("client_id") not in self.audience:
            log.info("authorizer rejected a token: audience")
            return None
        return claims


def claims_as_strings(claims: Mapping[str, Any]) -> dict[str, str]:
    """API Gateway hands claims to the function as strings (lists as "[a b]")."""
    out = {}
    for k, v in claims.items():
        if isinstance(v, bool):
            out[k] = "true" if v else "false"
        elif isinstance(v, list):
            out[k] = "[" + " ".join(str(x) for x in v) + "]"
        elif isinstance(v, dict):
            out[k] = json.dumps(v, separators=(",", ":"))
        else:
            out[k] = str(v)
    return out


def build_http_event(
    route_key: str,
    method: str,
    path: str,
    query: str = "",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    *,
    claims: Mapping[str, Any] | None = None,
    cookies: list[str] | None = None,
    path_params: dict[str, str] | None = None,
    account_id: str = "123456789012",
    api_id: str = "localapi",
    domain: str = "127.0.0.1",
) -> dict[str, Any]:
    """An API Gateway HTTP API payload-format-2.0 event (headers already lower-cased)."""
    headers = dict(headers or {})
    now = time.time()
    qs: dict[str, str] = {}
    for k, v in parse_qsl(query, keep_blank_values=True):
        qs[k] = f"{qs[k]},{v}" if k in qs else v
    request_id = base64.b32encode(uuid.uuid4().bytes[:10]).decode().rstrip("=")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": account_id,
            "apiId": api_id,
            "domainName": headers.get("host", domain),
            "domainPrefix": api_id,
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route_key,
            "stage": "$default",
            "time": datetime.fromtimestamp(now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if qs:
        event["queryStringParameters"] = qs
    if path_params:
        event["pathParameters"] = path_params
    if claims is not None:
        scope = claims.get("scope")
        event["requestContext"]["authorizer"] = {
            "jwt": {"claims": claims_as_strings(claims), "scopes": str(scope).split() if scope else None}
        }
    if body:
        ctype = headers.get("content-type", "")
        try:
            if not TEXT_TYPES.match(ctype):
                raise UnicodeDecodeError("utf-8", body, 0, 1, "binary content type")
            event["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    return event
