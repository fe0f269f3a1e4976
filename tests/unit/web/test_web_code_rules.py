"""Rules of the page's code that its linters (eslint, tsc) do not hold by themselves.

- Every script is type-checked: it starts with ``// @ts-check`` (JSDoc types, `npm run lint:web`).
- A change is sent in one place: only ``Action.send`` in web/dom.js puts an Idempotency-Key on a request, so a
  view cannot forget to keep the key after a lost answer or to renew it after an answer.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
WEB = REPO / "web"
SCRIPTS = sorted(p for p in WEB.rglob("*.js") if "examples" not in p.parts)
KEYED_REQUEST = re.compile(r"\bkey:\s*[\w.]+\.key\b|\.answered\(\)")


def test_every_script_of_the_page_is_type_checked():
    unchecked = [str(p.relative_to(REPO)) for p in SCRIPTS if not p.read_text().startswith("// @ts-check\n")]
    assert SCRIPTS and unchecked == []


def test_only_action_send_pairs_a_request_with_its_idempotency_key():
    offenders = [
        f"{p.relative_to(REPO)}:{n}"
        for p in SCRIPTS
        if p.name != "dom.js"
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if KEYED_REQUEST.search(line)
    ]
    assert offenders == []


def test_the_rule_sees_a_view_that_sends_its_own_key():
    assert KEYED_REQUEST.search('await api("POST", "/billing/x", { body, key: action.key });')
    assert KEYED_REQUEST.search("      action.answered();")
    assert not KEYED_REQUEST.search('await action.send("POST", "/billing/x", { body });')
