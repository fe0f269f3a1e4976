"""Checks and post-processing of the `sam build` bundle (.aws-sam/build). Standard library only.

Used by scripts/build.sh (``python3.13 tests/template/sam_bundle.py compile|check .aws-sam/build``) and by the
template tests. A layer artifact is a directory holding only ``python/`` (it unpacks to /opt); a function
artifact unpacks to /var/task.
"""

from __future__ import annotations

import compileall
import importlib.util
import py_compile
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

EM_AARCH64 = 183
ELF_MAGIC = b"\x7fELF"
PYC_SUFFIX = f".{sys.implementation.cache_tag}.pyc"  # .cpython-313.pyc under Python 3.13
_PYC_FLAG_HASH_BASED = 0b01
_PYC_FLAG_CHECK_SOURCE = 0b10
_PY3_TAGS = {"py3", "cp313"} | {f"cp3{minor}" for minor in range(2, 13)}


@dataclass(frozen=True)
class Artifact:
    path: Path
    runtime_root: str  # where Lambda unpacks it


def artifacts(build_dir: Path) -> list[Artifact]:
    """The function and layer directories of a SAM build directory."""
    found: list[Artifact] = []
    for entry in sorted(build_dir.iterdir()):
        if not entry.is_dir():
            continue
        children = {child.name for child in entry.iterdir()}
        found.append(Artifact(entry, "/opt" if children == {"python"} else "/var/task"))
    return found


def elf_machine(path: Path) -> int | None:
    """The ELF e_machine of a file, or None if it is not an ELF file."""
    with path.open("rb") as handle:
        header = handle.read(20)
    if len(header) < 20 or header[:4] != ELF_MAGIC:
        return None
    byte_order = "<" if header[5] == 1 else ">"
    machine: int = struct.unpack(f"{byte_order}H", header[18:20])[0]
    return machine


def foreign_native_files(build_dir: Path) -> list[str]:
    """Every ELF file (extension modules, bundled shared libraries) that is not AArch64."""
    bad: list[str] = []
    for path in build_dir.rglob("*"):
        if path.is_file() and not path.is_symlink():
            machine = elf_machine(path)
            if machine is not None and machine != EM_AARCH64:
                bad.append(f"{path.relative_to(build_dir)} (e_machine {machine})")
    return sorted(bad)


def wheel_tags(build_dir: Path) -> dict[str, list[str]]:
    """Tags of every installed distribution: {'<artifact>/<name>.dist-info': ['cp313-cp313-manylinux...']}."""
    tags: dict[str, list[str]] = {}
    for wheel in build_dir.rglob("*.dist-info/WHEEL"):
        lines = wheel.read_text(encoding="utf-8").splitlines()
        key = str(wheel.parent.relative_to(build_dir))
        tags[key] = [line.split(":", 1)[1].strip() for line in lines if line.startswith("Tag:")]
    return tags


def foreign_wheels(build_dir: Path) -> list[str]:
    """Distributions whose wheel tags are neither pure Python nor CPython 3.13 / abi3 on Linux aarch64."""
    bad: list[str] = []
    for dist, tags in wheel_tags(build_dir).items():
        for tag in tags:
            python_tag, abi_tag, platform_tag = tag.split("-")
            pure = platform_tag == "any" and abi_tag == "none"
            native_ok = (
                platform_tag.startswith(("manylinux", "linux"))
                and platform_tag.endswith("aarch64")
                and (abi_tag == "cp313" or abi_tag in {"abi3", "none"} and python_tag in _PY3_TAGS)
            )
            if not (pure or native_ok):
                bad.append(f"{dist}: {tag}")
    return sorted(bad)


def compile_bundle(build_dir: Path) -> bool:
    """Compile every .py to unchecked-hash .pyc with the path it has on Lambda. True when all compiled."""
    ok = True
    for artifact in artifacts(build_dir):
        ok = (
            compileall.compile_dir(
                str(artifact.path),
                quiet=1,
                workers=0,
                stripdir=str(artifact.path),
                prependdir=artifact.runtime_root,
                invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
            )
            and ok
        )
    return ok


def missing_bytecode(build_dir: Path) -> list[str]:
    """Every .py without a current-interpreter, unchecked-hash .pyc next to it in __pycache__."""
    missing: list[str] = []
    magic = importlib.util.MAGIC_NUMBER
    for source in build_dir.rglob("*.py"):
        pyc = source.parent / "__pycache__" / f"{source.stem}{PYC_SUFFIX}"
        relative = str(source.relative_to(build_dir))
        if not pyc.is_file():
            missing.append(f"{relative} (no {pyc.name})")
            continue
        with pyc.open("rb") as handle:
            header = handle.read(8)
        flags = int.from_bytes(header[4:8], "little")
        if header[:4] != magic:
            missing.append(f"{relative} (pyc from another Python)")
        elif flags & _PYC_FLAG_HASH_BASED == 0 or flags & _PYC_FLAG_CHECK_SOURCE:
            missing.append(f"{relative} (pyc is not unchecked-hash)")
    return sorted(missing)


def problems(build_dir: Path) -> list[str]:
    """Everything wrong with a built bundle, for a readable failure message."""
    found: list[str] = []
    if not (build_dir / "template.yaml").is_file():
        return [f"{build_dir} holds no SAM build (no template.yaml)"]
    found += [f"non-arm64 native file: {item}" for item in foreign_native_files(build_dir)]
    found += [f"non-arm64 wheel: {item}" for item in foreign_wheels(build_dir)]
    found += [f"no bytecode: {item}" for item in missing_bytecode(build_dir)]
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in {"compile", "check"}:
        print("usage: sam_bundle.py compile|check <build dir>", file=sys.stderr)
        return 2
    build_dir = Path(argv[2])
    if argv[1] == "compile":
        return 0 if compile_bundle(build_dir) else 1
    found = problems(build_dir)
    for line in found[:50]:
        print(line, file=sys.stderr)
    if found:
        print(f"{len(found)} problem(s) in {build_dir}", file=sys.stderr)
        return 1
    count = sum(1 for _ in build_dir.rglob(f"*{PYC_SUFFIX}"))
    print(f"bundle ok: {len(artifacts(build_dir))} artifacts, arm64 only, {count} bytecode files")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
