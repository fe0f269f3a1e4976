"""Cold start per function: a fresh Python 3.13 process imports the handler and serves its first request.

The packages are exactly the deployed layer's (`bench/layer_packages.py`: the layer's requirements installed
for this machine, compiled like the bundle) and the processes run with `-S`, so no dev-venv package (httpx,
click, test tools) is importable. The function's code and the shared core are copied into a temporary bundle and
compiled with `compileall` (unchecked-hash .pyc, as the deployment bundle ships them: Lambda cannot write
bytecode at run time). Every measured process runs with PYTHONDONTWRITEBYTECODE=1 against the seeded offline
stack (moto + the emulator, no added latency) and serves the function's first route for the `active-pro` user.

In the same run the naive anchor (`bench/anchor.py`: one FastAPI + Mangum app creating a boto3 DynamoDB client
and a `StripeClient` at import, reading the customer) is measured the same way (with the layer's packages plus
FastAPI, which the layer no longer ships: `bench.layer_packages.anchor_site`), and each function's `ratio` is
its median total over the anchor's. One more process per function runs with `-X importtime`; its ten heaviest
top-level imports are printed under the table (and kept in the JSON as `heaviest_imports`).

Columns: `total_ms` = spawn to first response (interpreter start + imports + first request, what Lambda's
Init + first Duration add up to), `init_ms` = handler import, `first_request_ms`, `cpu_ms` = the process's CPU
time (user + system, all threads) up to the first response, which other load on the machine inflates far less
than wall time; the median of `RUNS`, with the 1-minute load average when the function was measured; `ratio` and
`cpu_ratio` compare total and CPU time with the anchor's (on a loaded machine the CPU ratio is the steadier one).
Targets: total at most 350 ms and at most 0.7x the anchor.

`bench/memory.py` reuses the helpers here (`bench_stack`, `prepare_bundle`, `run_child`).
"""

from __future__ import annotations

import base64
import compileall
import json
import os
import py_compile
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.anchor import heaviest_imports, write_anchor
from bench.layer_packages import anchor_site, layer_site

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7
TARGET_MS = 350.0
TARGET_RATIO = 0.7

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
cfg = json.loads(sys.argv[1])
sys.path[:0] = cfg["paths"]

import importlib
module, _, attr = cfg["handler"].rpartition(".")
handler = getattr(importlib.import_module(module), attr)
t1 = time.perf_counter()

class Context:
    function_name = cfg["function"]
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + cfg["function"]
    memory_limit_in_mb = cfg["memory"]
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"
    def get_remaining_time_in_millis(self):
        return 20000

statuses = []
for _ in range(cfg["requests"]):
    statuses.append(handler(cfg["event"], Context()).get("statusCode"))
    if len(statuses) == 1:
        t2 = time.perf_counter()
        answered_at = time.monotonic()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu_ms = (usage.ru_utime + usage.ru_stime) * 1000
# VmHWM is this process image's own peak; ru_maxrss would carry the forking parent's peak across exec
rss_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print("BENCH " + json.dumps({"init_ms": (t1 - t0) * 1000, "first_request_ms": (t2 - t1) * 1000, "cpu_ms": cpu_ms,
                             "statuses": statuses, "max_rss_kb": rss_kb, "answered_at": answered_at}), flush=True)
