"""The page's message catalogs (web/i18n/<lang>.json) against English and against the code that uses them.

Every language has exactly English's keys with the same placeholders; plural entries have the forms their language
needs; every key the page asks for exists; every error code the API can answer has a text of its own.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
WEB = REPO / "web"
CATALOGS = WEB / "i18n"
LANGUAGES = ("de", "fr", "es", "ja")
#: CLDR plural categories of each language (what Intl.PluralRules can select; "many" is French/Spanish millions).
PLURAL_FORMS = {
    "en": {"one", "other"},
    "de": {"one", "other"},
    "fr": {"one", "many", "other"},
    "es": {"one", "many", "other"},
    "ja": {"other"},
}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def load(lang: str) -> dict[str, object]:
    return json.loads((CATALOGS / f"{lang}.json").read_text(encoding="utf-8"))


def placeholders(value: object) -> set[str]:
    """The placeholder names of a text, or of all the forms of a plural entry together."""
    texts = value.values() if isinstance(value, dict) else [value]
    return {name for text in texts for name in PLACEHOLDER.findall(str(text))}


def catalog_problems(english: dict[str, object], other: dict[str, object], lang: str) -> list[str]:
    problems = [f"missing {k}" for k in sorted(english.keys() - other.keys())]
    problems += [f"not in English: {k}" for k in sorted(other.keys() - english.keys())]
    for key in sorted(english.keys() & other.keys()):
        en, tr = english[key], other[key]
        if placeholders(en) != placeholders(tr):
            problems.append(f"{key}: placeholders {sorted(placeholders(tr))} != English {sorted(placeholders(en))}")
        if isinstance(en, dict) != isinstance(tr, dict):
            problems.append(f"{key}: plural in one catalog only")
        elif isinstance(tr, dict):
            forms = set(tr)
            if not forms <= PLURAL_FORMS[lang]:
                problems.append(f"{key}: forms {sorted(forms - PLURAL_FORMS[lang])} do not exist in {lang}")
            if not ({"other"} | (PLURAL_FORMS[lang] & {"one"})) <= forms:
                problems.append(f"{key}: needs the forms one/other of {lang}")
        if not isinstance(tr, dict) and not str(tr).strip():
            problems.append(f"{key}: empty")
    return problems


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_catalog_has_englishs_keys_and_placeholders(lang: str) -> None:
    assert catalog_problems(load("en"), load(lang), lang) == []


def test_english_plural_entries_have_one_and_other() -> None:
    english = load("en")
    assert catalog_problems(english, english, "en") == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogs_are_translated_not_copied(lang: str) -> None:
    english, other = load("en"), load(lang)
    # Words that read the same in every language (brand names, "PDF", "Total", bare placeholders) are few.
    same = [
        k
        for k, v in english.items()
        if isinstance(v, str) and v == other[k] and PLACEHOLDER.sub("", v).strip(" ·:×()–")
    ]
    assert len(same) <= 8, same


def test_the_check_finds_a_missing_key_an_extra_key_and_a_renamed_placeholder() -> None:
    english: dict[str, object] = {"a": "Hello {name}", "b": {"one": "{count} card", "other": "{count} cards"}, "c": "x"}
    broken: dict[str, object] = {"a": "Hallo {nom}", "b": {"other": "{count} Karten"}, "d": "y"}
    problems = catalog_problems(english, broken, "de")
    assert "missing c" in problems and "not in English: d" in problems
    assert any(p.startswith("a: placeholders") for p in problems)
    assert any(p.startswith("b: needs the forms") for p in problems)


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in [*WEB.glob("*.js"), *WEB.glob("views/*.js")]:
        keys |= set(re.findall(r"""\bt\(\s*"([A-Za-z0-9_.]+)"\s*[,)]""", path.read_text(encoding="utf-8")))
    html = (WEB / "index.html").read_text(encoding="utf-8")
    keys |= set(re.findall(r'data-i18n(?:-aria-label)?="([^"]+)"', html))
    # auth.js keeps Cognito's exception names -> keys in a map.
    keys |= set(re.findall(r""":\s*"(signin\.error\.\w+)",""", (WEB / "auth.js").read_text(encoding="utf-8")))
    return keys


def test_every_key_the_page_asks_for_is_in_english() -> None:
    keys = used_keys()
    assert len(keys) > 200
    assert sorted(keys - load("en").keys()) == []


#: Functions that never answer the page: run by a schedule, a queue or Cognito, their codes reach logs and reports.
NOT_CALLED_BY_THE_PAGE = {"reconcile", "resume_pauses", "pre_token"}


def product_error_codes() -> set[str]:
    codes: set[str] = set()
    functions = [
        p
        for p in (REPO / "functions").rglob("*.py")
        if p.relative_to(REPO / "functions").parts[0] not in NOT_CALLED_BY_THE_PAGE
    ]
    for path in [*(REPO / "layers").rglob("*.py"), *functions]:
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r"""\bcode\s*=\s*"([a-z_]+)\"""", text))
        codes |= set(re.findall(r"""^\s+code(?:\s*:\s*str)?\s*=\s*"([a-z_]+)\"""", text, re.M))
    return codes


def test_every_error_code_the_api_raises_has_a_localized_message() -> None:
    codes = product_error_codes()
    assert {"payment_method_required", "change_scheduled", "tax_id_exists", "validation_error"} <= codes
    english = load("en")
    assert sorted(c for c in codes if f"error.{c}" not in english) == []


CANCEL_REASONS = re.findall(
    r'"(\w+)"', re.search(r"CANCEL_REASONS = \[(.*?)\]", (WEB / "format.js").read_text(encoding="utf-8")).group(1)
)


@pytest.mark.parametrize(
    ("family", "values"),
    [
        (
            "status",
            ["active", "trialing", "past_due", "unpaid", "canceled", "incomplete", "incomplete_expired", "paused"],
        ),
        ("invoiceStatus", ["paid", "open", "draft", "void", "uncollectible"]),
        ("per", ["day", "week", "month", "year"]),
        ("cancelReason", CANCEL_REASONS),
    ],
)
def test_stripes_values_shown_on_the_page_have_words(family: str, values: list[str]) -> None:
    english = load("en")
    assert [v for v in values if f"{family}.{v}" not in english] == []
