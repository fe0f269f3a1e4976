"""Every object the emulator returns carries the fields stripe-python 16 declares for its class (includable-only
fields aside), with enum values from the declared literals, and the keys of Stripe's fixtures3.json examples.
Each difference must be explained in allowlist.py."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from . import allowlist
from .object_builders import BUILDERS, Api
from .sdk_shapes import compare_with_fixture, compare_with_sdk, shape_of

#: Stripe's example objects: `openapi/fixtures3.json` from Stripe's public OpenAPI repository (see data/README.md).
FIXTURES = Path(__file__).resolve().parent / "data" / "stripe_fixtures3.json"


def _cls(path: str) -> type:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _fixtures() -> dict[str, Any]:
    return dict(json.loads(FIXTURES.read_text())["resources"])


def _check(name: str, issues: set[tuple[str, str]], allowed: dict[tuple[str, str, str], str], what: str) -> None:
    keyed = {(name, kind, path) for kind, path in issues}
    unexplained = sorted(keyed - set(allowed))
    stale = sorted(k for k in allowed if k[0] == name and k not in keyed)
    assert not unexplained, f"{name}: differences from {what} not in allowlist.{what.upper()}: {unexplained}"
    assert not stale, f"{name}: stale allowlist.{what.upper()} entries: {stale}"


def _polymorphic(kind: str, path: str, obj: dict[str, Any], cls: type) -> bool:
    """Missing fields Stripe only sends in some shapes of an object (see allowlist.SDK_MISSING_ANYWHERE)."""
    if kind != "missing":
        return False
    last = path.rsplit(".", 1)[-1]
    if last in allowlist.SDK_MISSING_ANYWHERE:
        return True
    if "payment_method_options." in path:
        return True  # Stripe returns only the option blocks (and options set) of the payment method types in use
    type_values = shape_of(cls).fields.get("type")
    # `card`, `sepa_debit`, ...: a payment method carries only the hash named by its own `type`
    return (
        "." not in path
        and type_values is not None
        and bool(type_values.literals)
        and last in (type_values.literals or ())
        and obj.get("type") != last
    )


@pytest.fixture
def api(stripe_emulator: Any) -> Any:
    client = Api(stripe_emulator.api_base, stripe_emulator.secret_key)
    yield client
    client.close()


@pytest.mark.parametrize("name", list(BUILDERS))
def test_shape_matches_stripe_python(name: str, api: Api) -> None:
    builder, cls_path, _ = BUILDERS[name]
    obj = builder(api)
    cls = _cls(cls_path)
    issues = {(kind, path) for kind, path in compare_with_sdk(obj, cls) if not _polymorphic(kind, path, obj, cls)}
    _check(name, issues, allowlist.SDK, "sdk")


@pytest.mark.parametrize("name", [n for n, (_, _, fx) in BUILDERS.items() if fx])
def test_shape_matches_fixture(name: str, api: Api) -> None:
    builder, cls_path, fixture_name = BUILDERS[name]
    assert fixture_name is not None
    obj = builder(api)
    sdk = compare_with_sdk(obj, _cls(cls_path))
    issues = set()
    for kind, path in compare_with_fixture(obj, _fixtures()[fixture_name]):
        if kind == "extra" and ("extra", path) not in sdk:
            continue  # allowlist.FIXTURE_RULES["declared"]
        if kind == "missing" and ("missing", path) not in sdk:
            continue  # allowlist.FIXTURE_RULES["undeclared"]
        issues.add((kind, path))
    _check(name, issues, allowlist.FIXTURE, "fixture")


def test_allowlists_explain_every_entry() -> None:
    for table in (allowlist.SDK, allowlist.FIXTURE):
        for key, reason in table.items():
            assert key[0] in BUILDERS and key[1] in ("missing", "extra", "enum"), key
            assert reason.strip() and "\n" not in reason, key
