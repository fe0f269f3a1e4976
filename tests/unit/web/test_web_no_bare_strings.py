"""No English sentence is written straight into the page: every text of the DOM goes through i18n.t().

A small scanner reads the page's ES modules (strings, template literals, comments and regular expressions are
skipped over properly) and looks at the places that put text in front of the user:

* children of ``h(tag, attrs, ...children)`` (web/dom.js's element builder),
* the text arguments of ``openDialog``, ``field``, ``busy``, ``errorBox``, ``notice``, ``announce``, ``loading``,
  ``setFieldError`` and the messages of ``new Error``/``new AuthError``,
* the object keys ``text``, ``aria-label``, ``placeholder``, ``title``, ``alt``, ``error``, ``message`` and the
  removal dialog's ``question``/``keep``/``remove``/``done``,
* assignments to ``textContent``, ``innerText``, ``placeholder``, ``title``.

A literal there is a finding when it has a letter (template literals: outside their ``${...}``). Tag names,
attribute names and CSS classes are never in those places; the brand names of cards live in a map, not in a call.
web/i18n.js is not scanned: it reports a catalog that cannot be loaded, when no catalog is there to say it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[3] / "web"

#: Call name -> the argument positions that are user-visible text ("children": index 2 onwards).
TEXT_ARGS: dict[str, tuple[int, ...] | str] = {
    "h": "children",
    "openDialog": (0,),
    "field": (0, 2),
    "busy": (2,),
    "errorBox": (1,),
    "notice": (0,),
    "announce": (0,),
    "loading": (0,),
    "setFieldError": (1,),
    "Error": (0,),
    "AuthError": (0,),
}
TEXT_KEYS = (
    *("text", "aria-label", "placeholder", "title", "alt", "error", "message"),
    *("question", "keep", "remove", "done"),  # the removal dialog's texts
)
TEXT_PROPS = ("textContent", "innerText", "placeholder", "title")
REGEX_BEFORE = set("(,=:[!&|?{};")


def skip_string(src: str, i: int) -> int:
    """Index after the string or template literal starting at i (nested ${...} included)."""
    quote = src[i]
    i += 1
    while i < len(src):
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == quote:
            return i + 1
        if quote == "`" and src.startswith("${", i):
            i = skip_balanced(src, i + 1)
            continue
        i += 1
    return i


def skip_regex(src: str, i: int) -> int:
    i += 1
    in_class = False
    while i < len(src):
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            in_class = True
        elif c == "]":
            in_class = False
        elif c == "/" and not in_class:
            return i + 1
        i += 1
    return i


def prev_significant(src: str, i: int) -> str:
    j = i - 1
    while j >= 0 and src[j].isspace():
        j -= 1
    if j >= 5 and src[j - 5 : j + 1] == "return":
        return "("
    return src[j] if j >= 0 else "("


def skip_token(src: str, i: int) -> int:
    """Skip one string, template, comment or regex starting at i; else i unchanged."""
    c = src[i]
    if c in "\"'`":
        return skip_string(src, i)
    if src.startswith("//", i):
        end = src.find("\n", i)
        return len(src) if end < 0 else end
    if src.startswith("/*", i):
        end = src.find("*/", i)
        return len(src) if end < 0 else end + 2
    if c == "/" and prev_significant(src, i) in REGEX_BEFORE:
        return skip_regex(src, i)
    return i


def skip_balanced(src: str, i: int) -> int:
    """src[i] opens a bracket: index after its matching close."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack = [pairs[src[i]]]
    i += 1
    while i < len(src) and stack:
        j = skip_token(src, i)
        if j != i:
            i = j
            continue
        c = src[i]
        if c in pairs:
            stack.append(pairs[c])
        elif stack and c == stack[-1]:
            stack.pop()
        i += 1
    return i


