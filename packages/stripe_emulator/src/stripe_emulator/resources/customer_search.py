"""Customer search (`GET /v1/customers/search`): Stripe's search query language over email, name, phone, created and
metadata, paged with `next_page`."""

from __future__ import annotations

import re
from typing import Any

from ..backend import Backend
from ..errors import invalid_request
from ..models.base import Rendered
from ..models.customers import Customer
from .customers import render_customer

_CLAUSE = re.compile(
    r"\s*(?:(?P<meta>metadata\[\s*(?P<q>['\"])(?P<mkey>.*?)(?P=q)\s*\])|(?P<field>[a-z_]+))\s*(?P<op>:|~|>=|<=|>|<)\s*"
    r"(?P<vq>['\"])(?P<value>.*?)(?P=vq)\s*",
)
_SEARCH_FIELDS = ("email", "name", "phone", "created", "metadata")


def _parse_query(query: str) -> tuple[list[tuple[str | None, str, str, str, bool]], str]:
    """Clauses (metadata key or None, field, op, value, negated) and the combinator ("AND" / "OR")."""
    if not query.strip():
        raise invalid_request("The query must not be empty.", param="query")
    clauses: list[tuple[str | None, str, str, str, bool]] = []
    joins: set[str] = set()
    pos = 0
    while True:
        negated = False
        if query[pos:].lstrip().startswith("-"):
            pos = query.index("-", pos) + 1
            negated = True
        m = _CLAUSE.match(query, pos)
        if not m:
            raise invalid_request(
                f"We were unable to parse your search query. Try using the format `metadata['key']:'value'` or "
                f"`email:'value'`. Query: {query}",
                param="query",
            )
        field = "metadata" if m.group("meta") else m.group("field")
        if field not in _SEARCH_FIELDS:
            raise invalid_request(f"Field `{field}` is an unsupported search field for customers.", param="query")
        clauses.append((m.group("mkey"), field, m.group("op"), m.group("value"), negated))
        pos = m.end()
        if pos >= len(query):
            break
        j = re.match(r"(AND|OR)\s+", query[pos:])
        if not j:
            raise invalid_request("We were unable to parse your search query.", param="query")
        joins.add(j.group(1))
        pos += j.end()
    if len(joins) > 1:
        raise invalid_request("Queries cannot combine AND and OR.", param="query")
    if len(clauses) > 10:
        raise invalid_request("Queries can have at most 10 clauses.", param="query")
    return clauses, (joins.pop() if joins else "AND")


def _clause_matches(cus: Customer, clause: tuple[str | None, str, str, str, bool]) -> bool:
    mkey, field, op, value, negated = clause
    if field == "metadata":
        actual: Any = (cus.get("metadata") or {}).get(mkey or "")
    else:
        actual = cus.get(field)
    if field == "created":
        v = int(value)
        c = int(actual)
        ok = {":": c == v, ">": c > v, "<": c < v, ">=": c >= v, "<=": c <= v}.get(op, False)
    elif actual is None:
        ok = False
    elif op == "~":
        ok = value.lower() in str(actual).lower()
    elif op == ":":
        ok = str(actual).lower() == value.lower() if field in ("email", "name") else str(actual) == value
    else:
        ok = False
    return ok != negated


def search_customers(b: Backend, params: dict[str, Any]) -> Rendered:
    clauses, join = _parse_query(params.get("query") or "")
    combine = all if join == "AND" else any

    def keep(c: Customer) -> bool:
        return not c.get("deleted") and combine(_clause_matches(c, cl) for cl in clauses)

    objs = b.all("customer", where=keep)
    limit = int(params.get("limit") or 10)
    if not 1 <= limit <= 100:
        raise invalid_request("Invalid limit: must be between 1 and 100", param="limit")
    start = 0
    page_token = params.get("page")
    if page_token:
        try:
            start = int(str(page_token).removeprefix("page_"))
        except ValueError:
            raise invalid_request("Invalid page token.", param="page") from None
    window = objs[start : start + limit]
    has_more = start + limit < len(objs)
    expand = [e[5:] for e in (params.get("expand") or []) if e.startswith("data.")]
    return {
        "object": "search_result",
        "data": [render_customer(b, c, expand) for c in window],
        "has_more": has_more,
        "next_page": f"page_{start + limit}" if has_more else None,
        "url": "/v1/customers/search",
    }
