"""The error codes a route can answer, read from the source for the API contract (``admin.openapi``).

Every error is a ``billing_core.errors.BillingError`` subclass with a fixed status, code and message; a raise site
may name another code and message (``BadInput(code="unknown_price", message="...")``). This module reads the
code of the core and of one function with ``ast`` (nothing is imported) and answers, for a route's handler, the
codes reachable from it: the calls of the handler are followed by name through the function's package and the
core, so a route lists what its logic and the core code it calls may raise. Following by name over-approximates
(two functions of the same name are both followed); it never misses a raise site of a called function.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "layers" / "shared" / "billing_core"
BASE = "BillingError"
#: Names too common to follow (they would pull in unrelated code): builtins and container methods.
_NOT_FOLLOWED = frozenset(
    {"get", "items", "keys", "values", "append", "extend", "update", "pop", "setdefault", "join", "split", "strip",
     "format", "isinstance", "len", "str", "int", "dict", "list", "set", "tuple", "sorted", "min", "max", "any",
     "all", "getattr", "setattr", "hasattr", "super", "model_dump", "model_validate", "lower", "upper", "replace",
     "startswith", "endswith", "copy", "add", "sum", "round", "enumerate", "zip", "range", "iter", "next", "bool",
     "float", "repr", "print", "type", "__init__", "info", "warning", "error", "exception", "debug"}
)  # fmt: skip


@dataclass(frozen=True)
class ErrorCode:
    status: int
    code: str
    message: str


@dataclass
class _ErrorClass:
    name: str
    bases: tuple[str, ...]
    status: int | None
    code: str | None
    message: str | None


@dataclass
class _Function:
    name: str
    calls: set[str]
    raises: set[tuple[str, str | None, str | None]]  # (class, code or None, message or None)


#: The core's routing layer raises no ``BillingError`` (its 400/422 come from ``http_errors``, counted by
#: ``admin.openapi_responses.generic_codes``), and its ``get``/``post``/``delete`` declaration methods would link
#: every ``.delete()`` call of the logic to it: not indexed.
_NOT_INDEXED = frozenset({CORE / "routing.py", CORE / "routing_params.py"})


def _files(package: Path) -> Iterator[Path]:
    yield from sorted(p for p in package.rglob("*.py") if "__pycache__" not in p.parts and p not in _NOT_INDEXED)


def _literal(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr | ast.BinOp):
        return None
    return None


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


class SourceIndex:
    """Error classes and functions (by name) of the core and the given function packages, read once."""

    def __init__(self, packages: list[Path]) -> None:
        self.classes: dict[str, _ErrorClass] = {}
        #: name -> (package, function); the core's package is CORE
        self.functions: dict[str, list[tuple[Path, _Function]]] = {}
        trees = [(pkg, ast.parse(path.read_text(), str(path))) for pkg in [CORE, *packages] for path in _files(pkg)]
        for _, tree in trees:
            self._read_classes(tree)
        for pkg, tree in trees:
            self._package = pkg
            self._read_functions(tree)

    def _read_classes(self, tree: ast.Module) -> None:
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            fields: dict[str, object] = {}
            for stmt in node.body:
                if isinstance(stmt, ast.Assign | ast.AnnAssign):
                    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                    for target in targets:
                        if isinstance(target, ast.Name) and isinstance(stmt.value, ast.Constant):
                            fields[target.id] = stmt.value.value
            bases = tuple(b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases)
            status, code, message = fields.get("status"), fields.get("code"), fields.get("message")
            self.classes[node.name] = _ErrorClass(
                node.name,
                bases,
                status if isinstance(status, int) else None,
                code if isinstance(code, str) else None,
                message if isinstance(message, str) else None,
            )

    def is_error(self, name: str) -> bool:
        seen: set[str] = set()
        while name in self.classes and name not in seen:
            if name == BASE:
                return True
            seen.add(name)
            cls = self.classes[name]
            if any(self.is_error(base) for base in cls.bases):
                return True
            return False
        return name == BASE

    def resolve(self, name: str, code: str | None = None, message: str | None = None) -> ErrorCode:
        """The status, code and message an error class raised with ``code``/``message`` answers."""
        status, default_code, default_message = None, None, None
        todo = [name]
        while todo and (status is None or default_code is None or default_message is None):
            cls = self.classes.get(todo.pop(0))
            if cls is None:
                continue
            status = status if status is not None else cls.status
            default_code = default_code or cls.code
            default_message = default_message or cls.message
            todo.extend(cls.bases)
        return ErrorCode(status or 500, code or default_code or "internal_error", message or default_message or "")

    def _read_functions(self, tree: ast.Module) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and not self.is_error(node.name):
                # Calling a class runs its __init__: follow the class name to it.
                init = next((s for s in node.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
                if init is not None:
                    self._add(node.name, init)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self._add(node.name, node)

    def _add(self, name: str, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        calls: set[str] = set()
        raises: set[tuple[str, str | None, str | None]] = set()
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call):
                called = _call_name(sub)
                if called is None:
                    continue
                if self.is_error(called):
                    kwargs = {kw.arg: kw.value for kw in sub.keywords if kw.arg}
                    code = _literal(kwargs.get("code")) or (_literal(sub.args[0]) if sub.args else None)
                    message = _literal(kwargs.get("message")) or (_literal(sub.args[1]) if len(sub.args) > 1 else None)
                    raises.add((called, code, message))
                elif called not in _NOT_FOLLOWED:
                    calls.add(called)
            elif isinstance(sub, ast.Raise) and isinstance(sub.exc, ast.Name) and self.is_error(sub.exc.id):
                raises.add((sub.exc.id, None, None))
            elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and sub.id not in _NOT_FOLLOWED:
                calls.add(sub.id)  # a function passed as a value (a callback) is followed too
        self.functions.setdefault(name, []).append((self._package, _Function(name, calls, raises)))

    def reachable_codes(self, entry: str, package: Path) -> set[ErrorCode]:
        """Every error code raised by ``entry`` or a function it calls (by name, transitively), following calls
        through ``package`` (a function's) and the core."""
        seen: set[str] = set()
        todo = [entry]
        found: set[ErrorCode] = set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            for pkg, fn in self.functions.get(name, []):
                if pkg not in (package, CORE):
                    continue
                found.update(self.resolve(cls, code, message) for cls, code, message in fn.raises)
                todo.extend(fn.calls - seen)
        return found
