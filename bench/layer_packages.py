"""The packages the shared layer ships, installed for this machine as `sam build` installs them for Lambda.

`layers/shared/requirements.txt` (with its dependencies) goes into `.bench/layer-<key>/` by `uv pip install
--target` for the bench's own Python and architecture (the deployed layer is the same set for arm64), and is
compiled to unchecked-hash bytecode like the deployment bundle (`scripts/build.sh`). Bench processes put this
folder on `sys.path` and run with `-S`, so no package of the dev venv (httpx, click, test tools) can be
imported: `import stripe` then loads exactly what it loads on Lambda. The folder is reused while the
requirements, the Python version and the architecture stay the same.

The naive anchor (`bench/anchor.py`) is a FastAPI app, and FastAPI is not in the layer (ADR 0008): `anchor_site()`
is the same set plus `fastapi` at the version of `uv.lock`, in `.bench/anchor-<key>/`, so the anchor keeps
measuring what a team would deploy first.
"""

from __future__ import annotations

import compileall
import hashlib
import os
import platform
import py_compile
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "layers" / "shared" / "requirements.txt"


def _uv() -> str:
    found = os.environ.get("UV") or shutil.which("uv")
    if found:
        return found
    local = ROOT / ".tools" / "uv" / "bin" / "uv"
    if local.exists():
        return str(local)
    raise RuntimeError("uv not found: run `make venv` (it installs uv when the machine has none)")


def layer_site() -> Path:
    """The folder holding the layer's packages for this interpreter, installed on first use."""
    return _site("layer", [])


def anchor_site() -> Path:
    """The layer's packages plus FastAPI (the version `uv.lock` pins), for the naive anchor."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    version = next(p["version"] for p in lock["package"] if p["name"] == "fastapi")
    return _site("anchor", [f"fastapi=={version}"])


def _site(name: str, extra: list[str]) -> Path:
    key = hashlib.sha256(
        REQUIREMENTS.read_bytes() + " ".join(extra).encode() + sys.version.encode() + platform.machine().encode()
    ).hexdigest()[:12]
    target = ROOT / ".bench" / f"{name}-{key}"
    if (target / ".complete").exists():
        return target
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    subprocess.run(  # noqa: S603 - uv installing the layer's pinned requirements
        [
            _uv(),
            "pip",
            "install",
            "--quiet",
            "--target",
            str(partial),
            "--python",
            sys.executable,
            "-r",
            str(REQUIREMENTS),
            *extra,
        ],
        check=True,
    )
    ok = compileall.compile_dir(
        str(partial), quiet=1, workers=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
    )
    if not ok:
        raise RuntimeError(f"compileall failed in {partial}")
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    (target / ".complete").touch()
    return target
