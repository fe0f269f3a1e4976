"""Run one function handler on one API Gateway event, in-process, without Docker (what `sam local invoke` does).

    make invoke FN=billing_read EVENT=events/billing_read_get_billing.json
    python -m local.invoke BillingReadFunction events/billing_read_get_billing.json

FN is the function's area (functions/<area>/) or its logical id in template.yaml. The environment is built
like Lambda's: the template's Globals and function variables (parameter defaults where they resolve), then the
offline stack's `.local/stack.json` when present (its endpoints, and its ``function_env`` block if it writes
one), then this process's own environment, which wins. The response is printed as JSON on stdout; a summary
line goes to stderr. Exit status: 0 for a 2xx-4xx response, 1 for 5xx, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local import cfn_yaml

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
STACK_FILE = ROOT / ".local" / "stack.json"

# .local/stack.json key -> environment variable the functions read.
STACK_KEYS = {
    "stripe_api_base": "STRIPE_API_BASE",
    "stripe_publishable_key": "STRIPE_PUBLISHABLE_KEY",
    "aws_endpoint_url": "AWS_ENDPOINT_URL",
    "region": "AWS_DEFAULT_REGION",
    "user_pool_id": "USER_POOL_ID",
}


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    try:
        return cfn_yaml.load_template(path)
    except ValueError as exc:
        raise SystemExit(str(exc)) from None


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    area: str
    code_dir: Path
    handler: str
    layer_dirs: tuple[Path, ...]
    timeout_s: int
    memory_mb: int
    environment: dict[str, str] = field(default_factory=dict)


def _resolve(template: dict[str, Any], value: Any) -> str | None:
    """A literal, or a Ref to a parameter (its default); anything that needs a deployed stack -> None."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, dict) and set(value) == {"Ref"}:
        parameter = template.get("Parameters", {}).get(value["Ref"])
        if parameter is not None and "Default" in parameter:
            return str(parameter["Default"])
    return None


def find_function(template: dict[str, Any], name: str) -> FunctionSpec:
    resources: dict[str, Any] = template.get("Resources", {})
    globals_: dict[str, Any] = template.get("Globals", {}).get("Function", {})
    candidates = {
        logical_id: resource.get("Properties", {})
        for logical_id, resource in resources.items()
        if resource.get("Type") == "AWS::Serverless::Function"
    }
    for logical_id, props in candidates.items():
        area = Path(str(props.get("CodeUri", ""))).name
        if name not in {logical_id, area}:
            continue
        layers = props.get("Layers", globals_.get("Layers", []))
        layer_dirs = []
        for layer in layers:
            layer_id = layer.get("Ref") if isinstance(layer, dict) else None
            layer_resource = resources.get(str(layer_id), {})
            if layer_resource.get("Type") == "AWS::Serverless::LayerVersion":
                layer_dirs.append(ROOT / str(layer_resource["Properties"]["ContentUri"]))
        variables: dict[str, Any] = {
            **(globals_.get("Environment", {}).get("Variables", {})),
            **(props.get("Environment", {}).get("Variables", {})),
        }
        environment = {key: v for key, raw in variables.items() if (v := _resolve(template, raw)) is not None}
        return FunctionSpec(
            logical_id=logical_id,
            area=area,
            code_dir=ROOT / str(props["CodeUri"]),
            handler=str(props.get("Handler", globals_.get("Handler", ""))),
            layer_dirs=tuple(layer_dirs),
            timeout_s=int(props.get("Timeout", globals_.get("Timeout", 3))),
            memory_mb=int(props.get("MemorySize", globals_.get("MemorySize", 128))),
            environment=environment,
        )
    known = ", ".join(sorted(f"{Path(str(p.get('CodeUri', ''))).name} ({lid})" for lid, p in candidates.items()))
    raise SystemExit(f"no function {name!r} in {TEMPLATE.name}; known: {known}")


def build_environment(
    spec: FunctionSpec, stack: Mapping[str, Any] | None, process_env: Mapping[str, str]
) -> dict[str, str]:
    """Template values < offline stack < the caller's environment."""
    env: dict[str, str] = dict(spec.environment)
    env["STAGE"] = "local"  # the template's default stage names a deployed one; a local run is local
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    env["POWERTOOLS_TRACE_DISABLED"] = "true"
    if stack is not None:
        for key, variable in STACK_KEYS.items():
            if stack.get(key):
                env[variable] = str(stack[key])
        function_env = stack.get("function_env")
        if isinstance(function_env, Mapping):
            env.update({str(k): str(v) for k, v in function_env.items()})
        if stack.get("aws_endpoint_url"):  # moto accepts any credentials; never send real ones to it
            env.setdefault("AWS_ACCESS_KEY_ID", "testing")
            env.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    for key in list(env):
        if key in process_env:
            env[key] = process_env[key]
    return env


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that Powertools and Mangum read."""

    function_name: str
    memory_limit_in_mb: int
    timeout_s: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    _deadline: float = 0.0

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_handler(spec: FunctionSpec) -> Any:
    for directory in [*reversed(spec.layer_dirs), spec.code_dir]:
        if str(directory) not in sys.path:
            sys.path.insert(0, str(directory))
    module_name, _, attribute = spec.handler.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def invoke(spec: FunctionSpec, event: dict[str, Any]) -> dict[str, Any]:
    handler = load_handler(spec)
    context = LambdaContext(function_name=spec.logical_id, memory_limit_in_mb=spec.memory_mb, timeout_s=spec.timeout_s)
    response = handler(event, context)
    if not isinstance(response, dict):
        raise SystemExit(f"handler returned {type(response).__name__}, not a dict")
    return response


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.invoke", description=__doc__.splitlines()[0])
    parser.add_argument("function", help="area (billing_read) or logical id (BillingReadFunction)")
    parser.add_argument("event", type=Path, help="an API Gateway payload 2.0 event, e.g. events/<file>.json")
    args = parser.parse_args(argv)

    event = json.loads(args.event.read_text(encoding="utf-8"))
    spec = find_function(load_template(), args.function)
    stack = json.loads(STACK_FILE.read_text(encoding="utf-8")) if STACK_FILE.is_file() else None
    source = str(STACK_FILE.relative_to(ROOT)) if stack is not None else "the environment"
    os.environ.update(build_environment(spec, stack, dict(os.environ)))

    started = time.perf_counter()
    response = invoke(spec, event)
    elapsed_ms = (time.perf_counter() - started) * 1000
    print(json.dumps(response, indent=2))
    status = int(response.get("statusCode", 200))
    print(
        f"{spec.logical_id} {event.get('routeKey', '?')} -> {status} in {elapsed_ms:.0f} ms (settings from {source})",
        file=sys.stderr,
    )
    return 1 if status >= 500 else 0


if __name__ == "__main__":
    sys.exit(main())
