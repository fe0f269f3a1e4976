"""B1: return paths (pure functions, no sockets)."""

from __future__ import annotations

import pytest
from billing_core.errors import BadInput, ConfigurationError
from hypothesis import given
from hypothesis import strategies as st
from portal_session.logic import portal_locale
from portal_session.models import PORTAL_LOCALES
from portal_session.return_url import build_return_url, check_return_path

BASE = "https://app.example.test"
PREFIXES = ("/billing", "/account")

HOSTILE = [
    "https://evil.example",
    "http:evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "javascript:alert(1)",
    "vbscript:x",
    "%2F%2Fevil.example",
    "%2f%2fevil.example",
    "/%2F%2Fevil.example",
    "/billing/%2e%2e/admin",
    "%252F%252Fevil.example",
    "@evil.example",
    "/billing@evil.example",
    "/billing/..",
    "/billing/../admin",
    "/billing/./x",
    "/billing/x/../../admin?x=1",
    "/billingevil",
    "/billing-evil",
    "/accounting",
    "/",
    "billing",
    "/billing\x00",
    "/billing\r\nLocation: https://evil.example",
    "/billing /x",
    "/billing/\u3002evil",
    "/billing//evil.example",
]


@pytest.mark.parametrize("path", HOSTILE)
def test_b1_hostile_return_paths_are_refused(path):
    with pytest.raises(BadInput) as exc:
        build_return_url(BASE, PREFIXES, path, deployed=True)
    assert exc.value.code == "invalid_return_path" and exc.value.param == "return_path"


@pytest.mark.parametrize(
    ("path", "url"),
    [
        (None, f"{BASE}/billing"),
        ("/billing", f"{BASE}/billing"),
        ("/billing/", f"{BASE}/billing/"),
        ("/account/cards?added=1#top", f"{BASE}/account/cards?added=1#top"),
        ("/billing?next=/account", f"{BASE}/billing?next=/account"),
    ],
)
def test_b1_allowed_paths_build_urls_on_the_app_origin(path, url):
    assert build_return_url(BASE + "/", PREFIXES, path, deployed=True) == url


@given(st.text(max_size=80))
def test_b1_any_accepted_path_stays_on_the_app_origin(path):
    try:
        url = build_return_url(BASE, PREFIXES, path, deployed=True)
    except BadInput:
        return
    assert url.startswith(BASE + "/billing") or url.startswith(BASE + "/account")
    rest = url[len(BASE) :]
    assert "//" not in rest and "\\" not in rest and "@" not in rest and "%" not in rest
    assert rest.isascii() and rest.isprintable()


def test_dot_dot_inside_the_query_does_not_escape_but_is_harmless():
    # Dot segments are only a path concept; in a query they are data.
    assert check_return_path("/billing?x=..", PREFIXES) == "/billing?x=.."


@pytest.mark.parametrize(
    ("base", "deployed"),
    [("", False), ("app.example.test", False), ("ftp://app.example.test", False), ("http://app.example.test", True)],
)
def test_a_bad_app_base_url_is_a_configuration_error(base, deployed):
    with pytest.raises(ConfigurationError):
        build_return_url(base, PREFIXES, "/billing", deployed=deployed)


def test_local_stage_may_use_http_loopback():
    assert build_return_url("http://127.0.0.1:8080", PREFIXES, None, deployed=False) == "http://127.0.0.1:8080/billing"


@pytest.mark.parametrize(
    ("preferred", "locale"),
    [
        (["fr-FR"], "fr"),
        (["fr-ca"], "fr-CA"),
        (["pt_BR"], "pt-BR"),
        (["zh-Hant-TW"], "zh"),
        (["xx", "nb-NO"], "nb"),
        (["xx"], "auto"),
        ([], "auto"),
        (None, "auto"),
    ],
)
def test_portal_locale_from_preferred_locales(preferred, locale):
    assert portal_locale(preferred) == locale


def test_portal_locales_match_the_sdk():
    import re

    from stripe.params.billing_portal import SessionCreateParams

    annotation = str(SessionCreateParams.__annotations__["locale"])
    literal = re.search(r"Literal\[([^\]]*)\]", annotation)
    assert literal is not None
    sdk = {part.strip().strip("'\"") for part in literal.group(1).split(",")}
    assert sdk - {"auto"} == PORTAL_LOCALES
