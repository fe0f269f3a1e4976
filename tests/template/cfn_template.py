"""Reading template.yaml for the template tests: a YAML loader for CloudFormation short tags, and the facts
the tests check (functions, HTTP API routes, authorizers, CORS, policies), each as a function that returns the
problems it finds so tests can also feed it a broken template and see it fail.
"""

from __future__ import annotations

import importlib
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from local import cfn_yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = ROOT / "template.yaml"
WEBHOOK_AREA = "webhook"
API_GATEWAY_LIMIT_S = 30
# stripe-python's backoff between attempts: 0.5 s doubling, capped at 5 s (before jitter, which only shortens it).
STRIPE_BACKOFF_INITIAL_S = 0.5
STRIPE_BACKOFF_CAP_S = 5.0


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    return cfn_yaml.load_template(path)


def resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in template.get("Resources", {}).items()
        if resource.get("Type") == resource_type
    }


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Serverless functions: logical id -> Properties."""
    return {
        name: resource.get("Properties", {})
        for name, resource in resources_of_type(template, "AWS::Serverless::Function").items()
    }


def function_globals(template: dict[str, Any]) -> dict[str, Any]:
    globals_: dict[str, Any] = template.get("Globals", {}).get("Function", {})
    return globals_


def effective(template: dict[str, Any], props: dict[str, Any], key: str) -> Any:
    """A function property, falling back to Globals.Function."""
    return props.get(key, function_globals(template).get(key))


def area_of(props: dict[str, Any]) -> str:
    """functions/<area>/ -> <area>."""
    code_uri = str(props.get("CodeUri", ""))
    match = re.fullmatch(r"functions/(\w+)/?", code_uri)
    assert match, f"CodeUri {code_uri!r} is not functions/<area>/"
    return match.group(1)


def normalize_path(path: str) -> str:
    """/billing/payment-methods/{id}/default and {pm_id} compare equal (FastAPI and API Gateway)."""
    return re.sub(r"\{[^}/]+\}", "{}", path)


@dataclass(frozen=True)
class Route:
    function: str
    area: str
    event: str
    method: str
    path: str
    api: str | None  # logical id of the HttpApi, None for the implicit one
    authorizer: str | None  # event-level Auth.Authorizer, None when it inherits the API default

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, normalize_path(self.path))

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def is_webhook(self) -> bool:
        return self.area == WEBHOOK_AREA or self.path.startswith("/webhooks/")


def _ref_name(value: Any) -> str | None:
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    return None


def routes(template: dict[str, Any]) -> list[Route]:
    found: list[Route] = []
    for name, props in functions(template).items():
        area = area_of(props)
        for event_name, event in (props.get("Events") or {}).items():
            if event.get("Type") != "HttpApi":
                continue
            event_props = event.get("Properties", {})
            found.append(
                Route(
                    function=name,
                    area=area,
                    event=event_name,
                    method=str(event_props.get("Method", "ANY")).upper(),
                    path=str(event_props.get("Path", "$default")),
                    api=_ref_name(event_props.get("ApiId")),
                    authorizer=(event_props.get("Auth") or {}).get("Authorizer"),
                )
            )
    return found


def http_api(template: dict[str, Any], api: str | None) -> dict[str, Any]:
    """Properties of an HttpApi merged over Globals.HttpApi (the implicit API when api is None)."""
    merged: dict[str, Any] = dict(template.get("Globals", {}).get("HttpApi", {}))
    if api is not None:
        resource = template["Resources"][api]
        assert resource["Type"] == "AWS::Serverless::HttpApi", f"{api} is not an AWS::Serverless::HttpApi"
        merged.update(resource.get("Properties", {}))
    return merged


def resolve_parameter_default(template: dict[str, Any], value: Any) -> Any:
    """{'Ref': Param} -> the parameter's default (lists split for CommaDelimitedList); other values as they are."""
    name = _ref_name(value)
    parameters = template.get("Parameters", {})
    if name is None or name not in parameters:
        return value
    parameter = parameters[name]
    default = parameter.get("Default")
    if parameter.get("Type") == "CommaDelimitedList" and isinstance(default, str):
        return [part.strip() for part in default.split(",")]
    return default


# ------------------------------------------------------------------------------------------ F7


def cors_origin_parameter(allow_origins: Any) -> Any:
    """AllowOrigins without the hosted page: `!If [WebHostingOn, <parameter + page origin>, !Ref Param]` gives
    the `!Ref Param` branch (the hosted branch adds only the page's own https origin, see test_web_hosting)."""
    if isinstance(allow_origins, dict) and "Fn::If" in allow_origins:
        return allow_origins["Fn::If"][2]
    return allow_origins


