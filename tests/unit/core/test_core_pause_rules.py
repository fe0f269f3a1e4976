"""The catalog's pause rules and the pause dates the product keeps on a subscription."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from billing_core.catalog.model import load_catalog
from billing_core.errors import ConfigurationError
from billing_core.pause import add_periods, pause_metadata, resumes_at

DEMO = Path(__file__).resolve().parents[3] / "layers/shared/billing_core/catalog/demo.json"


def ts(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp())


def test_demo_catalog_offers_one_to_three_periods_and_a_read_only_set():
    catalog = load_catalog()
    pro = catalog.plan("pro")
    assert pro is not None and pro.pause is not None and pro.pause.durations == (1, 2, 3)
    assert catalog.paused_features("pro") == ["projects"]
    assert catalog.paused_features("starter") == []


@pytest.mark.parametrize(
    "pause",
    [
        {"durations": [1, 1]},
        {"durations": []},
        {"durations": [13]},
        {"durations": [1], "entitlements": "no_such_set"},
    ],
)
def test_bad_pause_rules_make_the_catalog_invalid(tmp_path, pause):
    data = json.loads(DEMO.read_text())
    data["plans"][0]["pause"] = pause
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigurationError):
        load_catalog(path)


def test_periods_are_calendar_months_or_years_clamped_to_the_month_end():
    assert add_periods(ts(2026, 1, 31, 12), "month", 1) == ts(2026, 2, 28, 12)
    assert add_periods(ts(2026, 1, 15), "month", 3) == ts(2026, 4, 15)
    assert add_periods(ts(2026, 11, 30), "month", 2) == ts(2027, 1, 30)
    assert add_periods(ts(2028, 2, 29), "year", 1) == ts(2029, 2, 28)


def test_a_resume_date_counts_only_for_the_pause_it_was_written_for():
    paused = {
        "status": "paused",
        "status_details": {"paused": {"transitioned_at": 1000}},
        "metadata": pause_metadata(1000, 5000),
    }
    assert resumes_at(paused) == 5000
    assert resumes_at({**paused, "metadata": pause_metadata(999, 5000)}) is None
    assert resumes_at({**paused, "status": "active"}) is None
    assert resumes_at({**paused, "metadata": {"pause_resumes_at": "x", "pause_started_at": "1000"}}) is None
