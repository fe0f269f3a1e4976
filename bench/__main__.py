"""`python -m bench [module ...]`: run every bench module (each exposes `run() -> list[dict]`), print one table
per module, and write all rows to `.bench/<UTC time>.json` and `.bench/latest.json`.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def discover() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if not m.name.startswith("_"))


def table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "(no rows)"
    cols: list[str] = []
    for row in rows:  # lists and mappings stay in the JSON; a bench prints them itself if they matter
        cols.extend(k for k, v in row.items() if k not in cols and not isinstance(v, list | dict))
    cells = [[_fmt(row.get(c)) for c in cols] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(cols)]
    line = "  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(out)


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    return str(value)


def main(argv: list[str]) -> int:
    for path in (ROOT, ROOT / "layers" / "shared"):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    names = argv or discover()
    results: dict[str, Any] = {}
    failed = False
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "run"):
            continue
        print(f"\n== {name}", flush=True)
        started = time.monotonic()
        try:
            rows = module.run()
        except Exception:  # noqa: BLE001 - report and go on with the other benches
            traceback.print_exc()
            results[name] = {"error": traceback.format_exc()}
            failed = True
            continue
        print(table(rows))
        print(f"({time.monotonic() - started:.1f} s)", flush=True)
        results[name] = rows
    out_dir = ROOT / ".bench"
    out_dir.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    doc = {"time": stamp, "python": sys.version.split()[0], "results": results}
    for target in (out_dir / f"{stamp}.json", out_dir / "latest.json"):
        target.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: .bench/{stamp}.json")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
