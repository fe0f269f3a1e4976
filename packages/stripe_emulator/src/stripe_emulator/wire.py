"""Stripe's wire format: form bodies with bracket nesting, and the params schema taken from stripe-python.

Stripe accepts `application/x-www-form-urlencoded` bodies where `a[b][c]=1`, `a[]=1` and `a[0][b]=1` build nested
objects and arrays. The allowed parameters of each endpoint are the TypedDicts stripe-python 16 declares under
`stripe.params`: the emulator walks them to reject unknown parameters (400 `parameter_unknown`, as Stripe does),
to coerce strings into the declared int / bool types, and to refuse a value outside an enum parameter's
`Literal[...]` values, nested parameters included. stripe-python types enums open (`Literal['a', 'b']|str`, so a
newer server value does not break an older client); the server is closed, and answers 400
`invalid_request_error` with `param` set and the message "Invalid <param>: must be one of a, b, or c" (the shape
Stripe's API answers, e.g. "Invalid usage: must be one of reusable or single_use", listing values in the spec's
order). A `Literal['']|str` parameter is a free string that may also be blank (Stripe's "unset").
"""

from __future__ import annotations

import functools
import re
import sys
import types
import typing
from typing import Any
from urllib.parse import parse_qsl

import typing_extensions

from .errors import invalid_request

_KEY_RE = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def decode_form(body: str) -> dict[str, Any]:
    """Decode a Stripe form body (also used for query strings) into nested dicts and lists."""
    root: dict[str, Any] = {}
    for raw_key, value in parse_qsl(body, keep_blank_values=True):
        m = _KEY_RE.match(raw_key)
        if not m:
            raise invalid_request(f"Invalid parameter name: {raw_key}", param=raw_key)
        parts = [m.group(1)] + re.findall(r"\[([^\[\]]*)\]", m.group(2))
        _assign(root, parts, value, raw_key)
    decoded: dict[str, Any] = _listify(root)
    return decoded


def _assign(node: dict[str, Any], parts: list[str], value: str, raw_key: str) -> None:
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "":  # a[] appends
            lst = node.setdefault("__list__", [])
            if last:
                lst.append(value)
                return
            child: dict[str, Any] = {}
            lst.append(child)
            node = child
            continue
        if last:
            node[part] = value
            return
        nxt = node.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            node[part] = nxt
        node = nxt


def _listify(node: Any) -> Any:
    """Turn {"__list__": [...]} and {"0": .., "1": ..} into lists, recursively."""
    if not isinstance(node, dict):
        return node
    if "__list__" in node and len(node) == 1:
        return [_listify(v) for v in node["__list__"]]
    if node and all(k.isdigit() for k in node):
        return [_listify(node[k]) for k in sorted(node, key=int)]
    return {k: _listify(v) for k, v in node.items()}


# --- schema from stripe.params ------------------------------------------------------------------------------

_REQUEST_OPTION_KEYS = {
    "api_key",
    "stripe_version",
    "stripe_account",
    "stripe_context",
    "idempotency_key",
    "max_network_retries",
    "content_type",
    "headers",
    "base_address",
}


class Schema:
    """A node of a parameter schema: kind is one of dict, list, map, enum, str, int, bool, float, any."""

    __slots__ = ("kind", "fields", "item", "values", "alts", "order")

    def __init__(
        self,
        kind: str,
        fields: dict[str, Schema] | None = None,
        item: Schema | None = None,
        values: frozenset[str] | None = None,
        alts: list[Schema] | None = None,
        order: tuple[str, ...] = (),
    ) -> None:
        self.kind = kind
        self.fields = fields or {}
        self.item = item
        self.values = values or frozenset()
        self.alts = alts or []
        self.order = order or tuple(sorted(self.values))  # the spec's order, for Stripe's error message


def _enum(values: Any) -> Schema:
    order = tuple(dict.fromkeys(str(v) for v in values))
    return Schema("enum", values=frozenset(order), order=order)


def _resolve(tp: Any, module: types.ModuleType) -> Any:
    if isinstance(tp, str):
        return eval(tp, vars(typing) | vars(module))  # noqa: S307 - stripe-python's own annotations
    if isinstance(tp, typing.ForwardRef):
        return eval(tp.__forward_arg__, vars(typing) | vars(module))  # noqa: S307
    return tp


