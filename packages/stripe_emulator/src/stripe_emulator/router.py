"""The HTTP layer's vocabulary: `Request`, `RawResponse`, a `Route` (method, path pattern -> handler, with the params
schema to enforce) and `match`. The table itself is `routes.ROUTES`; `server.py` dispatches with it. A handler
receives the backend and a `Request` and returns a dict (the JSON object, status 200), `(status, dict)` or a
`RawResponse`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
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


def endpoint(
    method: str,
    pattern: str,
    handler: Handler,
    *,
    params: str | None = None,
    auth: Auth = "secret",
    list_endpoint: bool = False,
) -> Route:
    """One entry of the route table. `pattern` uses `{name}` placeholders, e.g. "/v1/customers/{customer}"."""
    regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")
    return Route(method.upper(), pattern, regex, handler, params, auth, list_endpoint)


def match(routes: Iterable[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The first route whose pattern matches `path` and whose method is `method`, with the path's placeholders."""
    for r in routes:
        m = r.regex.match(path)
        if m and r.method == method:
            return r, m.groupdict()
    return None
