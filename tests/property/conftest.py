"""Money-oracle fixtures: moto + the in-process Stripe emulator with the catalog synced, and the Hypothesis
profiles (``oracle-ci`` for `make test`, ``soak`` for `make soak`, chosen by HYPOTHESIS_PROFILE)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, Phase, settings

from tests.integration.plan_change.pc_world import World

_COMMON = {
    "deadline": None,
    "database": None,  # no example database: a run depends on the code alone
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "report_multiple_bugs": True,
    "print_blob": True,
}
# `make test`: a fixed, derandomized walk through the state space (same examples every run, CI reproducible).
# Per starting kind (six kinds): about 40 examples in all.
settings.register_profile("oracle-ci", max_examples=7, derandomize=True, **_COMMON)
# `make soak`: many more examples from a fresh random seed each run (the failing example's blob is printed).
settings.register_profile(
    "soak",
    max_examples=int(os.environ.get("ORACLE_EXAMPLES", "70")),
    phases=list(Phase),
    **_COMMON,
)


def oracle_settings() -> settings:
    return settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "oracle-ci"))


@pytest.fixture
def world(stripe_env, stripe_emulator, stripe_client) -> Iterator[World]:  # type: ignore[no-untyped-def]
    from billing_read.logic import reset_caches
    from plan_change import stripe_billing

    from local.stack.seed import sync_catalog

    stripe_billing.reset_caches()
    reset_caches()
    prices = sync_catalog(stripe_client)
    yield World(stripe=stripe_client, prices=prices, emulator=stripe_emulator, sub_a=stripe_env.user_sub)
    stripe_billing.reset_caches()
    reset_caches()
