"""Every reference in code, tests and docs resolves to something in this repo: reliability ids to rows of
docs/reliability.md, documents and ADRs to files, markdown links to files; and the matrix's test index is
current, so each row names the tests that hold it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import reliability_index  # noqa: E402

#: Rows of features that are planned and not built yet: they hold no test. A feature that lands takes its rows out.
PLANNED: set[str] = set()
VENDORED = ("packages/stripe_emulator/tests/contract/data/",)
TEXT = re.compile(r"(\.(py|js|md|yaml|yml|toml|html|css|sh|json)|Makefile|/run)$")
OUTSIDE = re.compile(
    r"\bDESIGN(\.md)?\b|CONVENTIONS\.md|RELIABILITY\.md|STYLE\.md|STRIPE_NOTES|\.\./shared/|\bissue \d+|"
    r"\b[Dd]ecision \d+\b"
)
ROW_ID = re.compile(r"\b([A-HR]\d{1,2})\b")
DOC_PATH = re.compile(r"\bdocs/[\w./-]+\.md\b")
ADR = re.compile(r"\bADRs? (\d{4})\b")
MD_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _files() -> dict[str, str]:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    files = {}
    for rel in listed.splitlines():
        path = ROOT / rel
        if TEXT.search(rel) and not rel.startswith(VENDORED) and path.is_file():
            files[rel] = path.read_text(errors="replace")
    return files


FILES = _files()
SELF = "tests/tooling/test_references.py"


def _hits(pattern: re.Pattern[str]) -> list[tuple[str, int, str]]:
    found = []
    for rel, text in FILES.items():
        if rel == SELF:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            found += [(rel, number, m.group(0)) for m in pattern.finditer(line)]
    return found


def test_nothing_refers_to_documents_outside_the_repo_or_to_issue_numbers() -> None:
    assert _hits(OUTSIDE) == []


def test_every_reliability_id_is_a_row_of_the_matrix() -> None:
    rows = set(reliability_index.row_ids((ROOT / "docs" / "reliability.md").read_text()))
    unknown = [hit for hit in _hits(ROW_ID) if hit[2] not in rows]
    assert unknown == []


def test_every_docs_path_and_adr_number_exists() -> None:
    missing = [hit for hit in _hits(DOC_PATH) if not (ROOT / hit[2]).is_file()]
    adrs = {p.name[:4] for p in (ROOT / "docs" / "adr").glob("[0-9][0-9][0-9][0-9]-*.md")}
    missing += [hit for hit in _hits(ADR) if hit[2].split()[-1] not in adrs]
    assert missing == []


def test_every_relative_markdown_link_resolves() -> None:
    broken = []
    for rel, text in FILES.items():
        if not rel.endswith(".md"):
            continue
        for target in MD_LINK.findall(text):
            if re.match(r"^[a-z]+:", target):
                continue
            if not (ROOT / rel).parent.joinpath(target).resolve().exists():
                broken.append((rel, target))
    assert broken == []


def test_the_matrix_names_the_tests_of_every_row() -> None:
    assert reliability_index.main(["--check"]) == 0, "run: python scripts/reliability_index.py"
    text = (ROOT / "docs" / "reliability.md").read_text()
    held = reliability_index.tests_per_row(set(reliability_index.row_ids(text)))
    untested = {row for row in reliability_index.row_ids(text) if not held.get(row)}
    assert untested == PLANNED


@pytest.mark.parametrize("rel", ["README.md", "docs/architecture.md", "docs/reliability.md"])
def test_the_main_documents_exist(rel: str) -> None:
    assert (ROOT / rel).is_file()


MAKE_VERB = re.compile(r"`make ([a-z][a-z-]*)|^\s*make ([a-z][a-z-]*)", re.MULTILINE)
PYTHON_MODULE = re.compile(r"python -m ([a-z_][a-z0-9_.]*)")


def _make_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][a-z-]*):", makefile, re.MULTILINE))


def test_every_make_verb_in_the_docs_is_a_makefile_target() -> None:
    targets = _make_targets()
    unknown = []
    for rel, text in FILES.items():
        if rel.endswith(".md"):
            verbs = {verb for pair in MAKE_VERB.findall(text) for verb in pair if verb}
            unknown += [(rel, verb) for verb in sorted(verbs - targets)]
    assert unknown == []


def test_every_python_module_the_docs_run_exists() -> None:
    import importlib.util

    for path in (ROOT, ROOT / "layers" / "shared"):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    missing = []
    for rel, text in FILES.items():
        if rel.endswith(".md"):
            missing += [(rel, m) for m in PYTHON_MODULE.findall(text) if importlib.util.find_spec(m) is None]
    assert missing == []
