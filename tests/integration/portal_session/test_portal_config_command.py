"""The portal configuration as code against the emulator: every feature, stored id, idempotent."""

from __future__ import annotations

from typing import Any

import pytest
from billing_core.catalog.model import Catalog, load_catalog
from billing_core.errors import ConfigurationError
from billing_core.store.keys import PORTAL_CONFIG_PK as CONFIG_PK
from billing_core.store.keys import PORTAL_CONFIG_SK as CONFIG_SK
from billing_core.store.portal_config import PortalConfigStore

from admin.catalog_sync import sync_catalog
from admin.portal_config import PortalConfigurator, main
from tests.helpers import aws as h


def configurations(stripe_emulator) -> list[dict[str, Any]]:
    b = stripe_emulator.backend
    with b.lock:
        return [dict(c) for c in b.all("billing_portal.configuration")]


def config_events(stripe_emulator) -> list[str]:
    b = stripe_emulator.backend
    with b.lock:
        return [e["type"] for e in b.all("event") if e["type"].startswith("billing_portal.configuration")]


@pytest.fixture
def synced(stripe_env, admin_gateway) -> dict[str, str]:
    return sync_catalog(admin_gateway, load_catalog())


def test_first_run_creates_the_configuration_with_every_feature_and_stores_its_id(
    stripe_env, admin_gateway, synced, stripe_client, stripe_emulator
):
    result = PortalConfigurator(admin_gateway, catalog=load_catalog()).run()
    assert result.action == "created" and result.stripe_writes == 1 and result.store_writes == 1
    stored = h.get_item(CONFIG_PK, CONFIG_SK)["configuration_id"]["S"]
    assert stored == result.configuration_id
    cfg = stripe_client.v1.billing_portal.configurations.retrieve(stored).to_dict()
    f = cfg["features"]
    assert f["customer_update"] == {
        "enabled": True,
        "allowed_updates": ["address", "email", "name", "phone", "tax_id"],
    }
    assert f["invoice_history"]["enabled"] and f["payment_method_update"]["enabled"]
    cancel = f["subscription_cancel"]
    assert cancel["enabled"] and cancel["mode"] == "at_period_end"
    assert cancel["cancellation_reason"]["enabled"]
    assert sorted(cancel["cancellation_reason"]["options"]) == [
        "customer_service",
        "low_quality",
        "missing_features",
        "other",
        "switched_service",
        "too_complex",
        "too_expensive",
        "unused",
    ]
    pause = f["subscription_pause"]  # the plans' pause lengths (1, 2 or 3 periods), as months in the portal
    assert pause["enabled"] and pause["duration"]["type"] == "interval_options"
    assert [(o["interval"], o["interval_count"]) for o in pause["duration"]["interval_options"]] == [
        ("month", 1),
        ("month", 2),
        ("month", 3),
    ]
    update = f["subscription_update"]
    assert update["enabled"] and update["proration_behavior"] == "create_prorations"
    assert sorted(update["default_allowed_updates"]) == ["price", "promotion_code", "quantity"]
    assert sorted(c["type"] for c in update["schedule_at_period_end"]["conditions"]) == [
        "decreasing_item_amount",
        "shortening_interval",
    ]
    by_product = {p["product"]: p for p in update["products"]}
    catalog = load_catalog()
    assert len(by_product) == len(catalog.plans)
    for plan in catalog.plans:
        product_id = stripe_client.v1.prices.retrieve(synced[plan.prices[0].lookup_key]).product
        entry = by_product[product_id]
        assert sorted(entry["prices"]) == sorted(synced[p.lookup_key] for p in plan.prices)
        assert entry["adjustable_quantity"]["enabled"] is plan.per_seat
        if plan.per_seat:
            assert entry["adjustable_quantity"]["minimum"] == plan.min_seats
            assert entry["adjustable_quantity"]["maximum"] == plan.max_seats
    assert cfg["business_profile"]["privacy_policy_url"] == "https://app.example.test/privacy"
    assert cfg["business_profile"]["terms_of_service_url"] == "https://app.example.test/terms"
    assert cfg["default_return_url"] == "https://app.example.test/billing"
    assert cfg["metadata"]["managed_by"] == "billing-self-service"


