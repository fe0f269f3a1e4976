"""The return URL of a portal session: the app's base URL plus an allow-listed path (RELIABILITY row B1).

The client only ever sends a *path*. It is accepted when it is a plain absolute path on the app's own origin
under one of ``RETURN_PATH_PREFIXES``; anything that could change the host or the scheme is refused with 400
``invalid_return_path`` before any other work:

* absolute URLs and schemes (``https://evil.example``, ``javascript:``): ``:`` is not allowed;
* protocol-relative and backslash forms (``//evil.example``, ``/\\evil.example``): no ``//``, no ``\\``;
* percent-encoding (``%2F%2Fevil``, ``%5C``, double encoding): no ``%`` at all; return paths are our own
  routes and never need it;
* userinfo (``@evil``), whitespace, control and non-ASCII characters (also tabs/newlines that browsers strip);
* dot segments (``/billing/../admin``, ``/billing/./x``) that would leave the prefix once normalised;
* prefix confusion: ``/billing-evil`` does not match ``/billing`` (segment boundary required).

The final URL is parsed again and must have exactly the base URL's scheme and host (defence in depth).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from billing_core.errors import BadInput, ConfigurationError

MAX_RETURN_PATH = 512
#: RFC 3986 path / query / fragment characters minus ``%`` ``:`` ``@`` ``\`` and anything outside ASCII.
_ALLOWED = re.compile(r"^/[A-Za-z0-9\-._~/?#=&+,;!$'()*]*$")


def invalid_return_path(reason: str) -> BadInput:
    return BadInput(
        code="invalid_return_path",
        message="The return path is not allowed.",
        param="return_path",
        reason=reason,
    )


def check_base_url(base_url: str, *, deployed: bool) -> str:
    """``APP_BASE_URL`` as an origin without a trailing slash; https in deployed stages."""
    base = base_url.strip().rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.query:
        raise ConfigurationError(message_for_logs="APP_BASE_URL must be an absolute http(s) URL")
    if deployed and parts.scheme != "https":
        raise ConfigurationError(message_for_logs="APP_BASE_URL must use https in a deployed stage")
    return base


def check_return_path(path: str, prefixes: tuple[str, ...]) -> str:
    """The path if it is allowed; ``BadInput(invalid_return_path)`` otherwise."""
    if not path or len(path) > MAX_RETURN_PATH:
        raise invalid_return_path("length")
    if not _ALLOWED.match(path):
        raise invalid_return_path("characters")
    if "//" in path:
        raise invalid_return_path("double_slash")
    route = re.split(r"[?#]", path, maxsplit=1)[0]
    if any(segment in (".", "..") for segment in route.split("/")):
        raise invalid_return_path("dot_segment")
    for prefix in prefixes:
        prefix = prefix.rstrip("/") or "/"
        if prefix == "/" or route == prefix or route.startswith(prefix + "/"):
            return path
    raise invalid_return_path("prefix")


def build_return_url(base_url: str, prefixes: tuple[str, ...], return_path: str | None, *, deployed: bool) -> str:
    """``APP_BASE_URL`` + the checked path (default: the first prefix)."""
    base = check_base_url(base_url, deployed=deployed)
    if not prefixes:
        raise ConfigurationError(message_for_logs="RETURN_PATH_PREFIXES is empty")
    path = check_return_path(return_path if return_path is not None else prefixes[0], prefixes)
    url = base + path
    got, want = urlsplit(url), urlsplit(base)
    if (got.scheme, got.netloc) != (want.scheme, want.netloc):  # pragma: no cover - the checks above prevent it
        raise invalid_return_path("origin")
    return url
