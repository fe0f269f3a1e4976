"""Route parameters for ``billing_core.routing``: the markers (``Query``, ``Path``, ``Body``, ``Depends``), the
analysis of a signature into a ``Dependant`` (once, when a route is declared) and the validation of one request's
path, query and body values with pydantic.

A parameter is, as in FastAPI 0.165 (``fastapi.dependencies.utils.analyze_param``):

* ``Annotated[T, Depends(f)]`` -> the answer of ``f`` (itself analysed the same way);
* ``Annotated[T, Query(...)]`` / ``Path(...)`` / ``Body()`` -> that source, with the marker's constraints;
* a Starlette ``Request`` -> the request;
* otherwise a path parameter when the path names it, a body when ``T`` is not a scalar (a pydantic model, a
  union with one, a dict or a list), else a query parameter.

Each value is validated by ``TypeAdapter(Annotated[T, *its metadata, Field(**constraints)])``, the adapter
FastAPI builds for the same declaration, so the same input fails with the same error ``type`` and ``loc``.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections.abc import Callable, Mapping
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Union, get_args, get_origin

from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import Response

#: No value (an absent body or parameter; distinct from JSON ``null``).
UNDEFINED: Any = type("Undefined", (), {"__repr__": lambda self: "UNDEFINED"})()

#: Marker arguments that describe a parameter for the OpenAPI document only, or name it: not validation.
_NOT_CONSTRAINTS = {"alias", "description", "title", "examples", "deprecated", "include_in_schema"}


class RequestValidationError(Exception):
    """Bad input for a route: pydantic's errors with FastAPI's ``loc`` (``billing_core.http_errors`` maps it)."""

    def __init__(self, errors: list[dict[str, Any]], *, body: Any = None) -> None:
        super().__init__(f"{len(errors)} validation error(s)")
        self._errors = errors
        self.body = body

    def errors(self) -> list[dict[str, Any]]:
        return self._errors


class Param:
    """A request parameter's source and constraints: ``Annotated[int, Query(ge=1, le=100)]``."""

    source: ClassVar[str]

    def __init__(self, *, alias: str | None = None, **kwargs: Any) -> None:
        self.alias = alias
        self.kwargs = kwargs

    def constraints(self) -> dict[str, Any]:
        return {k: v for k, v in self.kwargs.items() if k not in _NOT_CONSTRAINTS}


class Query(Param):
    source = "query"


class Path(Param):
    source = "path"


class Body(Param):
    source = "body"


class Depends:
    """``Annotated[T, Depends(call)]``: the parameter is what ``call`` answers for this request."""

    def __init__(self, dependency: Callable[..., Any]) -> None:
        self.dependency = dependency


@dataclass
class ParamSpec:
    name: str
    source: str
    alias: str
    adapter: TypeAdapter[Any]
    required: bool
    default: Any
    annotation: Any
    marker: Param | None


@dataclass
class Dependant:
    """A callable with its parameters sorted by where their values come from (a route's endpoint is the root)."""

    call: Callable[..., Any]
    name: str | None = None
    params: list[ParamSpec] = field(default_factory=list)
    dependencies: list[Dependant] = field(default_factory=list)
    request_param: str | None = None
    is_coroutine: bool = False
    return_annotation: Any = None

    def needs_body(self) -> bool:
        return any(p.source == "body" for p in self.params) or any(d.needs_body() for d in self.dependencies)

    @staticmethod
    def adapter_for(annotation: Any) -> TypeAdapter[Any] | None:
        if annotation is None or (inspect.isclass(annotation) and issubclass(annotation, Response)):
            return None
        return TypeAdapter(annotation)


