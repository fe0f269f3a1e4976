"""Catalog sync against the Stripe emulator: plan, apply, idempotency, immutable prices."""

from __future__ import annotations

from typing import Any

import pytest
from billing_core.catalog.model import Catalog, load_catalog
from billing_core.stripe_client import build_stripe_client
from billing_core.stripe_gateway import StripeGateway

from admin.catalog_sync import CatalogSync, CatalogSyncError, main, sync_catalog


@pytest.fixture
def gateway(stripe_emulator) -> StripeGateway:
    return StripeGateway(client=build_stripe_client(stripe_emulator.secret_key, stripe_emulator.api_base))


def catalog_with(**amounts: int) -> Catalog:
    data: dict[str, Any] = load_catalog().model_dump(mode="json")
    for plan in data["plans"]:
        for price in plan["prices"]:
            if price["lookup_key"] in amounts:
                price["unit_amount"] = amounts[price["lookup_key"]]
    return Catalog.model_validate(data)


def by_key(stripe_client, key: str) -> list[Any]:
    return list(stripe_client.v1.prices.list(params={"lookup_keys": [key]}).data)


def event_count(stripe_emulator) -> int:
    with stripe_emulator.backend.lock:
        return len(stripe_emulator.backend.all("event"))


def test_dry_run_prints_the_plan_and_writes_nothing(gateway, stripe_client, stripe_emulator):
    lines: list[str] = []
    plan, _ = CatalogSync(gateway, load_catalog()).run(dry_run=True, out=lines.append)
    text = "\n".join(lines)
    assert "catalog sync plan (10 changes)" in text
    assert "+ product pro (Pro)" in text
    assert "+ price pro_monthly 29.00 USD/month" in text
    assert "+ price business_seat_yearly 150.00 USD/year" in text
    assert "+ coupon RETENTION_30_OFF_3M" in text
    assert list(stripe_client.v1.products.list().data) == []
    assert list(stripe_client.v1.prices.list().data) == []
    assert event_count(stripe_emulator) == 0


def test_sync_creates_products_prices_and_coupon_then_changes_nothing(gateway, stripe_client, stripe_emulator):
    prices = sync_catalog(gateway, load_catalog())
    catalog = load_catalog()
    assert set(prices) == set(catalog.lookup_keys)
    for plan in catalog.plans:
        for price in plan.prices:
            stripe_price = stripe_client.v1.prices.retrieve(prices[price.lookup_key])
            assert stripe_price.lookup_key == price.lookup_key and stripe_price.active
            assert stripe_price.unit_amount == price.unit_amount and stripe_price.recurring.interval == price.interval
            product = stripe_client.v1.products.retrieve(stripe_price.product)
            assert product.name == plan.name and product.metadata["plan_id"] == plan.id
    coupon = stripe_client.v1.coupons.retrieve("RETENTION_30_OFF_3M")
    assert coupon.percent_off == 30 and coupon.duration == "repeating" and coupon.duration_in_months == 3

    # Second run: nothing to do, nothing written.
    before = event_count(stripe_emulator)
    lines: list[str] = []
    second, again = CatalogSync(gateway, catalog).run(out=lines.append)
    assert second.empty and lines == ["catalog sync: no changes"]
    assert again == prices
    assert event_count(stripe_emulator) == before


def test_amount_change_moves_the_lookup_key_and_archives_the_old_price(gateway, stripe_client, stripe_emulator):
    old_prices = sync_catalog(gateway, load_catalog())
    old_id = old_prices["pro_monthly"]
    changed = catalog_with(pro_monthly=3500)

    lines: list[str] = []
    plan, _ = CatalogSync(gateway, changed).run(dry_run=True, out=lines.append)
    assert [a.kind for a in plan.actions] == ["move_price", "archive_price"]
    assert f"~ price pro_monthly: 29.00 USD/month -> 35.00 USD/month (new price, lookup key moves from {old_id})" in (
        "\n".join(lines)
    )
    assert stripe_client.v1.prices.retrieve(old_id).lookup_key == "pro_monthly"  # dry run wrote nothing

    _, new_prices = CatalogSync(gateway, changed).run(out=lambda _line: None)
    new_id = new_prices["pro_monthly"]
    assert new_id != old_id
    new, old = stripe_client.v1.prices.retrieve(new_id), stripe_client.v1.prices.retrieve(old_id)
    assert new.lookup_key == "pro_monthly" and new.unit_amount == 3500 and new.active
    assert old.lookup_key is None and old.active is False
    assert new.product == old.product  # same product, immutable price replaced
    assert [p.id for p in by_key(stripe_client, "pro_monthly")] == [new_id]
    assert {k: v for k, v in new_prices.items() if k != "pro_monthly"} == {
        k: v for k, v in old_prices.items() if k != "pro_monthly"
    }
    # And it is idempotent afterwards.
    assert CatalogSync(gateway, changed).plan().empty


