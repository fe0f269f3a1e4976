"""Read template.yaml the way the offline stack needs it: functions, HttpApi routes, the JWT authorizer, CORS,
DynamoDB tables, and each function's environment with the intrinsics resolved to local values.

CloudFormation short-form tags (`!Ref`, `!Sub`, `!If`, `!GetAtt`, ...) are loaded as `{"Ref": ...}` /
`{"Fn::Sub": ...}` so one resolver handles both forms. Resolution is local: a `!Ref` to a parameter gives its
local override or its default, to a resource the local physical name (`LocalNames`), conditions are evaluated
(`intrinsics.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local import cfn_yaml

from .intrinsics import Resolver

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO_ROOT / "template.yaml"


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    return cfn_yaml.load_template(path)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str  # logical id
    authorizer: str | None  # None = no authorizer ("NONE")
    api: str | None  # logical id of the HttpApi (None: the implicit API)

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_uri: str
    handler: str
    timeout: int
    memory_size: int
    environment: dict[str, str]

    @property
    def area(self) -> str:
        return self.handler.split(".", 1)[0]


@dataclass(frozen=True)
class JwtAuthorizer:
    name: str
    issuer: str
    audience: tuple[str, ...]
    identity_source: str = "$request.header.Authorization"


@dataclass(frozen=True)
class Cors:
    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...]
    allow_headers: tuple[str, ...]
    expose_headers: tuple[str, ...]
    allow_credentials: bool
    max_age: int | None


@dataclass(frozen=True)
class Api:
    logical_id: str | None
    default_authorizer: str | None
    authorizers: dict[str, JwtAuthorizer]
    cors: Cors | None


@dataclass(frozen=True)
class Table:
    logical_id: str
    key_schema: list[dict[str, str]]
    attribute_definitions: list[dict[str, str]]
    ttl_attribute: str | None


class Template:
    """The parts of template.yaml the offline stack uses."""

    def __init__(self, path: Path = TEMPLATE_PATH) -> None:
        self.path = path
        self.doc = load_template(path)

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return dict(self.doc.get("Resources", {}))

    def of_type(self, rtype: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v.get("Type") == rtype}

    def tables(self) -> list[Table]:
        out = []
        for logical, res in self.of_type("AWS::DynamoDB::Table").items():
            props = res.get("Properties", {})
            ttl = props.get("TimeToLiveSpecification") or {}
            out.append(
                Table(
                    logical_id=logical,
                    key_schema=list(props.get("KeySchema", [])),
                    attribute_definitions=list(props.get("AttributeDefinitions", [])),
                    ttl_attribute=ttl.get("AttributeName") if ttl.get("Enabled") else None,
                )
            )
        return out

    def routes(self) -> list[Route]:
        out = []
        for logical, res in self.of_type("AWS::Serverless::Function").items():
            for event in (res.get("Properties", {}).get("Events") or {}).values():
                if event.get("Type") != "HttpApi":
                    continue
                props = event.get("Properties") or {}
                api_id = props.get("ApiId")
                api = api_id.get("Ref") if isinstance(api_id, dict) else api_id
                auth = (props.get("Auth") or {}).get("Authorizer")
                if auth is None:
                    auth = self.api(api).default_authorizer
                elif auth == "NONE":
                    auth = None
                out.append(
                    Route(
                        method=str(props.get("Method", "ANY")).upper(),
                        path=str(props.get("Path", "/")),
                        function=logical,
                        authorizer=auth,
                        api=api,
                    )
                )
        return out

    def has_route(self, method: str, path: str) -> bool:
        return any(r.method == method and r.path == path for r in self.routes())

    def api(self, logical_id: str | None, resolver: Resolver | None = None) -> Api:
        res = self.resources.get(logical_id or "", {}) if logical_id else {}
        props = res.get("Properties", {}) if res else {}
        auth = props.get("Auth") or {}
        authorizers: dict[str, JwtAuthorizer] = {}
        if resolver is not None:
            for name, spec in (auth.get("Authorizers") or {}).items():
                cfg = spec.get("JwtConfiguration") or {}
                aud = resolver.resolve(cfg.get("audience") or [])
                authorizers[name] = JwtAuthorizer(
                    name=name,
                    issuer=str(resolver.resolve(cfg.get("issuer"))),
                    audience=tuple(str(a) for a in (aud if isinstance(aud, list) else [aud])),
                    identity_source=str(spec.get("IdentitySource", "$request.header.Authorization")),
                )
        cors = None
        cors_spec = props.get("CorsConfiguration")
        if cors_spec and resolver is not None:
            c = resolver.resolve(cors_spec)
            if c is True:
                c = {"AllowOrigins": ["*"], "AllowMethods": ["*"], "AllowHeaders": ["*"]}
            cors = Cors(
                allow_origins=tuple(_as_list(c.get("AllowOrigins"))),
                allow_methods=tuple(m.upper() for m in _as_list(c.get("AllowMethods"))),
                allow_headers=tuple(h.lower() for h in _as_list(c.get("AllowHeaders"))),
                expose_headers=tuple(h.lower() for h in _as_list(c.get("ExposeHeaders"))),
                allow_credentials=bool(c.get("AllowCredentials", False)),
                max_age=int(c["MaxAge"]) if c.get("MaxAge") is not None else None,
            )
        return Api(
            logical_id=logical_id,
            default_authorizer=auth.get("DefaultAuthorizer"),
            authorizers=authorizers,
            cors=cors,
        )

    def functions(self, resolver: Resolver) -> dict[str, FunctionSpec]:
        glob = (self.doc.get("Globals") or {}).get("Function") or {}
        out = {}
        for logical, res in self.of_type("AWS::Serverless::Function").items():
            props = res.get("Properties", {})
            env: dict[str, str] = {}
            for source in (glob.get("Environment") or {}, props.get("Environment") or {}):
                for k, v in (source.get("Variables") or {}).items():
                    value = resolver.resolve(v)
                    env[k] = ",".join(value) if isinstance(value, list) else "" if value is None else str(value)
            out[logical] = FunctionSpec(
                logical_id=logical,
                code_uri=str(props.get("CodeUri", glob.get("CodeUri", ""))),
                handler=str(props.get("Handler", glob.get("Handler", ""))),
                timeout=int(props.get("Timeout", glob.get("Timeout", 3))),
                memory_size=int(props.get("MemorySize", glob.get("MemorySize", 128))),
                environment=env,
            )
        return out


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]
