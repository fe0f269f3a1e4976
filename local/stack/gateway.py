"""A local API Gateway HTTP API built from template.yaml, in front of the real function handlers.

What it does, as API Gateway does:
* routes: the `HttpApi` events of every `AWS::Serverless::Function` (Method, Path with `{param}` / `{proxy+}`);
  unknown route -> 404 `{"message":"Not Found"}`;
* the JWT authorizer (issuer and audience from the template, resolved to the local user pool): RS256 with the
  `kid` from the local JWKS (moto serves it at `<moto>/<pool_id>/.well-known/jwks.json`; the issuer is checked
  apart from that address), `exp`/`nbf`/`iat`, `iss`, and `aud` (ID tokens) or `client_id` (access tokens)
  against the audience; missing or invalid -> 401 `{"message":"Unauthorized"}`. ID and access tokens both pass
  (the function tells them apart, A5);
* offline only, on paths no route takes: `/openapi.json` (docs/openapi.json) and its documentation page `/docs`
  (`api_docs.py`);
* CORS from the API's CorsConfiguration: preflights answered here (no authorizer), allowed origins echoed,
  expose headers added; an origin outside the list gets no CORS headers;
* a payload-format-2.0 event (claims as strings, as API Gateway sends them) handed to `<area>.app.handler`
  imported from `functions/<area>/` with `layers/shared` on sys.path (the code Lambda runs), with a Lambda
  context honouring the template's Timeout; the result is mapped back (cookies, base64 bodies);
  a handler exception or timeout -> 500 `{"message":"Internal Server Error"}`.

Each function runs on its own small pool of "instances" (threads with their own event loop), one request per
instance at a time, like Lambda execution environments. Every function shares this process's environment
(the template's Globals are identical for all; function-level variables are applied while its module loads).

This module routes and answers; the authorizer and the event are `authorizer.py`, the function instances
`lambda_runtime.py`, the socket `gateway_server.py`.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from . import api_docs
from .authorizer import JwtVerifier, build_http_event
from .gateway_server import GatewayServer
from .lambda_runtime import LocalFunction
from .template import Api, Cors, FunctionSpec, Route

log = logging.getLogger("local.gateway")

UNAUTHORIZED = (401, {"message": "Unauthorized"})
NOT_FOUND = (404, {"message": "Not Found"})
INTERNAL = (500, {"message": "Internal Server Error"})


# ---------------------------------------------------------------------------------------------------------------
# Routing
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _CompiledRoute:
    route: Route
    pattern: re.Pattern[str]
    params: tuple[str, ...]
    specificity: tuple[int, int]


def _compile(route: Route) -> _CompiledRoute:
    params: list[str] = []
    regex = ""
    greedy = 0
    for part in route.path.strip("/").split("/") if route.path != "/" else []:
        m = re.fullmatch(r"\{([^}+]+)(\+?)\}", part)
        if m:
            params.append(m.group(1))
            if m.group(2):
                greedy += 1
                regex += f"/(?P<{m.group(1)}>.+)"
            else:
                regex += f"/(?P<{m.group(1)}>[^/]+)"
        else:
            regex += "/" + re.escape(part)
    return _CompiledRoute(route, re.compile(f"^{regex or '/'}$"), tuple(params), (greedy, len(params)))


class Gateway:
    """The routing, authorizer, CORS and event plumbing; `serve()` puts it on a socket."""

    def __init__(
        self,
        routes: list[Route],
        apis: dict[str | None, Api],
        functions: dict[str, FunctionSpec],
        *,
        jwks_url: str,
        issuer: str | None = None,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        api_id: str = "localapi",
    ) -> None:
        self.apis = apis
        self.region = region
        self.account_id = account_id
        self.api_id = api_id
        self.routes = sorted((_compile(r) for r in routes), key=lambda c: c.specificity)
        self.functions = {name: LocalFunction(spec, region, account_id) for name, spec in functions.items()}
        self.verifiers: dict[tuple[str | None, str], JwtVerifier] = {}
        for api_name, api in apis.items():
            for auth_name, auth in api.authorizers.items():
                self.verifiers[(api_name, auth_name)] = JwtVerifier(auth, jwks_url, issuer)
        self.domain = "127.0.0.1"

    def cors_for(self, path: str, route: Route | None = None) -> Cors | None:
        """The CORS configuration of the API serving `path` (each HttpApi has its own, or none)."""
        if route is not None:
            api = self.apis.get(route.api)
            return api.cors if api else None
        for compiled in self.routes:
            if compiled.pattern.match(path):
                api = self.apis.get(compiled.route.api)
                return api.cors if api else None
        return None

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for compiled in self.routes:
            if compiled.route.method not in (method, "ANY"):
                continue
            m = compiled.pattern.match(path)
            if m:
                return compiled.route, {k: v for k, v in m.groupdict().items()}
        return None

    # -- one request --------------------------------------------------------------------------------------------
    def handle(
        self, method: str, raw_path: str, headers: list[tuple[str, str]], body: bytes, source_ip: str
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        url = urlsplit(raw_path)
        path = url.path or "/"
        lower: dict[str, str] = {}
        cookies: list[str] = []
        for k, v in headers:
            lk = k.lower()
            if lk == "cookie":
                cookies.extend(c.strip() for c in v.split(";") if c.strip())
                continue
            lower[lk] = f"{lower[lk]},{v}" if lk in lower else v
        origin = lower.get("origin")
        cors = self.cors_for(path)

        if method == "OPTIONS" and cors is not None and "access-control-request-method" in lower:
            return self._preflight(cors, origin, lower)

        found = self.match(method, path)
        if found is None:
            # Offline only: the API contract and its documentation page (local/stack/api_docs.py).
            docs = api_docs.serve(method, path)
            if docs is not None:
                return docs
            return self._finish(*_json(*NOT_FOUND), cors, origin)
        route, path_params = found
        cors = self.cors_for(path, route)
        claims: dict[str, Any] | None = None
        if route.authorizer is not None:
            verifier = self.verifiers.get((route.api, route.authorizer))
            token = lower.get("authorization", "")
            if token.lower().startswith("bearer "):
                token = token[7:].strip()
            claims = verifier.verify(token) if (verifier and token) else None
            if claims is None:
                return self._finish(*_json(*UNAUTHORIZED), cors, origin)

        event = self.build_event(route, method, url.path, url.query, lower, cookies, body, path_params, claims)
        event["requestContext"]["http"]["sourceIp"] = source_ip
        function = self.functions[route.function]
        try:
            result = function.invoke(event)
        except TimeoutError:
            log.error("%s timed out", route.function)
            return self._finish(*_json(*INTERNAL), cors, origin)
        except Exception:  # noqa: BLE001 - a crashing handler is a 500 from API Gateway, not a gateway crash
            log.error("%s raised:\n%s", route.function, traceback.format_exc())
            return self._finish(*_json(*INTERNAL), cors, origin)
        status, out_headers, out_body = self.map_result(result)
        return self._finish(status, out_headers, out_body, cors, origin)

    def build_event(
        self,
        route: Route,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        cookies: list[str],
        body: bytes,
        path_params: dict[str, str],
        claims: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        return build_http_event(
            route.route_key,
            method,
            path,
            query,
            headers,
            body,
            claims=claims,
            cookies=cookies,
            path_params=path_params,
            account_id=self.account_id,
            api_id=self.api_id,
            domain=self.domain,
        )

    @staticmethod
    def map_result(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
        """A payload-2.0 Lambda result as API Gateway turns it into an HTTP response."""
        if not isinstance(result, dict) or "statusCode" not in result:
            return 200, [("content-type", "application/json")], json.dumps(result).encode()
        headers: list[tuple[str, str]] = [(k.lower(), str(v)) for k, v in (result.get("headers") or {}).items()]
        for k, values in (result.get("multiValueHeaders") or {}).items():
            headers.extend((k.lower(), str(v)) for v in values)
        headers.extend(("set-cookie", c) for c in result.get("cookies") or [])
        body = result.get("body") or ""
        raw = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode("utf-8")
        return int(result["statusCode"]), headers, raw

    def _preflight(
        self, cors: Cors, origin: str | None, headers: dict[str, str]
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        out: list[tuple[str, str]] = []
        if origin and _origin_allowed(cors, origin):
            requested = headers.get("access-control-request-method", "").upper()
            if "*" in cors.allow_methods or requested in cors.allow_methods:
                out.append(("access-control-allow-origin", "*" if "*" in cors.allow_origins else origin))
                out.append(("access-control-allow-methods", ",".join(cors.allow_methods)))
                if cors.allow_headers:
                    out.append(("access-control-allow-headers", ",".join(cors.allow_headers)))
                if cors.max_age is not None:
                    out.append(("access-control-max-age", str(cors.max_age)))
                if cors.allow_credentials:
                    out.append(("access-control-allow-credentials", "true"))
        return 204, out, b""

    @staticmethod
    def _finish(
        status: int, headers: list[tuple[str, str]], body: bytes, cors: Cors | None, origin: str | None
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        if cors is not None:
            # API Gateway's CORS configuration overrides any CORS headers the integration returns.
            headers = [(k, v) for k, v in headers if not k.startswith("access-control-")]
            if origin and _origin_allowed(cors, origin):
                headers.append(("access-control-allow-origin", "*" if "*" in cors.allow_origins else origin))
                if cors.expose_headers:
                    headers.append(("access-control-expose-headers", ",".join(cors.expose_headers)))
                if cors.allow_credentials:
                    headers.append(("access-control-allow-credentials", "true"))
                headers.append(("vary", "origin"))
        return status, headers, body

    # -- server -------------------------------------------------------------------------------------------------
    def serve(self, host: str = "127.0.0.1", port: int = 3000) -> GatewayServer:
        return GatewayServer(self, host, port)

    def close(self) -> None:
        for fn in self.functions.values():
            fn.close()


def _origin_allowed(cors: Cors, origin: str) -> bool:
    return "*" in cors.allow_origins or origin.lower() in {o.lower().rstrip("/") for o in cors.allow_origins}


def _json(status: int, body: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    return status, [("content-type", "application/json")], json.dumps(body).encode()
