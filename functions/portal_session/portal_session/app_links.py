"""Return targets in a mobile app: ``return_url`` must be one of the app links in ``APP_RETURN_URLS`` (B10).

A mobile client cannot come back to a path on ``APP_BASE_URL``: it needs a universal / app link
(``https://app.example.com/billing/done``) or its own scheme (``myapp://billing``). The deployment names the
allowed links (``billing_core.settings``: lower-case ``scheme://host/path``, no browser schemes); a request's
``return_url`` is accepted when it is one of them, or one of them followed by a path, query or fragment at a
segment boundary. Everything else is 400 ``invalid_return_url`` before any other work, as for return paths (B1):

* look-alike schemes and hosts: ``myapp2://`` for ``myapp://``, ``https://app.example.com.evil.com``, another case
  (``MYAPP://``, ``https://App.example.com``: compared exactly, the app sends the link as configured);
* userinfo and ports (``https://app.example.com@evil.com``, ``https://app.example.com:444``): no ``@``, no second
  ``:``;
* percent-encoding, backslashes, whitespace, control and non-ASCII characters;
* ``javascript:``, ``data:`` and every scheme not configured; ``//`` and dot segments after the link.

The URL is parsed again at the end and must have the configured link's scheme and host (defence in depth); a link
without a host (``myapp://``) allows everything under the app's own scheme.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from billing_core.errors import BadInput

MAX_RETURN_URL = 2048
#: Unreserved and sub-delimiter ASCII plus ``/ ? # = :``; no ``%`` ``@`` ``\\``, whitespace or anything else.
_ALLOWED = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://[A-Za-z0-9\-._~/?#=&+,;!$'()*]*$")


def invalid_return_url(reason: str) -> BadInput:
    return BadInput(
        code="invalid_return_url",
        message="The return URL is not allowed.",
        param="return_url",
        reason=reason,
    )


def _under(url: str, link: str) -> bool:
    if url == link:
        return True
    if link.endswith("/"):
        return url.startswith(link)
    return url.startswith(link) and url[len(link)] in "/?#"


def check_app_return_url(url: str, links: tuple[str, ...]) -> str:
    """``url`` when it is under one of the configured app ``links``; ``BadInput(invalid_return_url)`` otherwise."""
    if not url or len(url) > MAX_RETURN_URL:
        raise invalid_return_url("length")
    if not _ALLOWED.match(url):
        raise invalid_return_url("characters")
    link = next((candidate for candidate in links if _under(url, candidate)), None)
    if link is None:
        raise invalid_return_url("not_configured")
    rest = url[len(link) :]
    route = re.split(r"[?#]", rest, maxsplit=1)[0]
    if "//" in route or (link.endswith("/") and route.startswith("/")):
        raise invalid_return_url("double_slash")
    if any(segment in (".", "..") for segment in route.split("/")):
        raise invalid_return_url("dot_segment")
    got, want = urlsplit(url), urlsplit(link)
    # A link without a host (``myapp://``) allows the app's whole scheme; any other keeps its host too.
    if got.scheme != want.scheme or (want.netloc and got.netloc != want.netloc):
        raise invalid_return_url("origin")
    return url