def _schema_of(tp: Any, module: types.ModuleType, seen: dict[type, Schema]) -> Schema:
    tp = _resolve(tp, module)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.NotRequired, typing.Required) or str(origin).endswith("NotRequired"):
        return _schema_of(args[0], module, seen)
    if origin is typing.Literal:
        return _enum(args)
    if origin in (typing.Union, types.UnionType):
        alts = [_schema_of(a, module, seen) for a in args]
        enums = [a for a in alts if a.kind == "enum"]
        rest = [a for a in alts if a.kind != "enum"]
        literal = [v for a in enums for v in a.order]
        if not rest:
            return _enum(literal)
        if [a.kind for a in rest] == ["str"] and any(v != "" for v in literal):
            return _enum(literal)  # `Literal['a', 'b']|str`: the SDK's open enum, a closed enum on the server
        if len(rest) == 1 and enums and enums[0].values == frozenset({""}):
            return _with_blank(rest[0])
        return Schema("union", alts=alts)
    if origin in (list, typing.List):  # noqa: UP006
        return Schema("list", item=_schema_of(args[0], module, seen))
    if origin in (dict, typing.Dict):  # noqa: UP006
        return Schema("map")
    if isinstance(tp, type) and typing_extensions.is_typeddict(tp):
        if tp in seen:
            return seen[tp]
        node = Schema("dict")
        seen[tp] = node
        mod = sys.modules[tp.__module__]
        for key, ann in tp.__annotations__.items():
            if key in _REQUEST_OPTION_KEYS:
                continue
            node.fields[key] = _schema_of(ann, mod, seen)
        return node
    if tp is bool:
        return Schema("bool")
    if tp is int:
        return Schema("int")
    if tp is float:
        return Schema("float")
    if tp is str:
        return Schema("str")
    return Schema("any")


def _with_blank(s: Schema) -> Schema:
    return Schema(s.kind, s.fields, s.item, s.values | {""}, s.alts, s.order)


@functools.cache
def schema_for(params_class_name: str) -> Schema:
    import stripe.params as sp  # on first use: the generated params modules are slow to import

    cls: Any = sp
    for part in params_class_name.split("."):  # "checkout.SessionCreateParams" names a sub-package's class
        cls = getattr(cls, part)
    return _schema_of(cls, sys.modules[cls.__module__], {})


def validate(params: dict[str, Any], schema: Schema) -> dict[str, Any]:
    """Reject unknown parameters and coerce declared types. Returns the coerced params."""
    out = _check(params, schema, "")
    assert isinstance(out, dict)
    return out


def _one_of(values: tuple[str, ...]) -> str:
    """Stripe's list in an enum error: "a", "a or b", "a, b, or c"."""
    shown = [v for v in values if v]
    if len(shown) <= 2:
        return " or ".join(shown)
    return ", ".join(shown[:-1]) + ", or " + shown[-1]


def _check(value: Any, schema: Schema, path: str) -> Any:
    kind = schema.kind
    if kind == "any" or kind == "map":
        return value
    if value == "" and (kind != "str" or "" in schema.values):
        return ""  # Stripe's way of unsetting a field
    if kind == "dict":
        if not isinstance(value, dict):
            raise invalid_request(f"Invalid object: {path or 'params'}", param=path or None)
        out = {}
        for k, v in value.items():
            sub = schema.fields.get(k)
            p = f"{path}[{k}]" if path else k
            if sub is None:
                raise invalid_request(f"Received unknown parameter: {p}", param=p, code="parameter_unknown")
            out[k] = _check(v, sub, p)
        return out
    if kind == "list":
        if isinstance(value, dict):  # a[0]=x decoded without a list marker
            value = list(value.values())
        if not isinstance(value, list):
            raise invalid_request(f"Invalid array: {path}", param=path)
        assert schema.item is not None
        return [_check(v, schema.item, f"{path}[{i}]") for i, v in enumerate(value)]
    if kind == "enum":
        if not isinstance(value, str | int) or isinstance(value, bool) or str(value) not in schema.values:
            raise invalid_request(f"Invalid {path}: must be one of {_one_of(schema.order)}", param=path)
        return value
    if kind == "int":
        try:
            return int(value)
        except (TypeError, ValueError):
            raise invalid_request(f"Invalid integer: {value}", param=path) from None
    if kind == "float":
        try:
            return float(value)
        except (TypeError, ValueError):
            raise invalid_request(f"Invalid decimal: {value}", param=path) from None
    if kind == "bool":
        if value in (True, False):
            return value
        if str(value).lower() in ("true", "false"):
            return str(value).lower() == "true"
        raise invalid_request(f"Invalid boolean: {value}", param=path)
    if kind == "str":
        if not isinstance(value, str):
            raise invalid_request(f"Invalid string: {path}", param=path)
        return value
    if kind == "union":
        last_error: Exception | None = None
        for alt in schema.alts:
            try:
                return _check(value, alt, path)
            except Exception as exc:  # noqa: BLE001 - try the next alternative
                last_error = exc
        assert last_error is not None
        raise last_error
    return value