def dependant_of(call: Callable[..., Any], *, name: str | None = None, path: str = "") -> Dependant:
    """Analyse ``call``'s signature (annotations resolved in its module, ``from __future__`` strings too)."""
    path_names = set(_path_names(path))
    function = call if inspect.isroutine(call) else type(call).__call__  # a callable object: its __call__
    hints = typing.get_type_hints(function, include_extras=True)
    signature = inspect.signature(call)
    dependant = Dependant(
        call=call,
        name=name,
        is_coroutine=inspect.iscoroutinefunction(function),
        return_annotation=hints.get("return"),
    )
    if inspect.isgeneratorfunction(call) or inspect.isasyncgenfunction(call):
        raise TypeError(f"{getattr(call, '__name__', call)}: dependencies with yield are not supported")
    body_params = 0
    for pname, param in signature.parameters.items():
        annotation = hints.get(pname, Any)
        base, metadata = _split(annotation)
        marker = next((m for m in reversed(metadata) if isinstance(m, Param | Depends)), None)
        # An alias of an alias (``Annotated[ThingId, Path(alias="id")]``, ``ThingId`` with a ``Path`` of its own):
        # every marker's constraints apply, as FastAPI merges them; the last marker names the source.
        rest = [
            _field(m) if isinstance(m, Param) else m for m in metadata if m is not marker and not isinstance(m, Depends)
        ]
        if isinstance(marker, Depends):
            dependant.dependencies.append(dependant_of(marker.dependency, name=pname, path=path))
            continue
        if marker is None and inspect.isclass(base) and issubclass(base, Request):
            dependant.request_param = pname
            continue
        if marker is None:
            marker_cls = Path if pname in path_names else Query if _is_scalar(base) else Body
            marker = marker_cls()
        alias = next((m.alias for m in (marker, *reversed(metadata)) if isinstance(m, Param) and m.alias), pname)
        if isinstance(marker, Query | Path) and not _is_scalar(base):
            raise TypeError(f"{getattr(call, '__name__', call)}: {pname}: a {marker.source} parameter must be a scalar")
        if isinstance(marker, Body):
            body_params += 1
        dependant.params.append(_spec(pname, alias, param, base, rest, marker))
    if body_params > 1:
        raise TypeError(
            f"{getattr(call, '__name__', call)}: one body parameter at most (an embedded body is not supported)"
        )
    return dependant


def _field(marker: Param) -> Any:
    return Field(**marker.constraints())


def _spec(pname: str, alias: str, param: inspect.Parameter, base: Any, rest: list[Any], marker: Param) -> ParamSpec:
    annotated: Any = Annotated[(base, *rest, Field(**marker.constraints()))] if marker.constraints() or rest else base
    required = param.default is inspect.Parameter.empty
    return ParamSpec(
        name=pname,
        source=marker.source,
        alias=alias,
        adapter=TypeAdapter(annotated),
        required=required,
        default=None if required else param.default,
        annotation=Annotated[(base, *rest)] if rest else base,
        marker=marker,
    )


def validate_params(dependant: Dependant, request: Request, body: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Path, then query, then body values of one request (``request_params_to_args``/``request_body_to_args``)."""
    values: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for source in ("path", "query", "body"):
        received: Mapping[str, Any] = request.path_params if source == "path" else request.query_params
        for spec in (p for p in dependant.params if p.source == source):
            loc: tuple[str, ...] = (source,) if source == "body" else (source, spec.alias)
            value = body if source == "body" else received.get(spec.alias, UNDEFINED)
            checked, found = _validate(spec, value, loc)
            if found:
                errors.extend(found)
            else:
                values[spec.name] = checked
    return values, errors


def _validate(spec: ParamSpec, value: Any, loc: tuple[Any, ...]) -> tuple[Any, list[dict[str, Any]]]:
    if value is UNDEFINED:
        if spec.required:
            return None, [{"type": "missing", "loc": loc, "msg": "Field required", "input": None}]
        return deepcopy(spec.default), []
    try:
        return spec.adapter.validate_python(value, from_attributes=True), []
    except ValidationError as exc:
        return None, [{**err, "loc": loc + tuple(err.get("loc", ()))} for err in exc.errors(include_url=False)]


def _split(annotation: Any) -> tuple[Any, list[Any]]:
    if get_origin(annotation) is Annotated:
        base, *metadata = get_args(annotation)
        return base, metadata
    return annotation, []


def _is_scalar(annotation: Any) -> bool:
    """FastAPI's ``field_annotation_is_scalar``: no model, mapping or sequence (``X | None`` looks at ``X``)."""
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        return all(_is_scalar(arg) for arg in get_args(annotation) if arg is not type(None))
    if origin is Annotated:
        return _is_scalar(get_args(annotation)[0])
    target = origin or annotation
    if inspect.isclass(target) and issubclass(target, BaseModel | Mapping | list | set | tuple | frozenset | dict):
        return False
    return True


def _path_names(path: str) -> list[str]:
    return re.findall(r"{([^}:]+)", path)
