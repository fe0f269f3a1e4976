"""The shape rules of the code base, checked on the source (ast): where DynamoDB, keys, HTTP and settings live.

* no function package talks to DynamoDB or builds an item key: that is the core's store (``billing_core.store``);
* a function's logic (everything but its ``app.py``) does not import FastAPI or ``app_factory``;
* nothing outside ``billing_core.settings`` reads the environment (documented exceptions below).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"
CORE = ROOT / "layers" / "shared" / "billing_core"

DYNAMODB_CALLS = frozenset(
    {
        "get_item",
        "put_item",
        "update_item",
        "delete_item",
        "query",
        "scan",
        "transact_write_items",
        "batch_write_item",
        "batch_get_item",
    }
)
#: An item key prefix (``USER#``, ``EVENT#`` ...) or a key attribute name.
KEY_LITERAL = re.compile(r"^[A-Z]+#")
KEY_ATTRIBUTES = frozenset({"pk", "sk", "PK", "SK"})


def function_modules() -> list[Path]:
    return sorted(p for p in FUNCTIONS.glob("*/*/*.py") if p.parent.name == p.parent.parent.name)


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def dynamodb_violations(tree: ast.Module) -> list[str]:
    """Every place in one module that talks to DynamoDB or builds an item key itself."""
    found: list[str] = []
    for line, name in _imports(tree):
        if name.split(".")[0] in {"boto3", "botocore", "mypy_boto3_dynamodb"} or name == "billing_core.aws":
            found.append(f"{line}: imports {name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in DYNAMODB_CALLS:
                found.append(f"{node.lineno}: calls .{node.func.attr}()")
            if node.func.attr in {"client", "new_client"} and any(
                isinstance(a, ast.Constant) and a.value == "dynamodb" for a in node.args
            ):
                found.append(f"{node.lineno}: creates a DynamoDB client")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and KEY_LITERAL.match(node.value):
            found.append(f"{node.lineno}: key literal {node.value!r}")
        elif isinstance(node, ast.JoinedStr):
            head = node.values[0] if node.values else None
            if isinstance(head, ast.Constant) and isinstance(head.value, str) and KEY_LITERAL.match(head.value):
                found.append(f"{node.lineno}: builds a key {head.value!r}...")
        elif isinstance(node, ast.Dict):
            for k in node.keys:
                if isinstance(k, ast.Constant) and k.value in KEY_ATTRIBUTES:
                    found.append(f"{k.lineno}: key attribute {k.value!r}")
    return found


@pytest.mark.parametrize("path", function_modules(), ids=lambda p: str(p.relative_to(FUNCTIONS)))
def test_functions_reach_dynamodb_only_through_the_core_store(path: Path) -> None:
    assert dynamodb_violations(_tree(path)) == [], f"{path.relative_to(ROOT)}: use a billing_core store"


def test_the_dynamodb_check_catches_each_kind_of_direct_access() -> None:
    source = """
