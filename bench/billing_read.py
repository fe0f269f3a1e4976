"""GET /billing latency with the Stripe emulator adding 100 ms to every request.

Against the seeded offline stack (user `active-pro`: a year of invoices, two cards, one subscription), the
emulator is told to add `LATENCY_MS` to every Stripe request (`POST /_emulator/faults`), then, in one run:
* `handler`: the real Lambda handler (Mangum + `billing_core.routing` + billing_read, concurrent Stripe reads),
  in-process;
* `logic, concurrent`: `BillingReader.build_overview(caller)` alone;
* `logic, naive sequential`: the same reads one after another (`build_overview(caller, concurrent=False)`);
* `gateway over HTTP`: through the local API gateway (JWT verification, event, handler) with a real token.
p50 / p95 over `SAMPLES` requests after `WARMUP`. Target: handler p50 < 1.3 x 100 ms + 30 ms = 160 ms.
The requests are warm ones: after the first, the caller's customer mapping is known to the process
(`billing_core.customer_mapping`) and the personal account known to exist, so a request makes one round of reads
(the entitlement record from DynamoDB beside the Stripe reads).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx

from bench.cold_start import ROOT, bench_stack, user_claims

LATENCY_MS = 100.0
TARGET_MS = 1.3 * LATENCY_MS + 30
WARMUP = 3
SAMPLES = 30
SEQUENTIAL_SAMPLES = 15


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def _measure(fn: Callable[[], Any], samples: int) -> list[float]:
    for _ in range(WARMUP):
        fn()
    out = []
    for _ in range(samples):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


class _Context:
    function_name = "BillingReadFunction"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:BillingReadFunction"
    memory_limit_in_mb = 1024
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 20000


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with bench_stack() as stack:
        claims = user_claims(stack)
        os.environ.update(stack["function_env"])
        os.environ["POWERTOOLS_SERVICE_NAME"] = "billing_read"
        os.environ["AWS_LAMBDA_FUNCTION_NAME"] = "BillingReadFunction"
        for p in (ROOT / "functions" / "billing_read", ROOT / "layers" / "shared"):
            if str(p) not in sys.path:
                sys.path.insert(0, str(p))
        import logging

        logging.disable(logging.WARNING)  # keep Powertools' per-request logs out of the table

        from billing_core.identity import Caller
        from billing_read.app import handler
        from billing_read.logic import BillingReader

        from local.stack.authorizer import build_http_event

        def via_handler() -> None:
            event = build_http_event("GET /billing", "GET", "/billing", "", {"host": "127.0.0.1"}, claims=claims)
            result = handler(event, _Context())
            if result["statusCode"] != 200:
                raise RuntimeError(f"GET /billing answered {result['statusCode']}: {result['body'][:300]}")

        caller = Caller(sub=claims["sub"])
        token = _access_token(stack)
        http = httpx.Client(base_url=stack["api_url"], headers={"authorization": f"Bearer {token}"}, timeout=30)

        def via_gateway() -> None:
            response = http.get("/billing")
            if response.status_code != 200:
                raise RuntimeError(f"gateway answered {response.status_code}: {response.text[:300]}")

        faults = httpx.post(f"{stack['stripe_api_base']}/_emulator/faults", json={"latency_ms": LATENCY_MS})
        faults.raise_for_status()
        try:
            variants: list[tuple[str, Callable[[], Any], int]] = [
                ("handler (concurrent reads)", via_handler, SAMPLES),
                ("logic, concurrent", lambda: BillingReader().build_overview(caller), SAMPLES),
                (
                    "logic, naive sequential",
                    lambda: BillingReader().build_overview(caller, concurrent=False),
                    SEQUENTIAL_SAMPLES,
                ),
                ("gateway over HTTP", via_gateway, SAMPLES),
            ]
            for name, fn, n in variants:
                p50, p95 = _percentiles(_measure(fn, n))
                rows.append(
                    {
                        "variant": name,
                        "stripe_latency_ms": LATENCY_MS,
                        "samples": n,
                        "p50_ms": p50,
                        "p95_ms": p95,
                        "target_p50_ms": TARGET_MS if name.startswith("handler") else None,
                        "met": (p50 < TARGET_MS) if name.startswith("handler") else None,
                        "load_1m": os.getloadavg()[0],
                    }
                )
        finally:
            httpx.post(f"{stack['stripe_api_base']}/_emulator/faults", json={"latency_ms": 0})
            http.close()
    return rows


def _access_token(stack: dict[str, Any]) -> str:
    import boto3

    user = next(u for u in stack["demo_users"] if u["scenario"] == "active-pro")
    idp = boto3.client(
        "cognito-idp",
        endpoint_url=stack["aws_endpoint_url"],
        region_name=stack["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    result = idp.initiate_auth(
        ClientId=stack["user_pool_client_id"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user["username"], "PASSWORD": user["password"]},
    )
    return str(result["AuthenticationResult"]["AccessToken"])
