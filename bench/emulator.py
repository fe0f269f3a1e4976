"""Emulator speed: p50/p95 per simple request served in-process (target p50 < 2 ms).

Measured two ways: a raw keep-alive `http.client` connection (the server's own cost) and through stripe-python's
StripeClient (what the product's tests pay per call).
"""

from __future__ import annotations

import http.client
import statistics
import time
from collections.abc import Callable
from typing import Any

TARGET_P50_MS = 2.0
N = 400
WARMUP = 50


def _percentiles(samples: list[float]) -> dict[str, float]:
    qs = statistics.quantiles(samples, n=100)
    return {"p50_ms": statistics.median(samples), "p95_ms": qs[94], "max_ms": max(samples)}


def _measure(fn: Callable[[], Any], n: int = N) -> list[float]:
    for _ in range(WARMUP):
        fn()
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def run() -> list[dict[str, Any]]:
    import stripe
    from stripe_emulator import EmulatorServer

    server = EmulatorServer(0).start()
    try:
        client = stripe.StripeClient(server.secret_key, base_addresses={"api": server.api_base})
        cus = client.v1.customers.create({"email": "bench@example.com"})
        prod = client.v1.products.create({"name": "Bench"})
        for amount in (500, 1500, 4500):
            client.v1.prices.create(
                {"product": prod.id, "currency": "usd", "unit_amount": amount, "recurring": {"interval": "month"}}
            )
        conn = http.client.HTTPConnection(str(server.host), server.port, timeout=10)
        auth = {"Authorization": f"Bearer {server.secret_key}"}

        def raw(path: str) -> Callable[[], Any]:
            def call() -> None:
                conn.request("GET", path, headers=auth)
                resp = conn.getresponse()
                resp.read()
                assert resp.status == 200, resp.status

            return call

        cases: list[tuple[str, str, Callable[[], Any]]] = [
            ("customer retrieve", "http.client", raw(f"/v1/customers/{cus.id}")),
            ("price list", "http.client", raw("/v1/prices?limit=10")),
            ("customer retrieve", "stripe-python", lambda: client.v1.customers.retrieve(cus.id)),
            ("price list", "stripe-python", lambda: client.v1.prices.list({"limit": 10})),
        ]
        rows = []
        for name, via, fn in cases:
            stats = _percentiles(_measure(fn))
            rows.append(
                {
                    "name": name,
                    "via": via,
                    "n": N,
                    **stats,
                    "target_p50_ms": TARGET_P50_MS,
                    "ok": stats["p50_ms"] < TARGET_P50_MS,
                }  # fmt: skip
            )
        conn.close()
        return rows
    finally:
        server.stop()
