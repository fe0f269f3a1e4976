"""Peak memory per function: the maximum resident set size of a fresh process that imports the handler and
serves `REQUESTS` requests on its first route (the same bundle and offline stack as `bench/cold_start.py`),
next to the MemorySize the template gives the function.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bench.cold_start import bench_stack, child_env, events_for, functions, prepare_bundle, run_child, user_claims

REQUESTS = 20


def run() -> list[dict[str, Any]]:
    rows = []
    with bench_stack() as stack:
        claims = user_claims(stack)
        for fn in functions():
            if fn["route"] is None:
                continue
            with tempfile.TemporaryDirectory(prefix="bench-bundle-") as tmp:
                paths = prepare_bundle(fn, Path(tmp))
                first, again = events_for(fn, claims, stack, 2)
                env = child_env(stack, fn)
                one = run_child(paths, fn, first, env, Path(tmp), requests=1)
                many = run_child(paths, fn, again, env, Path(tmp), requests=REQUESTS)
            peak_mb = many["max_rss_kb"] / 1024
            rows.append(
                {
                    "function": fn["function"],
                    "request": fn["route"].route_key,
                    "status": many["statuses"][-1],
                    "peak_rss_mb_1_request": one["max_rss_kb"] / 1024,
                    f"peak_rss_mb_{REQUESTS}_requests": peak_mb,
                    "memory_size_mb": fn["memory"],
                    "headroom": f"{fn['memory'] / peak_mb:.1f}x",
                }
            )
    return rows
