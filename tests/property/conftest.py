"""Money-oracle fixtures: moto + the in-process Stripe emulator with the catalog synced."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.plan_change.plan_change_setup import World


@pytest.fixture
def world(stripe_env, stripe_emulator, stripe_client) -> Iterator[World]:
    from billing_read.logic import reset_caches
    from plan_change import stripe_billing

    from local.stack.seed import sync_catalog

    stripe_billing.reset_caches()
    reset_caches()
    prices = sync_catalog(stripe_client)
    yield World(stripe=stripe_client, prices=prices, emulator=stripe_emulator, sub_a=stripe_env.user_sub)
    stripe_billing.reset_caches()
    reset_caches()
