"""The local gateway's API documentation (local/stack/api_docs.py): the committed contract at /openapi.json, the
page at /docs with a CSP that allows only this origin, the viewer's files from the npm package, nothing else."""

from __future__ import annotations

import json

from local.stack import api_docs


def _headers(answer: api_docs.Response) -> dict[str, str]:
    return dict(answer[1])


def test_openapi_json_is_the_committed_contract() -> None:
    answer = api_docs.serve("GET", "/openapi.json")
    assert answer is not None
    status, _, body = answer
    assert status == 200
    assert json.loads(body) == json.loads(api_docs.CONTRACT.read_text())
    assert _headers(answer)["content-type"] == "application/json"


def test_docs_page_loads_the_packaged_viewer_under_a_strict_csp() -> None:
    answer = api_docs.serve("GET", "/docs")
    assert answer is not None
    status, _, body = answer
    assert status == 200
    csp = _headers(answer)["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp and "http" not in csp
    page = body.decode()
    assert '<script src="/docs/swagger-ui-bundle.js"></script>' in page
    assert "<script>" not in page  # no inline script: the set-up is /docs/init.js
    init = api_docs.serve("GET", "/docs/init.js")
    assert init is not None and b'url: "/openapi.json"' in init[2]


def test_viewer_files_come_from_node_modules_and_nothing_else_is_served() -> None:
    bundle = api_docs.serve("GET", "/docs/swagger-ui-bundle.js")
    assert bundle is not None
    if api_docs.VIEWER.is_dir():
        assert bundle[0] == 200 and bundle[2] == (api_docs.VIEWER / "swagger-ui-bundle.js").read_bytes()
    else:
        assert bundle[0] == 503 and b"npm ci" in bundle[2]
    assert api_docs.serve("GET", "/docs/package.json") is None
    assert api_docs.serve("GET", "/docs/../package.json") is None
    assert api_docs.serve("POST", "/docs") is None
    assert api_docs.serve("GET", "/billing") is None
