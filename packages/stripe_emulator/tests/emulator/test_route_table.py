"""The route table (`routes.py`) is the one list of endpoints: no entry twice, no entry hidden behind an earlier
one, and no handler left out of it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import stripe_emulator
from stripe_emulator.router import Route, match
from stripe_emulator.routes import ROUTES

#: Functions with a handler's signature that are not endpoints, each with what it is.
NOT_HANDLERS = {
    ("stripe_emulator.handlers.invoices", "_get"): "the stored invoice a path names, shared by the invoice handlers",
    ("stripe_emulator.handlers.test_clocks", "refuse_writes_while_advancing"): "server.py's check before each write",
}


def _concrete(pattern: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: f"x_{m.group(1)}_1", pattern)


def _handlers_in_the_package() -> set[tuple[str, str]]:
    """(module, name) of every function taking (backend, Request), the signature of an endpoint handler."""
    found: set[tuple[str, str]] = set()
    for info in pkgutil.walk_packages(stripe_emulator.__path__, "stripe_emulator."):
        if info.name.endswith(("pytest_plugin", "__main__")):
            continue
        module = importlib.import_module(info.name)
        for name, fn in vars(module).items():
            if inspect.isfunction(fn) and fn.__module__ == info.name:
                params = list(inspect.signature(fn).parameters.values())
                if len(params) == 2 and params[1].annotation in ("Request", stripe_emulator.router.Request):
                    found.add((info.name, name))
    return found


def test_no_method_and_path_is_listed_twice() -> None:
    keys = [(r.method, r.pattern) for r in ROUTES]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)


def test_every_entry_is_the_one_a_request_for_its_path_reaches() -> None:
    hidden: list[Route] = []
    for r in ROUTES:
        found = match(ROUTES, r.method, _concrete(r.pattern))
        if found is None or found[0] is not r:
            hidden.append(r)
    assert hidden == []


def test_a_request_gets_the_path_placeholders_by_name() -> None:
    found = match(ROUTES, "GET", "/v1/customers/cus_123")
    assert found is not None
    route, path_params = found
    assert route.pattern == "/v1/customers/{customer}" and path_params == {"customer": "cus_123"}
    assert match(ROUTES, "PATCH", "/v1/customers/cus_123") is None


def test_every_handler_in_the_package_is_in_the_table() -> None:
    listed = {(r.handler.__module__, r.handler.__name__) for r in ROUTES}
    found = _handlers_in_the_package()
    assert found - listed - set(NOT_HANDLERS) == set()
    assert set(NOT_HANDLERS) <= found - listed  # an entry that no longer names such a function is stale
    assert len(listed) > 100  # the walk found the resource, page and control modules
