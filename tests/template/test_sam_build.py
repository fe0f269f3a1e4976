"""The deployment bundle: `scripts/build.sh` (= `make build`) runs once per test session, then the bundle must
hold only arm64 native code, ship Python 3.13 bytecode for every module, and contain the code the template
names. The checks themselves are also run on a hand-made bundle so they can be seen to fail.
"""

from __future__ import annotations

import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sam_bundle
from cfn_template import ROOT, area_of, functions, load_template

BUILD_DIR = ROOT / ".aws-sam" / "build"
BUILD_TIMEOUT_S = 420
# The first test's setup runs the build: the suite-wide 300 s timeout would stop a build that a loaded machine
# slows past it (seen at load average 10), before the build's own timeout could say so.
pytestmark = pytest.mark.timeout(BUILD_TIMEOUT_S + 60)


@pytest.fixture(scope="session")
def built_bundle() -> Path:
    started = time.monotonic()
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "build.sh")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 0, f"make build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    print(f"sam build + bytecode: {time.monotonic() - started:.1f} s")
    return BUILD_DIR


def _elf(machine: int) -> bytes:
    # e_ident: magic, 64-bit, little endian, version 1; then e_type (ET_DYN) and e_machine.
    return b"\x7fELF" + bytes([2, 1, 1]) + bytes(9) + struct.pack("<HH", 3, machine) + bytes(44)


def _fake_bundle(root: Path) -> Path:
    build = root / "build"
    (build / "Fn" / "pkg").mkdir(parents=True)
    (build / "Layer" / "python" / "lib-1.0.dist-info").mkdir(parents=True)
    (build / "template.yaml").write_text("Resources: {}\n")
    (build / "Fn" / "pkg" / "mod.py").write_text("VALUE = 1\n")
    (build / "Layer" / "python" / "lib.py").write_text("VALUE = 2\n")
    (build / "Layer" / "python" / "fast.cpython-313-aarch64-linux-gnu.so").write_bytes(_elf(183))
    (build / "Layer" / "python" / "lib-1.0.dist-info" / "WHEEL").write_text(
        "Wheel-Version: 1.0\nTag: cp313-cp313-manylinux_2_17_aarch64\nTag: cp313-cp313-manylinux2014_aarch64\n"
    )
    return build


@pytest.mark.xdist_group("sam_build")
def test_build_holds_no_x86_64_native_code(built_bundle: Path) -> None:
    natives = [p for p in built_bundle.rglob("*.so*") if p.is_file()]
    assert natives, "expected native extension modules (pydantic-core) in the layer"
    assert sam_bundle.foreign_native_files(built_bundle) == []
    assert all(sam_bundle.elf_machine(p) == sam_bundle.EM_AARCH64 for p in natives if sam_bundle.elf_machine(p))


@pytest.mark.xdist_group("sam_build")
def test_build_wheels_are_pure_or_cp313_aarch64(built_bundle: Path) -> None:
    tags = sam_bundle.wheel_tags(built_bundle)
    assert any(key.split("/")[-1].startswith("pydantic_core-") for key in tags)
    assert sam_bundle.foreign_wheels(built_bundle) == []


@pytest.mark.xdist_group("sam_build")
def test_build_ships_unchecked_hash_bytecode_for_every_module(built_bundle: Path) -> None:
    assert sam_bundle.missing_bytecode(built_bundle) == []
    assert any(built_bundle.rglob(f"billing_core/__pycache__/*{sam_bundle.PYC_SUFFIX}"))


@pytest.mark.xdist_group("sam_build")
def test_build_contains_each_function_and_the_core_in_the_layer(built_bundle: Path) -> None:
    for name, props in functions(load_template()).items():
        area = area_of(props)
        assert (built_bundle / name / area / "app.py").is_file(), name
        assert not (built_bundle / name / "billing_core").exists(), f"{name} bundles the core outside the layer"
    layer = built_bundle / "SharedLayer" / "python"
    assert (layer / "billing_core" / "__init__.py").is_file()
    for dependency in ["stripe", "aws_lambda_powertools", "starlette", "mangum", "pydantic_core"]:
        assert (layer / dependency).is_dir(), dependency
    assert not (layer / "fastapi").exists(), "FastAPI is a build dependency, not part of the layer (ADR 0008)"


def test_bundle_checks_catch_x86_code_foreign_wheels_and_missing_bytecode(tmp_path: Path) -> None:
    build = _fake_bundle(tmp_path)
    (build / "Layer" / "python" / "slow.cpython-313-x86_64-linux-gnu.so").write_bytes(_elf(62))
    (build / "Layer" / "python" / "lib-1.0.dist-info" / "WHEEL").write_text("Tag: cp313-cp313-manylinux_2_17_x86_64\n")
    found = sam_bundle.problems(build)
    assert "non-arm64 native file: Layer/python/slow.cpython-313-x86_64-linux-gnu.so (e_machine 62)" in found
    assert "non-arm64 wheel: Layer/python/lib-1.0.dist-info: cp313-cp313-manylinux_2_17_x86_64" in found
    assert sum(item.startswith("no bytecode") for item in found) == 2


def test_bundle_compile_writes_unchecked_hash_pycs_with_lambda_paths(tmp_path: Path) -> None:
    build = _fake_bundle(tmp_path)
    assert sam_bundle.compile_bundle(build)
    assert sam_bundle.problems(build) == []
    artifacts = {a.path.name: a.runtime_root for a in sam_bundle.artifacts(build)}
    assert artifacts == {"Fn": "/var/task", "Layer": "/opt"}
    probe = "import marshal,sys; d=open(sys.argv[1],'rb').read(); print(marshal.loads(d[16:]).co_filename)"
    pyc = build / "Layer" / "python" / "__pycache__" / f"lib{sam_bundle.PYC_SUFFIX}"
    out = subprocess.run([sys.executable, "-c", probe, str(pyc)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "/opt/python/lib.py"
