"""The HTTP layer's route table: (method, path pattern) -> backend call, with the params schema to enforce.

Resource modules register their endpoints with `@route(...)`; `server.py` dispatches to them. A handler receives
the backend and a `Request` and returns a dict (the JSON object, status 200), `(status, dict)` or a `RawResponse`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .backend import Backend

Auth = Literal["secret", "publishable", "none"]


@dataclass
class Request:
    method: str
    path: str
    path_params: dict[str, str]
    params: dict[str, Any]
    headers: dict[str, str]
    api_key: str | None = None
    livemode: bool = False
    request_id: str = ""
    raw_body: bytes = b""

    @property
    def expand(self) -> list[str]:
        value = self.params.get("expand") or []
        return list(value) if isinstance(value, list) else [value]


@dataclass
class RawResponse:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[["Backend", Request], Any]


@dataclass
class Route:
    method: str
    pattern: str
    regex: re.Pattern[str]
    handler: Handler
    params: str | None  # name of the stripe.params TypedDict, or None for "no schema check"
    auth: Auth
    list_endpoint: bool


ROUTES: list[Route] = []


def route(
    method: str,
    pattern: str,
    *,
    params: str | None = None,
    auth: Auth = "secret",
    list_endpoint: bool = False,
) -> Callable[[Handler], Handler]:
    """Register an endpoint. `pattern` uses `{name}` placeholders, e.g. "/v1/customers/{customer}"."""
    regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")

    def deco(fn: Handler) -> Handler:
        ROUTES.append(Route(method.upper(), pattern, regex, fn, params, auth, list_endpoint))
        return fn

    return deco


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    path_exists = False
    for r in ROUTES:
        m = r.regex.match(path)
        if m:
            path_exists = True
            if r.method == method:
                return r, m.groupdict()
    if path_exists:
        return None
    return None