def cors_problems(template: dict[str, Any], extra_origin_values: list[list[str]] | None = None) -> list[str]:
    """F7: CORS '*' with credentials anywhere, or CORS on the API that serves the webhook.

    extra_origin_values: origin lists a deployment may pass (samconfig parameter overrides), checked too.
    """
    problems: list[str] = []
    api_ids: list[str | None] = [None, *resources_of_type(template, "AWS::Serverless::HttpApi")]
    for api in api_ids:
        cors = http_api(template, api).get("CorsConfiguration")
        if not cors or cors is True:
            if cors is True:
                problems.append(f"{api or 'implicit HttpApi'}: CorsConfiguration: true allows every origin")
            continue
        allow_origins = cors_origin_parameter(cors.get("AllowOrigins", []))
        origins = resolve_parameter_default(template, allow_origins)
        origin_sets = [origins if isinstance(origins, list) else [origins]]
        if _ref_name(allow_origins):
            origin_sets += extra_origin_values or []
        if cors.get("AllowCredentials") in (True, "true"):
            for origin_set in origin_sets:
                if any("*" in str(origin) for origin in origin_set):
                    problems.append(f"{api or 'implicit HttpApi'}: AllowOrigins {origin_set} with AllowCredentials")
    for route in routes(template):
        if route.is_webhook and http_api(template, route.api).get("CorsConfiguration"):
            problems.append(f"{route.route_key}: webhook route on an API with CORS ({route.api or 'implicit'})")
    return problems


def authorizer_problems(template: dict[str, Any]) -> list[str]:
    """F7: every route but the webhook behind a Cognito JWT authorizer; the webhook behind none."""
    problems: list[str] = []
    for route in routes(template):
        auth = http_api(template, route.api).get("Auth") or {}
        authorizers = auth.get("Authorizers") or {}
        if route.is_webhook:
            if route.authorizer != "NONE":
                problems.append(f"{route.route_key}: the webhook must declare Auth: Authorizer: NONE")
            continue
        name = route.authorizer or auth.get("DefaultAuthorizer")
        if name in (None, "NONE"):
            problems.append(f"{route.route_key}: no authorizer")
            continue
        jwt = (authorizers.get(name) or {}).get("JwtConfiguration")
        if not jwt:
            problems.append(f"{route.route_key}: authorizer {name} is not a JWT authorizer")
            continue
        if "cognito-idp" not in yaml.safe_dump(jwt.get("issuer")):
            problems.append(f"{route.route_key}: issuer of {name} is not a Cognito user pool")
        if not jwt.get("audience"):
            problems.append(f"{route.route_key}: authorizer {name} has no audience")
    return problems


# ------------------------------------------------------------------------------------------ F8


def stripe_worst_case_s(read_timeout: float, connect_timeout: float, max_retries: int) -> float:
    """Longest one Stripe call can take: every attempt connects and reads to its timeout, plus the backoff."""
    attempts = max_retries + 1
    backoff = sum(min(STRIPE_BACKOFF_INITIAL_S * 2**n, STRIPE_BACKOFF_CAP_S) for n in range(max_retries))
    return attempts * (read_timeout + connect_timeout) + backoff


def timeout_problems(template: dict[str, Any], stripe_worst_case: float) -> list[str]:
    """F8: each function's timeout under API Gateway's 30 s and above the Stripe client's worst case."""
    problems: list[str] = []
    global_timeout = function_globals(template).get("Timeout")
    if global_timeout is not None and int(global_timeout) >= API_GATEWAY_LIMIT_S:
        problems.append(f"Globals timeout {global_timeout} s >= {API_GATEWAY_LIMIT_S} s")
    for name, props in functions(template).items():
        timeout = effective(template, props, "Timeout")
        if timeout is None:
            problems.append(f"{name}: no timeout (Lambda default 3 s)")
            continue
        # API Gateway's 30 s limit binds the functions behind it; scheduled jobs and triggers may run longer
        behind_api = any(e.get("Type") == "HttpApi" for e in (props.get("Events") or {}).values())
        if behind_api and int(timeout) >= API_GATEWAY_LIMIT_S:
            problems.append(f"{name}: timeout {timeout} s >= {API_GATEWAY_LIMIT_S} s")
        if stripe_worst_case >= int(timeout):
            problems.append(f"{name}: Stripe worst case {stripe_worst_case:.1f} s >= timeout {timeout} s")
    return problems


# ------------------------------------------------------------------------------------------ functions


