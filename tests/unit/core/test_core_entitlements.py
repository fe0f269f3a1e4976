"""Entitlements derived from a subscription (endive shapes), E10 unknown statuses, the versioned store."""

import pytest
from billing_core.catalog.model import load_catalog
from billing_core.entitlements import EntitlementStore, derive_entitlements, primary_subscription
from billing_core.observability import metrics

CATALOG = load_catalog()
NOW = 1_800_000_000
DAY = 86400


def sub(status, lookup_key="pro_monthly", quantity=1, **extra):
    return {
        "id": "sub_1",
        "status": status,
        "created": NOW - 10 * DAY,
        "cancel_at_period_end": False,
        "items": {
            "data": [
                {
                    "id": "si_1",
                    "quantity": quantity,
                    "current_period_end": NOW + 20 * DAY,
                    "price": {"id": "price_1", "lookup_key": lookup_key, "recurring": {"interval": "month"}},
                }
            ]
        },
        **extra,
    }


@pytest.mark.parametrize("status", ["active", "trialing"])
def test_active_and_trialing_are_entitled_with_plan_features(status):
    record = derive_entitlements(sub(status), CATALOG, NOW, grace_period_days=7)
    assert record.entitled and record.plan == "pro"
    assert "api_access" in record.features and record.limits["projects"] == 50
    assert record.period_end == NOW + 20 * DAY


def test_per_seat_plan_limits_seats_to_the_quantity():
    record = derive_entitlements(sub("active", "business_seat_monthly", 5), CATALOG, NOW, grace_period_days=7)
    assert record.limits["seats"] == 5 and "sso" in record.features


def test_past_due_within_grace_is_entitled_and_after_grace_is_not():
    inside = derive_entitlements(sub("past_due"), CATALOG, NOW, grace_period_days=7, past_due_since=NOW - 3 * DAY)
    assert inside.entitled and inside.grace_until == NOW + 4 * DAY
    after = derive_entitlements(sub("past_due"), CATALOG, NOW, grace_period_days=7, past_due_since=NOW - 8 * DAY)
    assert not after.entitled and after.features == []


@pytest.mark.parametrize("status", ["canceled", "unpaid", "incomplete", "incomplete_expired"])
def test_other_known_statuses_are_denied(status):
    record = derive_entitlements(sub(status), CATALOG, NOW, grace_period_days=7)
    assert not record.entitled and record.features == [] and record.limits == {}


def test_paused_is_denied_but_keeps_the_catalogs_paused_features():
    record = derive_entitlements(sub("paused"), CATALOG, NOW, grace_period_days=7)
    assert not record.entitled and record.paused and record.limits == {}
    assert record.features == CATALOG.paused_features(record.plan)


def test_e10_unknown_status_is_denied_with_a_warning_metric():
    metrics.clear_metrics()
    record = derive_entitlements(sub("suspended_by_new_api"), CATALOG, NOW, grace_period_days=7)
    assert not record.entitled and record.status == "suspended_by_new_api"
    assert "UnknownSubscriptionStatus" in metrics.provider.metric_set
    metrics.clear_metrics()


def test_price_outside_the_catalog_grants_nothing():
    assert not derive_entitlements(sub("active", "legacy_gold"), CATALOG, NOW, grace_period_days=7).entitled


def test_no_subscription_means_no_entitlements():
    assert not derive_entitlements(None, CATALOG, NOW).entitled


def test_primary_subscription_prefers_live_statuses():
    canceled = sub("canceled") | {"id": "sub_old"}
    active = sub("active") | {"id": "sub_new"}
    assert primary_subscription([canceled, active])["id"] == "sub_new"
    assert primary_subscription([canceled]) is None


def test_store_writes_only_newer_versions(aws_env):
    store = EntitlementStore()
    newer = derive_entitlements(sub("active"), CATALOG, NOW, grace_period_days=7, version=10)
    older = derive_entitlements(sub("canceled"), CATALOG, NOW, grace_period_days=7, version=5)
    assert store.get("u1") is None
    assert store.put_if_newer("u1", newer)
    assert not store.put_if_newer("u1", older)
    assert store.get("u1").status == "active"