def test_second_run_changes_nothing(stripe_env, admin_gateway, synced, stripe_emulator):
    first = PortalConfigurator(admin_gateway, catalog=load_catalog()).run()
    before = configurations(stripe_emulator)
    events = config_events(stripe_emulator)
    stored = h.get_item(CONFIG_PK, CONFIG_SK)

    second = PortalConfigurator(admin_gateway, catalog=load_catalog()).run()
    assert second.action == "unchanged" and second.stripe_writes == 0 and second.store_writes == 0
    assert second.configuration_id == first.configuration_id
    assert second.render() == f"portal configuration {first.configuration_id}: no changes"
    assert configurations(stripe_emulator) == before  # same object, same `updated`
    assert config_events(stripe_emulator) == events
    assert h.get_item(CONFIG_PK, CONFIG_SK) == stored  # not even rewritten


def test_drift_is_corrected_by_updating_only_what_differs(
    stripe_env, admin_gateway, synced, stripe_client, stripe_emulator
):
    first = PortalConfigurator(admin_gateway, catalog=load_catalog()).run()
    stripe_client.v1.billing_portal.configurations.update(
        str(first.configuration_id), params={"features": {"invoice_history": {"enabled": False}}}
    )
    dry = PortalConfigurator(admin_gateway, catalog=load_catalog()).run(dry_run=True)
    assert dry.action == "would update" and dry.changed_fields == ["features.invoice_history"]
    fixed = PortalConfigurator(admin_gateway, catalog=load_catalog()).run()
    assert fixed.action == "updated" and fixed.changed_fields == ["features.invoice_history"]
    cfg = stripe_client.v1.billing_portal.configurations.retrieve(str(first.configuration_id))
    assert cfg.features.invoice_history.enabled is True
    assert PortalConfigurator(admin_gateway, catalog=load_catalog()).run().action == "unchanged"


def test_a_moved_price_is_picked_up_by_the_next_run(stripe_env, admin_gateway, synced, stripe_client):
    first = PortalConfigurator(admin_gateway, catalog=load_catalog()).run()
    data = load_catalog().model_dump(mode="json")
    data["plans"][1]["prices"][0]["unit_amount"] = 3900  # pro_monthly
    changed = Catalog.model_validate(data)
    new_prices = sync_catalog(admin_gateway, changed)
    result = PortalConfigurator(admin_gateway, catalog=changed).run()
    assert result.changed_fields == ["features.subscription_update"]
    cfg = stripe_client.v1.billing_portal.configurations.retrieve(str(first.configuration_id)).to_dict()
    all_prices = {p for product in cfg["features"]["subscription_update"]["products"] for p in product["prices"]}
    assert new_prices["pro_monthly"] in all_prices and synced["pro_monthly"] not in all_prices


def test_a_lost_id_is_found_again_by_metadata_instead_of_creating_another(
    stripe_env, admin_gateway, synced, stripe_emulator
):
    first = PortalConfigurator(admin_gateway, catalog=load_catalog()).run()
    import boto3

    boto3.client("dynamodb", region_name=h.REGION).delete_item(
        TableName=h.TABLE_NAME, Key={"pk": {"S": CONFIG_PK}, "sk": {"S": CONFIG_SK}}
    )
    again = PortalConfigurator(admin_gateway, catalog=load_catalog()).run()
    assert again.configuration_id == first.configuration_id and again.stripe_writes == 0
    assert again.store_writes == 1 and PortalConfigStore().get() == first.configuration_id
    assert len([c for c in configurations(stripe_emulator) if not c["is_default"]]) == 1


def test_without_synced_prices_the_command_refuses(stripe_env, admin_gateway, stripe_emulator):
    with pytest.raises(ConfigurationError) as exc:
        PortalConfigurator(admin_gateway, catalog=load_catalog()).run()
    assert "sync-catalog" in exc.value.log_context["message_for_logs"]
    assert configurations(stripe_emulator) == [] and PortalConfigStore().get() is None


def test_command_line_creates_then_reports_no_changes(stripe_env, synced, stripe_emulator, monkeypatch, capsys):
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)  # the key comes from the STRIPE_SECRET_NAME secret
    monkeypatch.setenv("PORTAL_HEADLINE", "Manage your Example subscription")
    assert main([]) == 0
    first = capsys.readouterr().out
    assert ": created" in first
    assert main([]) == 0
    assert capsys.readouterr().out.strip().endswith(": no changes")
    cfg = configurations(stripe_emulator)[0]
    assert cfg["business_profile"]["headline"] == "Manage your Example subscription"
