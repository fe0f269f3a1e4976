"""`make dev` from a bare machine: uv is installed into the project when the machine has none, and uv provides
Python 3.13 when neither pyenv nor `python3.13` is there. Checked with `make -n` (what make would run) on a copy
of the Makefile, so nothing is installed by the test."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BARE_PATH = "/usr/bin:/bin"


def _plan(workdir: Path, path: str, target: str = "venv") -> str:
    shutil.copy(ROOT / "Makefile", workdir / "Makefile")
    (workdir / "scripts").mkdir(exist_ok=True)
    shutil.copy(ROOT / "scripts" / "ensure_uv.sh", workdir / "scripts" / "ensure_uv.sh")
    for name in ("pyproject.toml", "uv.lock"):
        (workdir / name).touch()
    env = {"PATH": path, "HOME": str(workdir)}
    done = subprocess.run(["make", "-n", target], cwd=workdir, env=env, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def bare_machine() -> str:
    for tool in ("uv", "pyenv", "python3.13"):
        if shutil.which(tool, path=BARE_PATH):
            pytest.fail(f"{tool} is on {BARE_PATH}: this machine is not bare enough for the check")
    return BARE_PATH


def test_a_bare_machine_gets_uv_in_the_project_and_python_from_uv(tmp_path: Path, bare_machine: str) -> None:
    plan = _plan(tmp_path, bare_machine)
    assert plan.splitlines()[0] == "bash scripts/ensure_uv.sh"
    assert ".tools/uv/bin/uv sync --frozen --compile-bytecode --python 3.13" in plan


def test_dev_uses_the_bootstrap_too(tmp_path: Path, bare_machine: str) -> None:
    plan = _plan(tmp_path, bare_machine, target="dev")
    assert "bash scripts/ensure_uv.sh" in plan
    assert ".tools/uv/bin/uv run --frozen python -m local.stack.dev" in plan


def test_a_machine_with_uv_uses_it_and_installs_nothing(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_uv = bin_dir / "uv"
    fake_uv.write_text("#!/bin/sh\nexit 0\n")
    fake_uv.chmod(0o755)
    plan = _plan(tmp_path, f"{bin_dir}{os.pathsep}{BARE_PATH}")
    assert "ensure_uv" not in plan
    assert f"{fake_uv} sync --frozen" in plan


def test_the_install_script_leaves_an_existing_project_copy_alone(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "ensure_uv.sh", tmp_path / "scripts" / "ensure_uv.sh")
    existing = tmp_path / ".tools" / "uv" / "bin" / "uv"
    existing.parent.mkdir(parents=True)
    existing.write_text("#!/bin/sh\necho already\n")
    existing.chmod(0o755)
    done = subprocess.run(["bash", "scripts/ensure_uv.sh"], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert done.stdout == "" and "installing" not in done.stderr