"""


def _paths() -> None:
    for p in (ROOT, ROOT / "layers" / "shared"):
        if str(p) not in sys.path:
            sys.path.insert(0, str(p))


@contextmanager
def bench_stack() -> Iterator[dict[str, Any]]:
    """A seeded offline stack on free ports (its own process group), stopped afterwards."""
    _paths()
    from local.stack.run import running_stack

    with running_stack(timeout=120) as stack:
        yield stack.info


def functions() -> list[dict[str, Any]]:
    """Each function of the template with its first route."""
    _paths()
    from local.stack.template import Template

    template = Template()
    out = []
    for logical, res in template.of_type("AWS::Serverless::Function").items():
        props = res.get("Properties", {})
        routes = [r for r in template.routes() if r.function == logical]
        glob = (template.doc.get("Globals") or {}).get("Function") or {}
        variables = (props.get("Environment") or {}).get("Variables") or {}
        out.append(
            {
                "function": logical,
                "code_uri": str(props["CodeUri"]),
                "handler": str(props["Handler"]),
                "memory": int(props.get("MemorySize", glob.get("MemorySize", 128))),
                "route": routes[0] if routes else None,
                "service": str(variables.get("POWERTOOLS_SERVICE_NAME", "")),
            }
        )
    return out


def prepare_bundle(fn: dict[str, Any], into: Path) -> list[str]:
    """Copy the function and the shared core into `into`, compile them; returns the sys.path entries.

    Both come from the source tree (a function's CodeUri is what `sam build` copies: no function has
    requirements of its own), so the bench measures the current code, never a stale `.aws-sam/build`."""
    function_src = ROOT / fn["code_uri"]
    layer_src = ROOT / "layers" / "shared"
    function_dir, layer_dir = into / "function", into / "layer"
    shutil.copytree(function_src, function_dir, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (layer_dir).mkdir(parents=True)
    shutil.copytree(
        layer_src / "billing_core", layer_dir / "billing_core", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    for d in (function_dir, layer_dir):
        ok = compileall.compile_dir(
            str(d), quiet=1, workers=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
        )
        if not ok:
            raise RuntimeError(f"compileall failed in {d}")
    return [str(function_dir), str(layer_dir), str(layer_site())]


def user_claims(stack: dict[str, Any], scenario: str = "active-pro") -> dict[str, Any]:
    import boto3

    user = next(u for u in stack["demo_users"] if u["scenario"] == scenario)
    idp = boto3.client(
        "cognito-idp",
        endpoint_url=stack["aws_endpoint_url"],
        region_name=stack["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    attrs = idp.admin_get_user(UserPoolId=stack["user_pool_id"], Username=user["username"])["UserAttributes"]
    sub = next(a["Value"] for a in attrs if a["Name"] == "sub")
    now = int(time.time())
    return {
        "sub": sub,
        "iss": stack["jwt_issuer"],
        "client_id": stack["user_pool_client_id"],
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": now,
        "iat": now,
        "exp": now + 3600,
        "jti": "bench",
        "username": sub,
    }


def events_for(fn: dict[str, Any], claims: dict[str, Any], stack: dict[str, Any], n: int) -> list[dict[str, Any]]:
    """`n` requests for the function's first route: user routes carry the caller's claims; the Stripe webhook
    gets `n` distinct recent events from the emulator, signed with the stack's webhook secret."""
    from local.stack.authorizer import build_http_event

    route = fn["route"]
    headers = {"host": "127.0.0.1", "user-agent": "bench", "content-type": "application/json"}
    path = route.path.replace("{", "").replace("}", "")
    if route.authorizer is None and route.path == "/webhooks/stripe":
        import hashlib
        import hmac

        import httpx

        response = httpx.get(
            f"{stack['stripe_api_base']}/v1/events",
            params={"limit": 100},
            headers={"authorization": f"Bearer {stack['stripe_secret_key']}"},
        )
        response.raise_for_status()
        recent = response.json()["data"]
        wanted = [e for e in recent if e["type"].startswith(("customer.subscription.", "invoice."))] or recent
        out = []
        for i in range(n):
            body = json.dumps(wanted[i % len(wanted)]).encode()
            t = int(time.time())
            sig = hmac.new(stack["stripe_webhook_secret"].encode(), f"{t}.".encode() + body, hashlib.sha256)
            signed = headers | {"stripe-signature": f"t={t},v1={sig.hexdigest()}"}
            out.append(build_http_event(route.route_key, route.method, path, "", signed, body))
        return out
    sample = _sample_event(route.route_key)
    out = []
    path_params = (sample or {}).get("pathParameters") or None
    if sample is not None and sample.get("rawPath"):
        path = str(sample["rawPath"])
    for _ in range(n):
        hdrs = dict(headers)
        body = b""
        if sample is not None and sample.get("body"):
            raw = sample["body"]
            body = base64.b64decode(raw) if sample.get("isBase64Encoded") else str(raw).encode()
            hdrs["content-type"] = (sample.get("headers") or {}).get("content-type", "application/json")
        elif route.method != "GET":
            body = b"{}"
        if route.method != "GET":
            hdrs["idempotency-key"] = f"bench-cold-start-{uuid.uuid4()}"
        out.append(
            build_http_event(
                route.route_key, route.method, path, "", hdrs, body, claims=claims, path_params=path_params
            )
        )
    return out


def _sample_event(route_key: str) -> dict[str, Any] | None:
    """The sample event of `events/` for this route (F2's `make invoke` samples), if there is one."""
    for f in sorted((ROOT / "events").glob("*.json")):
        try:
            doc = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict) and doc.get("routeKey") == route_key and not doc.get("isBase64Encoded"):
            return doc
    return None


def child_env(stack: dict[str, Any], fn: dict[str, Any]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "STRIPE_", "POWERTOOLS_", "PYTHON"))}
    env |= stack["function_env"]
    env |= {"AWS_LAMBDA_FUNCTION_NAME": fn["function"], "PYTHONDONTWRITEBYTECODE": "1"}
    if fn["service"]:
        env["POWERTOOLS_SERVICE_NAME"] = fn["service"]
    return env