def split_args(src: str, open_paren: int) -> list[str]:
    """The top-level arguments of the call whose "(" is at open_paren."""
    end = skip_balanced(src, open_paren)
    body = src[open_paren + 1 : end - 1]
    args, depth, start, i = [], 0, 0, 0
    while i < len(body):
        j = skip_token(body, i)
        if j != i:
            i = j
            continue
        c = body[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            args.append(body[start:i].strip())
            start = i + 1
        i += 1
    if body[start:].strip():
        args.append(body[start:].strip())
    return args


def literal_text(expr: str) -> str | None:
    """The visible text of an expression that is exactly one string or template literal, else None."""
    expr = expr.strip()
    if not expr or expr[0] not in "\"'`" or skip_string(expr, 0) != len(expr):
        return None
    inner = expr[1:-1]
    if expr[0] == "`":
        out, i = [], 0
        while i < len(inner):
            if inner.startswith("${", i):
                i = skip_balanced(inner, i + 1)
                continue
            out.append(inner[i])
            i += 1
        inner = "".join(out)
    return inner


def has_words(text: str | None) -> bool:
    return text is not None and re.search(r"[A-Za-z]{2,}", text) is not None


def code_positions(src: str) -> list[int]:
    """Indexes of src that are code: not inside a string, template, comment or regex (a string's quote counts)."""
    out, i = [], 0
    while i < len(src):
        j = skip_token(src, i)
        if j != i:
            if src[i] in "\"'`":
                out.append(i)
            i = j
            continue
        out.append(i)
        i += 1
    return out


def bare_strings(src: str) -> list[str]:
    findings: list[str] = []
    code = set(code_positions(src))
    for m in re.finditer(r"(?<![\w.$])(?:new\s+)?(\w+)\s*\(", src):
        name = m.group(1)
        if m.start() not in code or name not in TEXT_ARGS:
            continue
        if src[: m.start()].rstrip().endswith("function"):
            continue
        args = split_args(src, m.end() - 1)
        where = TEXT_ARGS[name]
        positions = range(2, len(args)) if isinstance(where, str) else where
        for pos in positions:
            if pos < len(args) and has_words(literal_text(args[pos])):
                findings.append(f"{name}(…{args[pos]}…)")
    keys = "|".join(re.escape(k) for k in TEXT_KEYS)
    for m in re.finditer(rf"""(?:(?<![\w-])({keys})|"({keys})")\s*:\s*""", src):
        if m.start() not in code:
            continue
        rest = src[m.end() :]
        end = skip_string(rest, 0) if rest[:1] in "\"'`" else 0
        if end and has_words(literal_text(rest[:end])) and rest[end:].lstrip()[:1] in ",}\n":
            findings.append(f"{m.group(1) or m.group(2)}: {rest[:end]}")
    props = "|".join(TEXT_PROPS)
    for m in re.finditer(rf"\.({props})\s*=(?!=)\s*", src):
        if m.start() not in code:
            continue
        rest = src[m.end() :]
        end = skip_string(rest, 0) if rest[:1] in "\"'`" else 0
        if end and has_words(literal_text(rest[:end])):
            findings.append(f".{m.group(1)} = {rest[:end]}")
    return findings


MODULES = sorted(p for p in [*WEB.glob("*.js"), *WEB.glob("views/*.js")] if p.name != "i18n.js")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(WEB)))
def test_no_bare_english_text_in_dom_building_code(path: Path) -> None:
    assert bare_strings(path.read_text(encoding="utf-8")) == []


def test_the_scanner_finds_bare_text_and_passes_translated_text() -> None:
    bad = """
      const a = h("p", { class: "muted small" }, "No card on file yet.");
      const b = h("button", { type: "button", onclick: () => go(x, "y") }, `Pay ${amount}`);
      busy(btn, async () => { await x(/[)"]/); }, "Saving…");
      errorBox(err, "Your card was declined.");
      el.textContent = `${n} invoices shown.`;
      confirmRemoval(ctx, { title: "Remove card", question: q });
      h("a", { "aria-label": "View invoice" }, t("invoices.view"));
      throw new Error("The page could not be loaded.");
    """
    found = bare_strings(bad)
    assert len(found) == 8, found
    good = """
      // h("p", {}, "a comment is not text")
      const a = h("p", { class: "muted small", "data-testid": "card-needed" }, t("cards.none"), " ", `${x}`);
      const re = /"(Enter a value)"/;
      busy(btn, async () => { await x(); }, t("busy.saving"));
      el.textContent = t("invoices.shown", { count: n });
      h("button", { type: "button", class: "icon", "aria-label": t("dialog.close"), text: "×" });
      export function h(tag, attrs, ...children) {}
    """
    assert bare_strings(good) == []
