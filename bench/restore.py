"""SnapStart restore proxy: a primed process runs its after-restore hooks, then serves its first request.

Per function, one fresh process (the deployed package set and bundle of `bench/cold_start.py`, the offline stack
with no added latency) imports the handler and runs the before-snapshot hooks its handler module registered with
`snapshot_restore_py` (in reverse order of registration, as the runtime does): the clients are created and every
route is primed against no network. That is the state a snapshot holds. The same process (not a fork: a fork
would lose the threads a VM snapshot keeps) then runs the after-restore hooks (in order of registration) and
serves the function's first route, then `WARM` more requests of the same route.

Columns: `restore_ms` = after-restore hooks, `first_ms` = hooks + first request (what a restored copy adds to
its first response), `warm_ms` = median of the warm requests, `over_warm_ms` = first - warm (target: at most
`TARGET_OVER_WARM_MS`), `prime_ms` = the before-snapshot hooks (paid once per published version, not per
request), `peak_rss_mb` = the primed process's peak resident memory (priming imports every stripe-python object
class: ~12 MB more than `bench/memory.py`'s unprimed figure), with the 1-minute load average.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.cold_start import bench_stack, child_env, events_for, functions, prepare_bundle, user_claims

WARM = 9
RUNS = 3
TARGET_OVER_WARM_MS = 60.0

CHILD = r"""
import json, sys, time
cfg = json.loads(sys.argv[1])
sys.path[:0] = cfg["paths"]
import importlib
module, _, attr = cfg["handler"].rpartition(".")
handler = getattr(importlib.import_module(module), attr)
import snapshot_restore_py

class Context:
    function_name = cfg["function"]
    function_version = "1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + cfg["function"] + ":live"
    memory_limit_in_mb = cfg["memory"]
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"
    def get_remaining_time_in_millis(self):
        return 20000

t0 = time.perf_counter()
for fn, args, kwargs in reversed(snapshot_restore_py.get_before_snapshot()):
    fn(*args, **kwargs)
t1 = time.perf_counter()
for fn, args, kwargs in snapshot_restore_py.get_after_restore():
    fn(*args, **kwargs)
t2 = time.perf_counter()
statuses = [handler(cfg["events"][0], Context()).get("statusCode")]
t3 = time.perf_counter()
warm = []
for event in cfg["events"][1:]:
    started = time.perf_counter()
    statuses.append(handler(event, Context()).get("statusCode"))
    warm.append((time.perf_counter() - started) * 1000)
rss_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print("BENCH " + json.dumps({"prime_ms": (t1 - t0) * 1000, "restore_ms": (t2 - t1) * 1000, "rss_kb": rss_kb,
                             "first_ms": (t3 - t1) * 1000, "warm": warm, "statuses": statuses}), flush=True)
"""


def _run(paths: list[str], fn: dict[str, Any], events: list[dict[str, Any]], env: dict[str, str], cwd: Path) -> Any:
    cfg = {"paths": paths, "handler": fn["handler"], "function": fn["function"], "memory": fn["memory"]}
    proc = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-S", "-c", CHILD, json.dumps(cfg | {"events": events})],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"{fn['function']} restore child failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(line[6:])


def run() -> list[dict[str, Any]]:
    rows = []
    with bench_stack() as stack:
        claims = user_claims(stack)
        for fn in functions():
            if fn["route"] is None:
                continue
            with tempfile.TemporaryDirectory(prefix="bench-bundle-") as tmp:
                paths = prepare_bundle(fn, Path(tmp))
                env = child_env(stack, fn)
                samples = [
                    _run(paths, fn, events_for(fn, claims, stack, WARM + 1), env, Path(tmp)) for _ in range(RUNS)
                ]
            first = statistics.median(s["first_ms"] for s in samples)
            warm = statistics.median(ms for s in samples for ms in s["warm"])
            rows.append(
                {
                    "function": fn["function"],
                    "request": fn["route"].route_key,
                    "status": ",".join(sorted({str(x) for s in samples for x in s["statuses"]})),
                    "runs": RUNS,
                    "prime_ms": statistics.median(s["prime_ms"] for s in samples),
                    "restore_ms": statistics.median(s["restore_ms"] for s in samples),
                    "first_ms": first,
                    "warm_ms": warm,
                    "over_warm_ms": first - warm,
                    "peak_rss_mb": max(s["rss_kb"] for s in samples) / 1024,
                    "load_1m": os.getloadavg()[0],
                    "met": first - warm <= TARGET_OVER_WARM_MS,
                }
            )
    return rows
