"""make retention-report: per reason and per offer, from a seeded history of recorded steps whose figures are known."""

from __future__ import annotations

import json
from typing import Any

import pytest
from billing_core.retention.steps import Flow, RetentionSteps, Step, stripe_flow

from admin.retention_report import FIGURES, main

DAY = 86400
T0 = 1767225600  # 2026-01-01T00:00:00Z
NOW = T0 + 60 * DAY


def seed(store: RetentionSteps) -> None:
    def flow(name: str, day: int, reason: str, offer: str | None, kind: str | None) -> Flow:
        return Flow(f"flow_{name}", f"user-{name}", f"sub_{name}", T0 + day * DAY, reason, offer, kind)

    def steps(f: Flow, *rows: tuple[Step, int]) -> None:
        for step, day in rows:
            assert store.record(f, step, f"{step}:{day}", T0 + day * DAY, "api") is not None

    a = flow("a", 1, "too_expensive", "pause", "pause")  # paused, came back: saved
    steps(a, ("started", 1), ("shown", 1), ("paused", 1), ("accepted", 1), ("resumed", 32), ("came_back", 32))
    b = flow("b", 2, "too_expensive", "pause", "pause")  # paused, cancelled while paused
    steps(b, ("started", 2), ("shown", 2), ("paused", 2), ("accepted", 2), ("cancelled", 20))
    c = flow("c", 3, "switched_service", "retention_30_off_3_months", "coupon")  # declined, cancelled
    steps(c, ("started", 3), ("shown", 3), ("declined", 3), ("cancelled", 3))
    d = flow("d", 50, "switched_service", "retention_30_off_3_months", "coupon")  # accepted 10 days ago: not yet
    steps(d, ("started", 50), ("shown", 50), ("accepted", 50))
    e = flow("e", 4, "missing_features", None, None)  # no offer for the reason
    steps(e, ("started", 4), ("cancelled", 4))
    f = stripe_flow("user-f", "sub_f", T0 + 5 * DAY, "too_expensive")  # cancelled in the hosted portal
    steps(f, ("cancelled", 5))
    g = flow("g", 6, "too_expensive", "cheaper_plan", "cheaper_plan")  # cancelled 34 days after: saved
    steps(g, ("started", 6), ("shown", 6), ("accepted", 6), ("cancelled", 40))
    h = flow("h", -5, "too_expensive", "pause", "pause")  # started before --since: not counted
    steps(h, ("started", -5), ("shown", -5), ("cancelled", 3))
    # a step recorded twice (a retried request, a redelivered event) is one step
    assert store.record(c, "cancelled", "cancelled:3", T0 + 3 * DAY, "stripe") is None


def figures(**values: int) -> dict[str, int]:
    """A row of the report: the given figures, every other column of FIGURES zero."""
    assert set(values) <= set(FIGURES)
    return {name: values.get(name, 0) for name in FIGURES}


@pytest.fixture
def report(aws_env, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    store = RetentionSteps()
    seed(store)
    assert main(["--since", "2026-01-01", "--json"], steps=store, now=NOW) == 0
    return json.loads(capsys.readouterr().out)


def test_figures_per_reason(report: dict[str, Any]) -> None:
    assert report["since"] == "2026-01-01" and report["until"] == "2026-03-02"
    assert report["by_reason"] == {
        "missing_features": figures(started=1, cancelled=1),
        "switched_service": figures(started=2, shown=2, accepted=1, declined=1, cancelled=1),
        "too_expensive": figures(
            started=4, shown=3, accepted=3, saved_30d=2, cancelled=3, paused=2, resumed=1, cancelled_at_resume=1
        ),
    }


def test_figures_per_offer(report: dict[str, Any]) -> None:
    assert report["by_offer"] == {
        "cheaper_plan": figures(started=1, shown=1, accepted=1, saved_30d=1, cancelled=1),
        "none": figures(started=2, cancelled=2),
        "pause": figures(
            started=2, shown=2, accepted=2, saved_30d=1, cancelled=1, paused=2, resumed=1, cancelled_at_resume=1
        ),
        "retention_30_off_3_months": figures(started=2, shown=2, accepted=1, declined=1, cancelled=1),
    }
    assert report["total"] == figures(
        started=7, shown=5, accepted=4, declined=1, saved_30d=2, cancelled=5, paused=2, resumed=1, cancelled_at_resume=1
    )


def test_the_table_lists_each_reason_and_offer(aws_env, capsys: pytest.CaptureFixture[str]) -> None:
    store = RetentionSteps()
    seed(store)
    assert main(["--since", "2026-01-01", "--until", "2026-01-03"], steps=store, now=NOW) == 0
    out = capsys.readouterr().out
    assert "flows started 2026-01-01 to 2026-01-03" in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line and not line.startswith("Ret")}
    assert rows["too_expensive"][:3] == ["2", "2", "2"]  # flows a and b (started on days 1 and 2) only
    assert rows["pause"] == ["2", "2", "2", "0", "1", "1", "2", "1", "1"]
    assert "switched_service" not in rows and "none" not in rows


def test_a_bad_date_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--since", "last week"], steps=RetentionSteps(table_name="unused"))
    assert exit_info.value.code == 2
    assert "not a date" in capsys.readouterr().err
