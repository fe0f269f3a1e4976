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
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import json
import logging
import os
import re
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt

from . import api_docs
from .template import REPO_ROOT, Api, Cors, FunctionSpec, JwtAuthorizer, Route

log = logging.getLogger("local.gateway")

UNAUTHORIZED = (401, {"message": "Unauthorized"})
NOT_FOUND = (404, {"message": "Not Found"})
INTERNAL = (500, {"message": "Internal Server Error"})
TEXT_TYPES = re.compile(
    r"^(text/|application/(json|[\w.+-]+\+json|xml|[\w.+-]+\+xml|javascript|x-www-form-urlencoded|graphql))", re.I
)
INSTANCES_PER_FUNCTION = 8


# ---------------------------------------------------------------------------------------------------------------
# JWT authorizer
# ---------------------------------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------------------------------
# Functions
# ---------------------------------------------------------------------------------------------------------------
class LambdaContext:
    """The parts of the Lambda context object handlers use."""

    def __init__(self, spec: FunctionSpec, region: str, account_id: str) -> None:
        self.function_name = spec.logical_id
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account_id}:function:{spec.logical_id}"
        self.memory_limit_in_mb = spec.memory_size
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{spec.logical_id}"
        self.log_stream_name = datetime.now(UTC).strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + spec.timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


_import_lock = threading.Lock()


def _new_loop() -> None:
    asyncio.set_event_loop(asyncio.new_event_loop())


class LocalFunction:
    """One function of the template: its handler (imported once, lazily) and its instances."""

    def __init__(self, spec: FunctionSpec, region: str, account_id: str) -> None:
        self.spec = spec
        self.region = region
        self.account_id = account_id
        self._handler: Callable[[dict[str, Any], Any], Any] | None = None
        self._pool = ThreadPoolExecutor(INSTANCES_PER_FUNCTION, f"lambda-{spec.area}", initializer=_new_loop)

    def handler(self) -> Callable[[dict[str, Any], Any], Any]:
        with _import_lock:
            if self._handler is None:
                for path in (REPO_ROOT / "layers" / "shared", REPO_ROOT / self.spec.code_uri):
                    if str(path) not in sys.path:
                        sys.path.insert(0, str(path))
                module_name, _, attr = self.spec.handler.rpartition(".")
                saved = {k: os.environ.get(k) for k in self.spec.environment}
                os.environ.update(self.spec.environment)
                os.environ["AWS_LAMBDA_FUNCTION_NAME"] = self.spec.logical_id
                try:
                    self._handler = getattr(importlib.import_module(module_name), attr)
                finally:
                    os.environ.pop("AWS_LAMBDA_FUNCTION_NAME", None)
                    for k, v in saved.items():
                        if v is None:
                            os.environ.pop(k, None)
                        else:
                            os.environ[k] = v
            return self._handler

    def invoke(self, event: dict[str, Any]) -> Any:
        """Run the handler on an instance; raises TimeoutError past the template's Timeout."""
        handler = self.handler()
        context = LambdaContext(self.spec, self.region, self.account_id)
        future = self._pool.submit(handler, event, context)
        try:
            return future.result(timeout=self.spec.timeout)
        except FutureTimeout:
            raise TimeoutError(f"{self.spec.logical_id} timed out after {self.spec.timeout} s") from None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


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


class GatewayServer:
    """The gateway on a loopback socket, served from a background thread."""

    def __init__(self, gateway: Gateway, host: str, port: int) -> None:
        handler = type("BoundGatewayHandler", (_Handler,), {"gateway": gateway})
        self.gateway = gateway
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self.url = f"http://{host}:{self.port}"
        gateway.domain = f"{host}:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="local-gateway", daemon=True)

    def start(self) -> GatewayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.gateway.close()


class _Handler(BaseHTTPRequestHandler):
    gateway: Gateway
    protocol_version = "HTTP/1.1"
    server_version = "local-apigateway"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug(format, *args)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > 10 * 1024 * 1024:
            self._send(413, [("content-type", "application/json")], b'{"message":"Request Entity Too Large"}')
            return
        body = self.rfile.read(length) if length else b""
        started = time.monotonic()
        status, headers, out = self.gateway.handle(
            self.command, self.path, list(self.headers.items()), body, self.client_address[0]
        )
        log.info(
            "%s %s -> %s (%.0f ms)", self.command, self.path.split("?")[0], status, (time.monotonic() - started) * 1000
        )
        self._send(status, headers, out)

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        try:
            self.send_response(status)
            for k, v in headers:
                if k not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(k, v)
            self.send_header("content-length", str(len(body)))
            self.send_header("apigw-requestid", uuid.uuid4().hex[:16])
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve
