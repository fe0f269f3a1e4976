"""The API contract on the local gateway's port: ``/openapi.json`` (``docs/openapi.json`` as committed) and a
documentation page at ``/docs`` (Swagger UI from the ``swagger-ui-dist`` npm package in ``node_modules``, which
``npm ci`` installs from ``package-lock.json``; nothing from a CDN).

The page is served with its own Content-Security-Policy: scripts and styles from this origin only (the page's
set-up is a file, not an inline script), images from this origin and ``data:`` (Swagger UI's icons), and
``connect-src 'self'`` so "Try it out" calls this gateway. API Gateway serves none of this: the deployed API
answers these paths 404 like any unrouted path.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from .template import REPO_ROOT

CONTRACT = REPO_ROOT / "docs" / "openapi.json"
VIEWER = REPO_ROOT / "node_modules" / "swagger-ui-dist"
#: The viewer's files the page loads (nothing else under node_modules is served).
VIEWER_FILES = ("swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png")
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

PAGE = b"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Billing self-service API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
<main id="swagger-ui"></main>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
"""

INIT = b"""// The documentation page's set-up (a file, so the page's CSP needs no inline script).
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: false,
});
"""

Response = tuple[int, list[tuple[str, str]], bytes]


def _answer(status: int, ctype: str, body: bytes, csp: bool = False) -> Response:
    headers = [("content-type", ctype), ("cache-control", "no-store"), ("x-content-type-options", "nosniff")]
    if csp:
        headers += [("content-security-policy", CSP), ("referrer-policy", "no-referrer")]
    return status, headers, body


def serve(method: str, path: str) -> Response | None:
    """The answer for a documentation path, or None for every other path (the gateway routes it)."""
    if method not in ("GET", "HEAD"):
        return None
    if path == "/openapi.json":
        return _answer(200, "application/json", CONTRACT.read_bytes())
    if path in ("/docs", "/docs/"):
        return _answer(200, "text/html; charset=utf-8", PAGE, csp=True)
    if path == "/docs/init.js":
        return _answer(200, "text/javascript; charset=utf-8", INIT)
    name = path.removeprefix("/docs/")
    if path.startswith("/docs/") and name in VIEWER_FILES:
        file = VIEWER / name
        if not file.is_file():
            message = b"The documentation viewer is not installed: run `npm ci` (make dev does)."
            return _answer(503, "text/plain; charset=utf-8", message)
        ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if ctype.startswith("text/"):
            ctype += "; charset=utf-8"
        return _answer(200, ctype, file.read_bytes())
    return None


def viewer_files() -> list[Path]:
    """The viewer's files this page serves (for checks that they are installed)."""
    return [VIEWER / name for name in VIEWER_FILES]
