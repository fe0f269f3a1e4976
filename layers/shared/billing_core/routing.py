"""The functions' routing layer: routes declared like FastAPI's, served by Starlette, validated by pydantic.

FastAPI's import alone cost ~850 ms CPU of a fresh process (ADR 0008); what the functions use of it is small:
routes with a ``response_model``, typed parameters (a pydantic body, ``Query``/``Path`` constraints) and
``Depends`` dependencies. This module keeps those declarations and serves them on Starlette::

    router = APIRouter(tags=["billing"])

    @router.get("/billing/invoices", response_model=InvoicePage)
    def get_invoices(caller: CallerDep, limit: Annotated[int, Query(ge=1, le=100)] = 20) -> InvoicePage: ...

A route's signature is read once, when it is declared (``billing_core.routing_params``); a request then runs
what FastAPI 0.165 runs, in the same order, so answers stay the same:

1. the body is read when a parameter takes one: JSON when the content type is ``application/json`` or
   ``+json`` (malformed JSON -> ``RequestValidationError`` of type ``json_invalid``, before anything else),
   the raw bytes otherwise (which then fail the body's model);
2. the dependencies, in parameter order, each resolved recursively and called once per request (a second use of
   the same callable gets the first answer); ``app.dependency_overrides`` replaces one by another callable, as
   FastAPI's does (tests use it); sync callables run in Starlette's thread pool, like FastAPI's;
3. path, query, then body parameters validated with pydantic (``TypeAdapter`` of the annotation and its
   constraints); all errors collected and raised together as ``RequestValidationError`` with FastAPI's ``loc``
   (``("query", "limit")``, ``("body", "price")``), so ``billing_core.http_errors`` answers 400/422 as before;
4. the endpoint's result validated against ``response_model`` (or the return annotation) and serialised by
   pydantic with aliases (FastAPI's ``dump_json`` path): ``200 application/json``.

Routes match like Starlette's (FastAPI's too): ``scope["route"]`` is the matched route (``current_caller`` reads
its path template); a GET route does not answer HEAD (405 like FastAPI). The OpenAPI document is built from the
same declarations at build time by ``admin.openapi_fastapi`` (FastAPI is a build dependency only).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route, request_response
from starlette.types import Scope

from billing_core.routing_params import (
    UNDEFINED,
    Body,
    Dependant,
    Depends,
    Path,
    Query,
    RequestValidationError,
    dependant_of,
    validate_params,
)

__all__ = [
    "APIRouter",
    "ApiRoute",
    "App",
    "Body",
    "Dependant",
    "Depends",
    "Path",
    "Query",
    "RequestValidationError",
    "ResponseValidationError",
]

Endpoint = Callable[..., Any]


class ResponseValidationError(Exception):
    """An endpoint answered something its ``response_model`` refuses (a bug: the middleware's fixed 500)."""

    def __init__(self, errors: Sequence[Any]) -> None:
        super().__init__(f"{len(errors)} response validation error(s)")
        self.errors = list(errors)


class ApiRoute(Route):
    """One declared route: the endpoint, its analysed parameters (``dependant``) and its response model."""

    def __init__(
        self,
        path: str,
        endpoint: Endpoint,
        *,
        methods: Iterable[str],
        response_model: Any = None,
        tags: Sequence[str] = (),
    ) -> None:
        super().__init__(path, endpoint, methods=list(methods), name=endpoint.__name__)
        self.methods = {method.upper() for method in methods}  # no implicit HEAD: FastAPI answers it 405
        self.tags = list(tags)
        self.dependant = dependant_of(endpoint, path=path)
        self.response_model = response_model if response_model is not None else self.dependant.return_annotation
        self.response_adapter = self.dependant.adapter_for(self.response_model)
        self.app = request_response(self._serve)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        if match is not Match.NONE:
            child_scope["route"] = self
        return match, child_scope

    async def _serve(self, request: Request) -> Response:
        body = await _read_body(request) if self.dependant.needs_body() else UNDEFINED
        overrides = getattr(request.app, "dependency_overrides", None) or {}
        values, errors = await _solve(self.dependant, request, body, overrides, {})
        if errors:
            raise RequestValidationError(errors, body=None if body is UNDEFINED else body)
        result = await _call(self.dependant, values)
        if isinstance(result, Response):
            return result
        if self.response_adapter is None:
            return Response(json.dumps(result).encode(), media_type="application/json")
        try:
            value = self.response_adapter.validate_python(result, from_attributes=True)
        except ValidationError as exc:
            raise ResponseValidationError(exc.errors(include_url=False)) from exc
        return Response(self.response_adapter.dump_json(value, by_alias=True), media_type="application/json")


async def _read_body(request: Request) -> Any:
    """The body as FastAPI 0.165 reads it: JSON for a JSON content type, the bytes otherwise, absent when empty."""
    try:
        raw = await request.body()
        if not raw:
            return UNDEFINED
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        main, _, sub = content_type.partition("/")
        if main == "application" and (sub == "json" or sub.endswith("+json")):
            return json.loads(raw)
        return raw
    except json.JSONDecodeError as exc:
        error = {"type": "json_invalid", "loc": ("body", exc.pos), "msg": "JSON decode error", "input": {}}
        raise RequestValidationError([error | {"ctx": {"error": exc.msg}}], body=exc.doc) from exc
    except HTTPException:  # the request middleware's 413 while the body streams in
        raise
    except Exception as exc:  # noqa: BLE001 - an undecodable body is the client's error, like FastAPI's 400
        raise HTTPException(status_code=400, detail="There was an error parsing the body") from exc


async def _solve(
    dependant: Dependant,
    request: Request,
    body: Any,
    overrides: dict[Callable[..., Any], Callable[..., Any]],
    cache: dict[Callable[..., Any], Any],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """FastAPI's ``solve_dependencies``: dependencies first (each once per request), then path, query, body."""
    values: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for sub in dependant.dependencies:
        override = overrides.get(sub.call)
        use = sub if override is None else dependant_of(override, name=sub.name)
        sub_values, sub_errors = await _solve(use, request, body, overrides, cache)
        if sub_errors:
            errors.extend(sub_errors)
            continue
        solved = cache[sub.call] if sub.call in cache else await _call(use, sub_values)
        values[str(sub.name)] = solved
        cache.setdefault(sub.call, solved)
    param_values, param_errors = validate_params(dependant, request, body)
    values.update(param_values)
    errors.extend(param_errors)
    if dependant.request_param is not None:
        values[dependant.request_param] = request
    return values, errors


async def _call(dependant: Dependant, values: dict[str, Any]) -> Any:
    if dependant.is_coroutine:
        awaitable: Awaitable[Any] = dependant.call(**values)
        return await awaitable
    return await run_in_threadpool(dependant.call, **values)


class APIRouter:
    """Routes declared with ``@router.get(path, response_model=...)`` (and ``post``, ``put``, ``patch``,
    ``delete``); ``create_app`` serves them."""

    def __init__(self, tags: Sequence[str] = ()) -> None:
        self.tags = list(tags)
        self.routes: list[ApiRoute] = []

    def add_api_route(
        self, path: str, endpoint: Endpoint, *, methods: Iterable[str], response_model: Any = None
    ) -> None:
        self.routes.append(ApiRoute(path, endpoint, methods=methods, response_model=response_model, tags=self.tags))

    def _decorator(self, method: str, path: str, response_model: Any) -> Callable[[Endpoint], Endpoint]:
        def register(endpoint: Endpoint) -> Endpoint:
            self.add_api_route(path, endpoint, methods=[method], response_model=response_model)
            return endpoint

        return register

    def get(self, path: str, *, response_model: Any = None) -> Callable[[Endpoint], Endpoint]:
        return self._decorator("GET", path, response_model)

    def post(self, path: str, *, response_model: Any = None) -> Callable[[Endpoint], Endpoint]:
        return self._decorator("POST", path, response_model)

    def put(self, path: str, *, response_model: Any = None) -> Callable[[Endpoint], Endpoint]:
        return self._decorator("PUT", path, response_model)

    def patch(self, path: str, *, response_model: Any = None) -> Callable[[Endpoint], Endpoint]:
        return self._decorator("PATCH", path, response_model)

    def delete(self, path: str, *, response_model: Any = None) -> Callable[[Endpoint], Endpoint]:
        return self._decorator("DELETE", path, response_model)


class App(Starlette):
    """A function's app: Starlette with the routers' routes, ``dependency_overrides`` for tests, and the title and
    version the OpenAPI document is built with (``admin.openapi_fastapi``)."""

    def __init__(
        self,
        title: str,
        version: str,
        routers: Sequence[APIRouter],
        *,
        middleware: Sequence[Middleware],
        exception_handlers: dict[Any, Callable[..., Any]],
    ) -> None:
        routes = [route for router in routers for route in router.routes]
        super().__init__(routes=routes, middleware=middleware, exception_handlers=exception_handlers)
        # No 307 to a slash-less (and https://) URL for ``/billing/invoices/`` or ``/x%2F``: an unknown path is 404.
        self.router.redirect_slashes = False
        self.title = title
        self.version = version
        self.routers = list(routers)
        self.dependency_overrides: dict[Callable[..., Any], Callable[..., Any]] = {}

    @property
    def api_routes(self) -> list[ApiRoute]:
        return [route for route in self.routes if isinstance(route, ApiRoute)]
