"""The code examples of the docs run as written: the entitlements example of docs/entitlements.md, against moto,
for an entitled user and for one without a plan."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _python_blocks(doc: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (ROOT / doc).read_text(), re.DOTALL)


def test_the_entitlements_example_reads_features_and_limits(aws_env: Any) -> None:
    from billing_core.entitlements import EntitlementRecord, EntitlementStore

    record = EntitlementRecord(
        plan="pro", status="active", entitled=True, features=["api_access"], limits={"projects": 10}, version=1
    )
    EntitlementStore().put_if_newer(f"p_{aws_env.user_sub}", record)  # the personal billing account
    (example,) = _python_blocks("docs/entitlements.md")
    scope: dict[str, Any] = {"sub": aws_env.user_sub}
    exec(example, scope)  # noqa: S102 - the documented example itself
    assert scope["api_access"] is True
    assert scope["max_projects"] == 10


def test_the_entitlements_example_refuses_a_user_without_a_plan(aws_env: Any) -> None:
    (example,) = _python_blocks("docs/entitlements.md")
    with pytest.raises(PermissionError):
        exec(example, {"sub": "a-user-without-a-record"})  # noqa: S102
