"""A function's app as the equivalent FastAPI app, for its OpenAPI document (``make openapi``, build time only).

The functions serve their routes with ``billing_core.routing`` (Starlette + pydantic; FastAPI is a dev/build
dependency). ``fastapi_app(app)`` declares the same routes on FastAPI: each endpoint and dependency gets a
stand-in with the same name, docstring and signature, its markers translated (``Query``/``Path``/``Body`` with the
same alias and constraints, ``Depends`` on the translated dependency), the same ``response_model``, tags, title,
version and error responses; ``FastAPI.openapi()`` then writes the document exactly as when FastAPI served the
routes. The translation is kept per app (``admin.openapi`` caches it), so it is built once per run.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Annotated, Any, get_args, get_origin

import fastapi
from billing_core.http_errors import ERROR_RESPONSES
from billing_core.routing import App, Body, Depends, Path, Query
from billing_core.routing_params import Param

_MARKERS: dict[type[Param], Callable[..., Any]] = {Query: fastapi.Query, Path: fastapi.Path, Body: fastapi.Body}


def fastapi_app(app: App) -> fastapi.FastAPI:
    """The FastAPI app declaring ``app``'s routes (not served: only ``openapi()`` and its route table are used)."""
    api = fastapi.FastAPI(
        title=app.title,
        version=app.version,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        responses=ERROR_RESPONSES,
        redirect_slashes=False,
    )
    translated: dict[Callable[..., Any], Callable[..., Any]] = {}
    for router in app.routers:
        declared = fastapi.APIRouter(tags=[*router.tags])
        for route in router.routes:
            declared.add_api_route(
                route.path,
                _stand_in(route.endpoint, translated),
                methods=sorted(route.methods or ()),
                response_model=route.response_model,
            )
        api.include_router(declared)
    return api


def _stand_in(call: Callable[..., Any], translated: dict[Callable[..., Any], Callable[..., Any]]) -> Callable[..., Any]:
    """A function FastAPI analyses like ``call``: same name, doc and parameters, markers made FastAPI's."""
    if call in translated:
        return translated[call]
    hints = typing.get_type_hints(call, include_extras=True)
    parameters = [
        param.replace(annotation=_translate(hints.get(name, param.annotation), translated))
        for name, param in inspect.signature(call).parameters.items()
    ]

    def sync_stand_in(*args: Any, **kwargs: Any) -> Any:
        return call(*args, **kwargs)

    async def async_stand_in(*args: Any, **kwargs: Any) -> Any:
        return await call(*args, **kwargs)

    stand_in: Any = async_stand_in if inspect.iscoroutinefunction(call) else sync_stand_in
    stand_in.__name__ = call.__name__
    stand_in.__qualname__ = call.__qualname__
    stand_in.__doc__ = call.__doc__
    stand_in.__module__ = call.__module__
    stand_in.__signature__ = inspect.Signature(
        parameters, return_annotation=hints.get("return", inspect.Signature.empty)
    )
    translated[call] = stand_in
    return translated[call]


def _translate(annotation: Any, translated: dict[Callable[..., Any], Callable[..., Any]]) -> Any:
    if get_origin(annotation) is not Annotated:
        return annotation
    base, *metadata = get_args(annotation)
    out: list[Any] = []
    for item in metadata:
        if isinstance(item, Depends):
            out.append(fastapi.Depends(_stand_in(item.dependency, translated)))
        elif isinstance(item, Param):
            extra = {"alias": item.alias} if item.alias else {}
            out.append(_MARKERS[type(item)](**item.kwargs, **extra))
        else:
            out.append(item)
    return Annotated[(base, *out)]
