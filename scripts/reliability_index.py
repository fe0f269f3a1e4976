"""The reliability matrix's test index: which tests hold each row of docs/reliability.md.

A test holds a row when the row id is in its name (``test_a2_foreign_subscription_is_404``) or its docstring
(``"... (H3)"``); a test module whose docstring names the id holds it as a whole and is listed once. The index
is written between the markers in docs/reliability.md:

    python scripts/reliability_index.py          # rewrite the index
    python scripts/reliability_index.py --check  # exit 1 when the index is stale (tests/tooling runs this)
"""

from __future__ import annotations

import ast
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MATRIX = ROOT / "docs" / "reliability.md"
BEGIN = "<!-- test index: begin (python scripts/reliability_index.py writes it) -->"
END = "<!-- test index: end -->"
#: Where tests live: the project's and the Stripe emulator package's.
TEST_ROOTS = ("tests", "packages/stripe_emulator/tests")
ROW = re.compile(r"^\| ([A-HR]\d{1,2}) \|", re.MULTILINE)
ID_IN_TEXT = re.compile(r"\b([A-HR]\d{1,2})\b")
ID_IN_NAME = re.compile(r"(?:^|_)([a-hr]\d{1,2})(?=_|$)")


def row_ids(text: str) -> list[str]:
    """The matrix's row ids, in order (the index below the begin marker is not part of the matrix)."""
    return ROW.findall(text.split(BEGIN)[0])


def _ids(node: ast.AST, known: set[str]) -> set[str]:
    found: set[str] = set()
    doc = ast.get_docstring(node) if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef) else None
    if doc:
        found |= {i for i in ID_IN_TEXT.findall(doc) if i in known}
    if isinstance(node, ast.FunctionDef | ast.ClassDef):
        found |= {i.upper() for i in ID_IN_NAME.findall(node.name) if i.upper() in known}
    return found


def tests_per_row(known: set[str]) -> dict[str, set[str]]:
    """Row id -> ``path::test`` for tests (or classes) naming the id, and ``path`` for a module naming it."""
    held: dict[str, set[str]] = defaultdict(set)
    for path in sorted(p for tests in TEST_ROOTS for p in (ROOT / tests).rglob("test_*.py")):
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(), filename=rel)
        for row in _ids(tree, known):
            held[row].add(rel)
        for node in tree.body:
            if isinstance(node, ast.ClassDef | ast.FunctionDef) and node.name.startswith(("test", "Test")):
                for row in _ids(node, known):
                    held[row].add(f"{rel}::{node.name}")
            if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                for inner in node.body:
                    if isinstance(inner, ast.FunctionDef) and inner.name.startswith("test"):
                        for row in _ids(inner, known):
                            held[row].add(f"{rel}::{node.name}::{inner.name}")
    for row, tests in held.items():
        modules = {t for t in tests if "::" not in t}
        held[row] = modules | {t for t in tests if t.split("::")[0] not in modules}
    return held


def render(text: str) -> str:
    rows = row_ids(text)
    held = tests_per_row(set(rows))
    lines = [BEGIN, "", "| id | tests |", "|---|---|"]
    for row in rows:
        tests = sorted(held.get(row, ()))
        cell = "<br>".join(f"`{t}`" for t in tests) if tests else "none yet (planned)"
        lines.append(f"| {row} | {cell} |")
    lines += ["", END]
    block = "\n".join(lines)
    if BEGIN in text:
        start, end = text.index(BEGIN), text.index(END) + len(END)
        return text[:start] + block + text[end:]
    return text.rstrip("\n") + "\n\n## Where each row is tested\n\n" + block + "\n"


def main(argv: list[str]) -> int:
    text = MATRIX.read_text()
    fresh = render(text)
    if "--check" in argv:
        if fresh != text:
            print("docs/reliability.md: the test index is stale; run `python scripts/reliability_index.py`")
            return 1
        return 0
    MATRIX.write_text(fresh)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
