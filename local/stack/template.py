"""Read template.yaml the way the offline stack needs it: functions, HttpApi routes, the JWT authorizer, CORS,
DynamoDB tables, and each function's environment with the intrinsics resolved to local values.

CloudFormation short-form tags (`!Ref`, `!Sub`, `!If`, `!GetAtt`, ...) are loaded as `{"Ref": ...}` /
`{"Fn::Sub": ...}` so one resolver handles both forms. Resolution is local: a `!Ref` to a parameter gives its
local override or its default, to a resource the local physical name (`LocalNames`), conditions are evaluated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local import cfn_yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO_ROOT / "template.yaml"


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    return cfn_yaml.load_template(path)


@dataclass
class LocalNames:
    """Local values that stand in for what CloudFormation would create or what parameters would hold."""

    region: str = "us-east-1"
    account_id: str = "123456789012"
    stack_name: str = "billing-local"
    parameters: dict[str, str] = field(default_factory=dict)
    resources: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)  # "Logical.Attr" -> value


class Resolver:
    """Evaluates intrinsic functions against `LocalNames`."""

    def __init__(self, template: dict[str, Any], names: LocalNames) -> None:
        self.template = template
        self.names = names
        self._conditions: dict[str, bool] = {}

    def parameter(self, name: str) -> Any:
        if name in self.names.parameters:
            value: Any = self.names.parameters[name]
        else:
            spec = self.template.get("Parameters", {}).get(name)
            if spec is None:
                raise KeyError(f"unknown parameter {name}")
            value = spec.get("Default", "")
            if not isinstance(value, str):
                value = str(value)
            if spec.get("Type") == "CommaDelimitedList":
                return [v.strip() for v in value.split(",") if v.strip()]
        spec = self.template.get("Parameters", {}).get(name, {})
        if spec.get("Type") == "CommaDelimitedList" and isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": self.names.region,
            "AWS::AccountId": self.names.account_id,
            "AWS::StackName": self.names.stack_name,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": None,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.template.get("Parameters", {}) or name in self.names.parameters:
            return self.parameter(name)
        if name in self.names.resources:
            return self.names.resources[name]
        raise KeyError(f"no local value for !Ref {name}")

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            self._conditions[name] = bool(self.resolve(self.template.get("Conditions", {})[name]))
        return self._conditions[name]

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.resolve(v) for v in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Condition":
                return self.condition(arg)
            if key == "Fn::If":
                cond, yes, no = arg
                return self.resolve(yes if self.condition(cond) else no)
            if key == "Fn::Equals":
                a, b = (self.resolve(v) for v in arg)
                return str(a) == str(b)
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::And":
                return all(self.resolve(v) for v in arg)
            if key == "Fn::Or":
                return any(self.resolve(v) for v in arg)
            if key == "Fn::Join":
                sep, items = arg
                return sep.join(str(v) for v in self.resolve(items))
            if key == "Fn::Select":
                idx, items = arg
                return self.resolve(items)[int(self.resolve(idx))]
            if key == "Fn::Split":
                sep, text = arg
                return str(self.resolve(text)).split(sep)
            if key == "Fn::GetAtt":
                logical, attr = arg if isinstance(arg, list) else str(arg).split(".", 1)
                k = f"{logical}.{attr}"
                if k in self.names.attributes:
                    return self.names.attributes[k]
                raise KeyError(f"no local value for !GetAtt {k}")
            if key == "Fn::Sub":
                return self._sub(arg)
        return {k: self.resolve(v) for k, v in node.items()}

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])

        def repl(m: re.Match[str]) -> str:
            name = m.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name:
                return str(self.resolve({"Fn::GetAtt": name.split(".", 1)}))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", repl, text)


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
