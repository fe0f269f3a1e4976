"""The offline stack brands the page: BRANDING_PATH (or branding.json beside the catalog) is validated and served in
/billing/config.json with the example host app's origin in host_origins; a file it cannot use stops `make dev`
with one line naming it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest

from local.stack.run import group_members, start_stack

pytestmark = [pytest.mark.e2e]

ACME = Path(__file__).resolve().parents[2] / "local" / "stack" / "examples" / "branding.acme.json"


def test_stack_serves_the_validated_brand_and_the_host_app_origin(tmp_path: Path) -> None:
    brand = json.loads(ACME.read_text()) | {"logo_url": "javascript:alert(1)"}
    path = tmp_path / "branding.json"
    path.write_text(json.dumps(brand))
    proc = start_stack(workdir=tmp_path, seed=False, env={"BRANDING_PATH": str(path)})
    try:
        info = proc.wait_ready(240)
        config = httpx.get(info["web_url"] + "/config.json").json()
        host = httpx.get(info["host_url"])
    finally:
        assert proc.stop() == []
    expected = {k: v for k, v in brand.items() if k != "logo_url"}  # the invalid URL is left out
    assert config["branding"] == expected
    assert config["host_origins"] == [info["host_url"].removesuffix("/host/")]
    assert (
        host.status_code == 200
        and "frame-src " + info["web_url"].removesuffix("/billing") in host.headers["content-security-policy"]
    )
    assert "logo_url" in proc.log_file.read_text(errors="replace")  # logged as ignored


def test_stack_refuses_a_branding_file_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "branding.json"
    path.write_text("{broken")
    proc = start_stack(workdir=tmp_path, seed=False, env={"BRANDING_PATH": str(path)})
    try:
        code = proc.proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        proc.stop()
        pytest.fail(f"the stack started with a broken branding file:\n{proc.log_tail()}")
    lines = [line for line in proc.log_file.read_text(errors="replace").splitlines() if line.strip()]
    assert code == 2
    assert len(lines) == 1 and str(path) in lines[0] and "not valid JSON" in lines[0], lines
    assert group_members(proc.pgid) == []
