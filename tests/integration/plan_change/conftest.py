"""plan_change integration fixtures: moto + the Stripe emulator, the catalog synced, helpers to call routes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.plan_change.plan_change_setup import World


@pytest.fixture
def world(stripe_env, stripe_emulator, stripe_client) -> Iterator[World]:
    from plan_change import stripe_billing

    from local.stack.seed import sync_catalog

    stripe_billing.reset_caches()
    prices = sync_catalog(stripe_client)
    yield World(stripe=stripe_client, prices=prices, emulator=stripe_emulator, sub_a=stripe_env.user_sub)
    stripe_billing.reset_caches()


@pytest.fixture
def count_stripe_writes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every Stripe write the function's adapter makes (operation names)."""
    from billing_core.stripe_gateway import StripeGateway

    writes: list[str] = []
    original = StripeGateway.call
    reads = ("retrieve", "list", "create_preview", "search")

    def call(self, operation, fn):
        if not operation.endswith(reads):
            writes.append(operation)
        return original(self, operation, fn)

    monkeypatch.setattr(StripeGateway, "call", call)
    return writes