def run_child(
    paths: list[str],
    fn: dict[str, Any],
    event: dict[str, Any],
    env: dict[str, str],
    cwd: Path,
    requests: int = 1,
    flags: tuple[str, ...] = (),
) -> dict[str, Any]:
    """One fresh process (`-S`: only `paths` and the standard library) serving `requests` requests."""
    cfg = {
        "paths": paths,
        "handler": fn["handler"],
        "function": fn["function"],
        "memory": fn["memory"],
        "event": event,
        "requests": requests,
    }
    started = time.monotonic()  # CLOCK_MONOTONIC is the machine's: the child's reading of it compares
    proc = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-S", *flags, "-c", CHILD, json.dumps(cfg)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    exited = (time.monotonic() - started) * 1000
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"{fn['function']} child failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    out: dict[str, Any] = json.loads(line[6:])
    # Spawn to the first response, as the docstring says: the process's exit (interpreter teardown, ~0.5 s for
    # the anchor here) is no part of a cold start (it was counted in before).
    out["total_ms"] = (out.pop("answered_at") - started) * 1000
    out["exit_ms"] = exited
    out["stderr"] = proc.stderr
    return out


def _measure(
    paths: list[str], fn: dict[str, Any], events: list[dict[str, Any]], env: dict[str, str], cwd: Path
) -> dict[str, Any]:
    run_child(paths, fn, events[-1], env, cwd)  # discarded: warms the file cache
    samples = [run_child(paths, fn, events[i], env, cwd) for i in range(RUNS)]
    traced = run_child(paths, fn, events[-1], env, cwd, flags=("-X", "importtime"))
    return {
        "status": ",".join(sorted({str(x["statuses"][0]) for x in samples})),
        "runs": RUNS,
        "total_ms": statistics.median(s["total_ms"] for s in samples),
        "init_ms": statistics.median(s["init_ms"] for s in samples),
        "first_request_ms": statistics.median(s["first_request_ms"] for s in samples),
        "cpu_ms": statistics.median(s["cpu_ms"] for s in samples),
        "max_total_ms": max(s["total_ms"] for s in samples),
        "load_1m": os.getloadavg()[0],
        "heaviest_imports": heaviest_imports(traced["stderr"]),
    }


def _anchor(stack: dict[str, Any], claims: dict[str, Any], tmp: Path) -> dict[str, Any]:
    from local.stack.authorizer import build_http_event

    fn = write_anchor(tmp)
    headers = {"host": "127.0.0.1", "user-agent": "bench"}
    event = build_http_event("GET /billing", "GET", "/billing", "", headers, b"", claims=claims)
    env = child_env(stack, fn) | {"STRIPE_SECRET_KEY": stack["stripe_secret_key"]}
    paths = [str(tmp), str(anchor_site())]  # the layer's packages plus FastAPI
    return {"function": fn["function"], "request": "GET /billing"} | _measure(paths, fn, [event] * (RUNS + 1), env, tmp)


def run() -> list[dict[str, Any]]:
    rows = []
    layer_site()  # installed once, before anything is timed
    anchor_site()
    with bench_stack() as stack:
        claims = user_claims(stack)
        with tempfile.TemporaryDirectory(prefix="bench-anchor-") as tmp:
            anchor = _anchor(stack, claims, Path(tmp))
        if str(anchor.get("status")) != "200":  # an anchor that fails early skips its Stripe read: no fair comparison
            raise RuntimeError(f"the naive anchor answered {anchor.get('status')}, not 200: fix bench/anchor.py")
        for fn in functions():
            if fn["route"] is None:
                continue
            with tempfile.TemporaryDirectory(prefix="bench-bundle-") as tmp:
                paths = prepare_bundle(fn, Path(tmp))
                events = events_for(fn, claims, stack, RUNS + 1)
                measured = _measure(paths, fn, events, child_env(stack, fn), Path(tmp))
            rows.append({"function": fn["function"], "request": fn["route"].route_key} | measured)
        rows.append(anchor)
    for row in rows:
        row["ratio"] = row["total_ms"] / anchor["total_ms"]
        row["cpu_ratio"] = row["cpu_ms"] / anchor["cpu_ms"]
        row["met"] = row["function"] == anchor["function"] or (
            row["total_ms"] <= TARGET_MS and row["ratio"] <= TARGET_RATIO
        )
    for row in rows:
        heaviest = ", ".join(f"{name} {ms:.0f}" for name, ms in row["heaviest_imports"])
        print(f"{row['function']}: heaviest imports (cumulative ms): {heaviest}")
    return rows