def test_an_interrupted_move_is_completed_by_the_next_run(gateway, stripe_client):
    prices = sync_catalog(gateway, load_catalog())
    old = stripe_client.v1.prices.retrieve(prices["starter_monthly"])
    # A run that died after creating the new price (the key moved) and before archiving the old one.
    stripe_client.v1.prices.create(
        params={
            "product": old.product,
            "currency": "usd",
            "unit_amount": 900,
            "recurring": {"interval": "month"},
            "lookup_key": "starter_monthly",
            "transfer_lookup_key": True,
            "metadata": {"plan_id": "starter", "catalog_lookup_key": "starter_monthly"},
        }
    )
    plan = CatalogSync(gateway, load_catalog()).plan()
    assert [(a.kind, a.object_id) for a in plan.actions] == [("archive_price", old.id)]
    CatalogSync(gateway, load_catalog()).apply(plan)
    assert stripe_client.v1.prices.retrieve(old.id).active is False


def test_an_archived_matching_price_is_reactivated(gateway, stripe_client):
    prices = sync_catalog(gateway, load_catalog())
    stripe_client.v1.prices.update(prices["pro_yearly"], params={"active": False})
    plan = CatalogSync(gateway, load_catalog()).plan()
    assert [(a.kind, a.lookup_key) for a in plan.actions] == [("reactivate_price", "pro_yearly")]
    assert sync_catalog(gateway, load_catalog())["pro_yearly"] == prices["pro_yearly"]
    assert stripe_client.v1.prices.retrieve(prices["pro_yearly"]).active is True


def test_products_made_elsewhere_are_adopted_by_plan_metadata(gateway, stripe_client):
    # A product made by hand (or by an older seeding) with the plan id but no prices yet.
    product = stripe_client.v1.products.create(params={"name": "Old name", "metadata": {"plan_id": "starter"}})
    plan = CatalogSync(gateway, load_catalog()).plan()
    update = next(a for a in plan.actions if a.kind == "update_product")
    assert update.object_id == product.id and set(update.params) == {"name", "description", "metadata"}
    assert not any(a.kind == "create_product" and a.plan_id == "starter" for a in plan.actions)
    prices = CatalogSync(gateway, load_catalog()).apply(plan)
    assert stripe_client.v1.prices.retrieve(prices["starter_monthly"]).product == product.id
    assert stripe_client.v1.products.retrieve(product.id).name == "Starter"


def test_a_coupon_with_other_terms_is_refused(gateway, stripe_client):
    stripe_client.v1.coupons.create(params={"id": "RETENTION_30_OFF_3M", "percent_off": 50, "duration": "once"})
    with pytest.raises(CatalogSyncError) as exc:
        CatalogSync(gateway, load_catalog()).run(out=lambda _line: None)
    assert "coupons are immutable" in exc.value.errors[0]
    assert list(stripe_client.v1.products.list().data) == []  # nothing applied


def test_command_line_dry_run_and_live_key_refusal(stripe_emulator, monkeypatch, capsys):
    monkeypatch.setenv("STRIPE_SECRET_KEY", stripe_emulator.secret_key)
    monkeypatch.setenv("STRIPE_API_BASE", stripe_emulator.api_base)
    monkeypatch.setenv("STAGE", "local")
    monkeypatch.delenv("CATALOG_PATH", raising=False)
    assert main(["--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "+ price starter_monthly 9.00 USD/month" in out
    assert stripe_emulator.secret_key not in out
    assert main([]) == 0
    assert main([]) == 0
    assert capsys.readouterr().out.strip().endswith("catalog sync: no changes")

    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_live_notarealkey")
    assert main(["--dry-run"]) == 1
    err = capsys.readouterr().err
    assert "live Stripe key" in err and "sk_live" not in err
