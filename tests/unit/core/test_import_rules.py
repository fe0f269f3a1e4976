"""No package of the product imports its own submodules from its ``__init__``.

Two threads importing such a package and one of its submodules for the first time at once can deadlock
(CPython takes the per-module import locks parent-first in one thread and child-first in the other:
``_DeadlockError``). The offline stack seeds and serves on many threads, and a CI run was lost to it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PACKAGE_ROOTS = [ROOT / "layers" / "shared", ROOT / "functions", ROOT / "local", ROOT / "admin"]


def _package_inits() -> list[Path]:
    inits = []
    for root in PACKAGE_ROOTS:
        inits += [p for p in root.rglob("__init__.py") if ".aws-sam" not in p.parts and "node_modules" not in p.parts]
    return sorted(inits)


def _dotted(init: Path) -> str:
    for root in PACKAGE_ROOTS:
        if root in init.parents:
            rel = init.parent.relative_to(root)
            if root.name in ("local", "admin"):
                rel = Path(root.name) / rel
            return ".".join(rel.parts)
    raise AssertionError(init)


def _own_submodule_imports(source: str, package: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level > 0 or (node.module or "").startswith(package + "."):
                found.append(f"line {node.lineno}: from {'.' * node.level}{node.module or ''}")
        elif isinstance(node, ast.Import):
            found += [f"line {node.lineno}: import {a.name}" for a in node.names if a.name.startswith(package + ".")]
    return found


def test_the_rule_sees_the_packages() -> None:
    names = {_dotted(p) for p in _package_inits()}
    assert {"billing_core", "billing_core.store", "billing_core.accounts", "local.stack"} <= names


@pytest.mark.parametrize("init", _package_inits(), ids=lambda p: str(p.relative_to(ROOT)))
def test_package_init_imports_none_of_its_submodules(init: Path) -> None:
    assert _own_submodule_imports(init.read_text(), _dotted(init)) == [], f"{init.relative_to(ROOT)} imports its own"


def test_the_rule_catches_a_relative_and_an_absolute_submodule_import() -> None:
    source = "from .base import TableStore\nfrom billing_core.store.keys import key\nimport billing_core.store.x\n"
    assert len(_own_submodule_imports(source, "billing_core.store")) == 3
    assert _own_submodule_imports("from billing_core.errors import BadInput\n", "billing_core.store") == []
