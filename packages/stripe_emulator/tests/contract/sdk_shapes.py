"""Read the object shapes stripe-python 16 declares: attribute annotations across the MRO, nested classes, literals.

`typing.get_type_hints` fails on stripe-python's forward references (`ExpandableField["Application"]`), so this
walks `cls.__annotations__` directly and resolves what it needs: nested `StripeObject` classes, `List[...]`,
`Optional[...]`, `Literal[...]` (possibly inside `Union[Literal[...], str]`) and forward references by name.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import sys
import types
import typing
from dataclasses import dataclass, field
from typing import Any

import stripe

_STRIPE_OBJECT_BASES = {"StripeObject", "UntypedStripeObject", "object", "dict", "Generic"}


@dataclass
class Field:
    """One declared attribute: its literal values (if any) and its nested class (if an object)."""

    name: str
    literals: frozenset[str] | None = None  # declared Literal values (open strings still list the known ones)
    nested: type | None = None  # a StripeObject subclass the value must match (dict)
    is_list: bool = False  # List[nested] / List[Literal]
    forward: str | None = None  # a forward-referenced class name (another resource; expandable or embedded)
    map_of: bool = False  # UntypedStripeObject / Dict: free-form keys (metadata)
    list_object_item: str | type | None = None  # ListObject["X"]: the class (or forward name) of `data` items
    optional: bool = False


@dataclass
class Shape:
    cls: type
    fields: dict[str, Field] = field(default_factory=dict)


def declared_annotations(cls: type) -> dict[str, Any]:
    """Attribute annotations of `cls` and its bases, excluding ClassVars and the StripeObject machinery."""
    out: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if klass.__name__ in _STRIPE_OBJECT_BASES or klass.__module__.startswith(("typing", "builtins")):
            continue
        if klass.__module__ in ("stripe._stripe_object", "stripe._api_resource") or klass.__name__.endswith(
            ("APIResource", "Resource")
        ):
            continue
        for name, ann in vars(klass).get("__annotations__", {}).items():
            if name.startswith("_") or name == "OBJECT_NAME":
                continue
            if typing.get_origin(ann) is typing.ClassVar:
                continue
            out[name] = ann
    return out


def _describe(name: str, ann: Any, module: types.ModuleType) -> Field:
    f = Field(name)

    def walk(tp: Any) -> None:
        if isinstance(tp, str):
            tp = typing.ForwardRef(tp)
        if isinstance(tp, typing.ForwardRef):
            f.forward = tp.__forward_arg__
            return
        if tp is type(None):
            f.optional = True
            return
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin is typing.Literal:
            f.literals = (f.literals or frozenset()) | frozenset(str(a) for a in args)
            return
        if origin in (typing.Union, types.UnionType):
            for a in args:
                walk(a)
            return
        if isinstance(origin, type) and origin.__name__ in ("ListObject", "SearchResultObject"):
            f.nested = origin
            item = args[0] if args else None
            if isinstance(item, typing.ForwardRef):
                item = item.__forward_arg__
            f.list_object_item = item
            return
        if origin in (list, typing.List):  # noqa: UP006
            f.is_list = True
            walk(args[0])
            return
        if origin in (dict, typing.Dict):  # noqa: UP006
            f.map_of = True
            return
        if isinstance(tp, type):
            if tp.__name__ == "UntypedStripeObject" or (
                origin and getattr(origin, "__name__", "") == "UntypedStripeObject"
            ):
                f.map_of = True
                return
            if issubclass(tp, stripe.StripeObject):
                if tp.__name__ in ("StripeObject", "UntypedStripeObject"):
                    f.map_of = True
                else:
                    f.nested = tp
            return
        if origin is not None and getattr(origin, "__name__", "") == "UntypedStripeObject":
            f.map_of = True

    walk(ann)
    return f


def shape_of(cls: type) -> Shape:
    module = sys.modules[cls.__module__]
    shape = Shape(cls)
    for name, ann in declared_annotations(cls).items():
        shape.fields[name] = _describe(name, ann, module)
    return shape


def resolve_forward(owner: type, name: str) -> type | None:
    """The class a forward reference names: the owner module's TYPE_CHECKING import, else stripe's namespace."""
    module = sys.modules[owner.__module__]
    for node in ast.walk(_module_ast(module.__name__)):
        if isinstance(node, ast.ImportFrom) and node.module and any(a.name == name for a in node.names):
            try:
                found = getattr(importlib.import_module(node.module), name, None)
            except ImportError:
                found = None
            if isinstance(found, type):
                return found
    for ns in (stripe, stripe.checkout, stripe.billing_portal, stripe.test_helpers, stripe.billing):
        if isinstance(getattr(ns, name, None), type):
            return getattr(ns, name)
    return None


@functools.cache
def _module_ast(module_name: str) -> ast.Module:
    return ast.parse(inspect.getsource(sys.modules[module_name]))


def dump(cls: type, indent: str = "", seen: set[type] | None = None) -> list[str]:
    """A readable tree of the declared shape (used while building the emulator's objects)."""
    seen = seen or set()
    lines: list[str] = []
    for name, f in shape_of(cls).fields.items():
        bits = []
        if f.literals:
            bits.append("|".join(sorted(f.literals)))
        if f.forward:
            bits.append(f"->{f.forward}")
        if f.map_of:
            bits.append("map")
        if f.is_list:
            bits.append("list")
        if f.optional:
            bits.append("?")
        lines.append(f"{indent}{name} {' '.join(bits)}")
        if f.nested and f.nested not in seen:
            lines.extend(dump(f.nested, indent + "  ", seen | {f.nested}))
    return lines


if __name__ == "__main__":
    import importlib

    mod_name, _, cls_name = sys.argv[1].rpartition(".")
    print("\n".join(dump(getattr(importlib.import_module(mod_name), cls_name))))


# --- comparison ----------------------------------------------------------------------------------------------

_LIST_CLASSES = ("ListObject", "SearchResultObject")


def compare_with_sdk(value: dict[str, Any], cls: type, path: str = "", depth: int = 0) -> set[tuple[str, str]]:
    """Differences between an emulator object and the declared class: {("missing"|"extra"|"enum", path)}.

    Paths are dotted, with `[]` for list items, e.g. `features.subscription_update.products[].prices`.
    """
    issues: set[tuple[str, str]] = set()
    if depth > 6:
        return issues
    shape = shape_of(cls)
    declared = set(shape.fields)
    if cls.__name__ in _LIST_CLASSES:
        declared.add("object")
    for key in declared - set(value):
        issues.add(("missing", f"{path}{key}"))
    for key in set(value) - declared:
        issues.add(("extra", f"{path}{key}"))
    for key, f in shape.fields.items():
        if key not in value or value[key] is None:
            continue
        v = value[key]
        here = f"{path}{key}"
        if f.literals is not None:
            for item in v if isinstance(v, list) else [v]:
                if isinstance(item, str) and item not in f.literals:
                    issues.add(("enum", f"{here}={item}"))
        target: type | None = f.nested
        if target is None and f.forward:
            target = resolve_forward(cls, f.forward)
        if f.map_of or target is None or not issubclass(target, stripe.StripeObject):
            continue
        if target.__name__ in _LIST_CLASSES and isinstance(v, dict):
            issues |= compare_with_sdk(v, target, f"{here}.", depth + 1)
            item_cls = f.list_object_item
            if isinstance(item_cls, str):
                item_cls = resolve_forward(cls, item_cls)
            if isinstance(item_cls, type):
                for item in v.get("data") or []:
                    if isinstance(item, dict):
                        issues |= compare_with_sdk(item, item_cls, f"{here}.data[].", depth + 1)
            continue
        if isinstance(v, dict):
            issues |= compare_with_sdk(v, target, f"{here}.", depth + 1)
        elif isinstance(v, list):
            for item in v:
                if isinstance(item, dict):
                    issues |= compare_with_sdk(item, target, f"{here}[].", depth + 1)
    return issues


def compare_with_fixture(value: Any, fixture: Any, path: str = "") -> set[tuple[str, str]]:
    """Key-set differences against a fixtures3.json object, recursing where both sides are objects."""
    issues: set[tuple[str, str]] = set()
    if isinstance(value, dict) and isinstance(fixture, dict):
        if path.endswith(("metadata.", "previous_attributes.")) or path == "data.object.":
            return issues
        for key in set(fixture) - set(value):
            issues.add(("missing", f"{path}{key}"))
        for key in set(value) - set(fixture):
            issues.add(("extra", f"{path}{key}"))
        for key in set(value) & set(fixture):
            if key == "object" and isinstance(value.get("data"), dict):
                continue
            issues |= compare_with_fixture(value[key], fixture[key], f"{path}{key}.")
    elif isinstance(value, list) and isinstance(fixture, list) and value and fixture:
        if isinstance(fixture[0], dict):
            for item in value:
                issues |= compare_with_fixture(item, fixture[0], path.rstrip(".") + "[].")
    return issues