import boto3
from billing_core import aws
client = aws.client("dynamodb")
client.get_item(TableName="t", Key={"pk": {"S": "USER#u"}, "sk": {"S": "CUSTOMER"}})
client.transact_write_items(TransactItems=[])
key = f"OFFER#{1}"
"""
    found = dynamodb_violations(ast.parse(source))
    assert [v.split(": ", 1)[1].split(" ")[0] for v in found].count("imports") == 2
    assert any("creates a DynamoDB client" in v for v in found)
    assert any(".get_item()" in v for v in found) and any(".transact_write_items()" in v for v in found)
    assert any("'pk'" in v for v in found) and any("'USER#u'" in v for v in found)
    assert any("'OFFER#'" in v for v in found)


#: The core's web layer: only a function's ``app.py`` imports these.
WEB_CORE_MODULES = [
    ["billing_core", name]
    for name in ("app_factory", "http_errors", "request_middleware", "lambda_handler", "routing", "routing_params")
]


def web_imports(tree: ast.Module) -> list[str]:
    return [
        f"{line}: imports {name}"
        for line, name in _imports(tree)
        if name.split(".")[0] in {"fastapi", "starlette", "mangum"} or name.split(".")[:2] in WEB_CORE_MODULES
    ]


@pytest.mark.parametrize(
    "path", [p for p in function_modules() if p.name != "app.py"], ids=lambda p: str(p.relative_to(FUNCTIONS))
)
def test_function_logic_does_not_depend_on_the_web_layer(path: Path) -> None:
    assert web_imports(_tree(path)) == [], f"{path.relative_to(ROOT)}: only app.py may import FastAPI/app_factory"


def test_the_web_layer_check_catches_fastapi_and_app_factory() -> None:
    source = "from fastapi import Request\nfrom billing_core.app_factory import IdempotencyKey\nimport mangum\n"
    assert len(web_imports(ast.parse(source))) == 5  # each module, and each name imported from one


def runtime_modules() -> list[Path]:
    """Every module deployed to Lambda: the shared layer and the functions (not admin/, bench/ or tests/)."""
    found = [*(ROOT / "layers").rglob("*.py"), *FUNCTIONS.rglob("*.py")]
    return sorted(p for p in found if ".aws-sam" not in p.parts and "__pycache__" not in p.parts)


def fastapi_imports(tree: ast.Module) -> list[str]:
    return [f"{line}: imports {name}" for line, name in _imports(tree) if name.split(".")[0] == "fastapi"]


@pytest.mark.parametrize("path", runtime_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_deployed_code_does_not_import_fastapi(path: Path) -> None:
    """FastAPI is a build dependency (``make openapi``); at run time the routes are served by
    ``billing_core.routing`` (ADR 0008: FastAPI's import was the largest part of a cold start)."""
    assert fastapi_imports(_tree(path)) == [], f"{path.relative_to(ROOT)}: FastAPI is not in the layer"


def test_the_fastapi_check_catches_each_form_of_import() -> None:
    source = "import fastapi\nfrom fastapi.routing import APIRoute\nfrom billing_core.routing import APIRouter\n"
    assert [v.split(": ")[1] for v in fastapi_imports(ast.parse(source))] == [
        "imports fastapi",
        "imports fastapi.routing",
        "imports fastapi.routing.APIRoute",
    ]


#: Modules that may read the environment themselves, and why.
ENVIRONMENT_READERS = {
    CORE / "settings.py": "the one settings model",
    CORE / "observability.py": "Powertools' own variables, read by Logger/Metrics at import, before settings",
}


def environment_reads(tree: ast.Module) -> list[str]:
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os":
            if node.attr in {"environ", "getenv", "environb", "putenv"}:
                found.append(f"{node.lineno}: os.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found += [f"{node.lineno}: from os import {a.name}" for a in node.names if a.name in {"environ", "getenv"}]
    return found


def product_modules() -> list[Path]:
    return sorted([*CORE.rglob("*.py"), *function_modules()])


@pytest.mark.parametrize(
    "path",
    [p for p in product_modules() if p not in ENVIRONMENT_READERS],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_only_the_settings_model_reads_the_environment(path: Path) -> None:
    assert environment_reads(_tree(path)) == [], f"{path.relative_to(ROOT)}: read billing_core.settings instead"


def test_the_environment_check_catches_each_way_of_reading_it() -> None:
    source = 'import os\nfrom os import getenv\na = os.environ.get("X")\nb = os.getenv("Y")\nc = getenv("Z")\n'
    assert len(environment_reads(ast.parse(source))) == 3


def cli_imports(tree: ast.Module) -> list[str]:
    return [f"{line}: imports {name}" for line, name in _imports(tree) if name.split(".")[0] in {"admin", "argparse"}]


@pytest.mark.parametrize("path", product_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_layer_and_the_functions_carry_no_command_line_code(path: Path) -> None:
    """Admin commands live in admin/ (not shipped in the layer); a cold start never imports them."""
    assert cli_imports(_tree(path)) == [], f"{path.relative_to(ROOT)}: command-line code belongs in admin/"


def test_the_command_line_check_catches_admin_and_argparse() -> None:
    assert len(cli_imports(ast.parse("import argparse\nfrom admin.portal_config import main\n"))) == 3


#: Where product code lives: the layer, the functions, the admin commands, the offline stack, the emulator.
PRODUCT_ROOTS = [
    ROOT / "layers",
    ROOT / "functions",
    ROOT / "admin",
    ROOT / "local",
    ROOT / "packages" / "stripe_emulator" / "src",
]
MAX_MODULE_LINES = 300
LONG_BECAUSE = re.compile(r"^\s*Long because\b", re.MULTILINE)


def long_module_problem(source: str, name: str) -> str | None:
    """Why a module breaks the length rule, or None: past ``MAX_MODULE_LINES`` lines it must say why it is one
    thing, in a docstring line starting with "Long because"."""
    lines = source.count("\n") + (0 if source.endswith("\n") or not source else 1)
    if lines <= MAX_MODULE_LINES:
        return None
    docstring = ast.get_docstring(ast.parse(source)) or ""
    if LONG_BECAUSE.search(docstring):
        return None
    return f"{name}: {lines} lines; split it by what it holds, or say 'Long because ...' in its docstring"


def all_product_modules() -> list[Path]:
    return sorted(p for root in PRODUCT_ROOTS for p in root.rglob("*.py") if ".venv" not in p.parts)


def test_no_product_module_passes_300_lines_without_saying_why() -> None:
    problems = [
        problem
        for path in all_product_modules()
        if (problem := long_module_problem(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT))))
    ]
    assert not problems, "\n".join(problems)


def test_the_length_check_needs_a_reason_only_past_the_limit() -> None:
    short = '"""A module."""\n' + "x = 1\n" * (MAX_MODULE_LINES - 1)
    long = '"""A module."""\n' + "x = 1\n" * MAX_MODULE_LINES
    reasoned = '"""A module.\n\nLong because it is one table.\n"""\n' + "x = 1\n" * MAX_MODULE_LINES
    assert long_module_problem(short, "short.py") is None
    assert long_module_problem(long, "long.py") is not None
    assert long_module_problem(reasoned, "reasoned.py") is None
    assert long_module_problem("x = 1\n" * (MAX_MODULE_LINES + 1), "no_docstring.py") is not None
