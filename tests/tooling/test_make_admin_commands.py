"""Every `make` verb that runs an operator command (`python -m admin.<module>`) can import it the way the
Makefile runs it: from the repository root, with the PYTHONPATH its recipe sets and no other (pytest's own
pythonpath would hide a missing `layers/shared`, as it once did for `make openapi`)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMMAND = re.compile(r"^\t(?:(?P<env>PYTHONPATH=\S+) )?\$\(RUN\) python -m (?P<module>admin\.\w+)", re.MULTILINE)


def admin_commands() -> list[tuple[str, str | None]]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return [(m["module"], m["env"]) for m in COMMAND.finditer(text)]


def test_every_admin_command_of_the_makefile_imports_with_the_recipes_environment() -> None:
    commands = admin_commands()
    assert {"admin.openapi", "admin.catalog_sync", "admin.portal_config"} <= {module for module, _ in commands}
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    failures = []
    for module, assignment in commands:
        run_env = env | ({"PYTHONPATH": assignment.split("=", 1)[1]} if assignment else {})
        result = subprocess.run(
            [sys.executable, "-c", f"import {module}"],
            cwd=ROOT,
            env=run_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            failures.append(f"{module}: {result.stderr.strip().splitlines()[-1]}")
    assert failures == []