def _statements(props: dict[str, Any]) -> Iterator[dict[str, Any] | str]:
    policies = props.get("Policies") or []
    if not isinstance(policies, list):
        policies = [policies]
    for policy in policies:
        if isinstance(policy, str):
            yield policy
        elif isinstance(policy, dict) and "Statement" in policy:
            statements = policy["Statement"]
            yield from statements if isinstance(statements, list) else [statements]
        else:
            yield from [policy]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_problems(template: dict[str, Any]) -> list[str]:
    """Least privilege for data and secrets: exact resources, exact actions, only the secret parameters."""
    problems: list[str] = []
    secret_parameters = {"StripeSecretName", "StripeWebhookSecretName"}
    for name, props in functions(template).items():
        for statement in _statements(props):
            if isinstance(statement, str):
                if "FullAccess" in statement or statement.endswith("PowerUser"):
                    problems.append(f"{name}: broad managed policy {statement}")
                continue
            if "Action" not in statement:  # a SAM policy template such as DynamoDBReadPolicy
                for template_name, args in statement.items():
                    if isinstance(args, dict) and "TableName" in args and _ref_name(args["TableName"]) is None:
                        problems.append(f"{name}: {template_name} not on a table of this stack")
                continue
            actions = [str(action) for action in _as_list(statement["Action"])]
            resources = _as_list(statement.get("Resource"))
            guarded = [a for a in actions if a.split(":")[0] in {"dynamodb", "secretsmanager"}]
            if not guarded:
                continue
            for action in guarded:
                if "*" in action:
                    problems.append(f"{name}: wildcard action {action}")
            for resource in resources:
                text = resource.get("Fn::Sub") if isinstance(resource, dict) else resource
                if isinstance(text, str) and text.endswith("*"):
                    problems.append(f"{name}: {guarded} on resource {resource!r}")
                if any(a.startswith("secretsmanager:") for a in guarded):
                    sub = resource.get("Fn::Sub") if isinstance(resource, dict) else None
                    named = set(re.findall(r"\$\{(\w+)\}", sub)) & secret_parameters if isinstance(sub, str) else set()
                    if len(named) != 1 or not str(sub).endswith("-??????"):
                        problems.append(f"{name}: secret resource {resource!r} is not one secret parameter's ARN")
    return problems


def log_group_problems(template: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    log_groups = resources_of_type(template, "AWS::Logs::LogGroup")
    for name, props in functions(template).items():
        group_name = _ref_name((props.get("LoggingConfig") or {}).get("LogGroup"))
        if group_name is None:
            problems.append(f"{name}: no LoggingConfig.LogGroup referencing its own log group")
            continue
        group = log_groups.get(group_name)
        if group is None:
            problems.append(f"{name}: {group_name} is not an AWS::Logs::LogGroup of this template")
        elif not group.get("Properties", {}).get("RetentionInDays"):
            problems.append(f"{name}: log group {group_name} has no retention")
    groups_in_use = [_ref_name((p.get("LoggingConfig") or {}).get("LogGroup")) for p in functions(template).values()]
    shared = {g for g in groups_in_use if g is not None and groups_in_use.count(g) > 1}
    problems += [f"log group {g} shared by several functions" for g in sorted(shared)]
    return problems


def runtime_problems(template: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    for name, props in functions(template).items():
        if effective(template, props, "Runtime") != "python3.13":
            problems.append(f"{name}: runtime {effective(template, props, 'Runtime')}")
        if effective(template, props, "Architectures") != ["arm64"]:
            problems.append(f"{name}: architectures {effective(template, props, 'Architectures')}")
        area = area_of(props)
        if props.get("Handler") != f"{area}.app.handler":
            problems.append(f"{name}: handler {props.get('Handler')} is not {area}.app.handler")
    for name, layer in resources_of_type(template, "AWS::Serverless::LayerVersion").items():
        props, metadata = layer.get("Properties", {}), layer.get("Metadata", {})
        if metadata.get("BuildMethod") != "python3.13" or metadata.get("BuildArchitecture") != "arm64":
            problems.append(f"{name}: Metadata must say BuildMethod python3.13, BuildArchitecture arm64")
        if props.get("CompatibleArchitectures") != ["arm64"]:
            problems.append(f"{name}: CompatibleArchitectures {props.get('CompatibleArchitectures')}")
        if props.get("CompatibleRuntimes") != ["python3.13"]:
            problems.append(f"{name}: CompatibleRuntimes {props.get('CompatibleRuntimes')}")
    return problems


def snapstart_problems(template: dict[str, Any]) -> list[str]:
    """Every API function (one with an HttpApi event): SnapStart on published versions and an alias, which SAM
    makes the target of the function's API events (checked on the translated template by test_snapstart)."""
    problems: list[str] = []
    for name, props in functions(template).items():
        if not any(e.get("Type") == "HttpApi" for e in (props.get("Events") or {}).values()):
            continue
        if (effective(template, props, "SnapStart") or {}).get("ApplyOn") != "PublishedVersions":
            problems.append(f"{name}: SnapStart ApplyOn is not PublishedVersions")
        if not effective(template, props, "AutoPublishAlias"):
            problems.append(f"{name}: no AutoPublishAlias (the API would invoke $LATEST, which SnapStart skips)")
    return problems


# ------------------------------------------------------------------------------------------ the apps' routes


def app_routes(area: str) -> set[tuple[str, str]]:
    """(METHOD, normalized path) of every route of functions/<area>/<area>/app.py (``billing_core.routing``)."""
    with warnings.catch_warnings():
        # Mangum 0.22 calls asyncio.get_event_loop() in its constructor: deprecated without a loop on 3.13.
        warnings.filterwarnings("ignore", "There is no current event loop", DeprecationWarning)
        module = importlib.import_module(f"{area}.app")
    found: set[tuple[str, str]] = set()
    for route in module.app.api_routes:
        for method in route.methods or set():
            found.add((method.upper(), normalize_path(route.path)))
    return found


def areas_with_app() -> list[str]:
    return sorted(
        path.parent.parent.name
        for path in ROOT.glob("functions/*/*/app.py")
        if path.parent.name == path.parent.parent.name
    )
