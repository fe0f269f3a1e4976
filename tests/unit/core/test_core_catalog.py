"""The demo catalog and its transition rules (B2 unknown prices, seats, lateral moves)."""

import json

import pytest
from billing_core.catalog.model import load_catalog
from billing_core.errors import BadInput, ConfigurationError, Conflict

CATALOG = load_catalog()


def test_demo_catalog_has_the_required_plans():
    assert {"starter_monthly", "starter_yearly", "pro_monthly", "pro_yearly"} <= set(CATALOG.lookup_keys)
    business = CATALOG.plan("business")
    assert business.per_seat and business.min_seats == 3 and business.max_seats >= 3
    assert CATALOG.trial.days == 14
    assert CATALOG.retention_offer.coupon.percent_off == 30
    assert CATALOG.retention_offer.coupon.duration_in_months == 3


def test_b2_price_outside_the_catalog_is_bad_input():
    with pytest.raises(BadInput) as err:
        CATALOG.price("price_from_another_account")
    assert err.value.code == "unknown_price" and err.value.param == "price"


def test_upgrade_is_immediate_and_downgrade_waits_for_period_end():
    assert CATALOG.transition("starter_monthly", "pro_monthly").timing == "immediate"
    down = CATALOG.transition("pro_monthly", "starter_monthly")
    assert down.kind == "downgrade" and down.timing == "period_end"
    assert CATALOG.transition("pro_monthly", "pro_yearly").kind == "longer_interval"
    assert CATALOG.transition("pro_yearly", "pro_monthly").timing == "period_end"


def test_seat_rules():
    with pytest.raises(BadInput):
        CATALOG.transition("pro_monthly", "business_seat_monthly", 1, 2)
    with pytest.raises(BadInput):
        CATALOG.transition("pro_monthly", "business_seat_monthly", 1, 51)
    assert CATALOG.transition("business_seat_monthly", "business_seat_monthly", 3, 5).kind == "seats_increase"
    with pytest.raises(BadInput):
        CATALOG.transition("starter_monthly", "pro_monthly", 1, 3)


def test_no_change_and_lateral_moves_are_conflicts(tmp_path):
    with pytest.raises(Conflict):
        CATALOG.transition("pro_monthly", "pro_monthly")
    data = json.loads(CATALOG.model_dump_json())
    twin = json.loads(json.dumps(data["plans"][1]))
    twin.update(id="pro_plus", name="Pro Plus")
    for p in twin["prices"]:
        p["lookup_key"] = p["lookup_key"].replace("pro", "proplus")
    data["plans"].append(twin)
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data))
    with pytest.raises(Conflict) as err:
        load_catalog(path).transition("pro_monthly", "proplus_monthly")
    assert err.value.code == "change_not_allowed"


def test_invalid_catalog_is_a_configuration_error(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"version": 1, "currency": "usd", "plans": [], "unexpected": True}))
    with pytest.raises(ConfigurationError):
        load_catalog(path)
