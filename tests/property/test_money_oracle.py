"""Property: every amount and date the API shows equals what Stripe (the emulator) then invoices and charges.

Hypothesis draws a starting billing state and an action at a time inside the period (``billing_states``); the
oracle (``money_oracle.check``) applies it through the real handlers and follows the test clock through the next
renewal. The profile comes from HYPOTHESIS_PROFILE: ``oracle-ci`` (default, `make test`) or ``soak`` (`make soak`).
"""

from __future__ import annotations

import os
import time
from collections import Counter

import pytest
from hypothesis import given

from tests.integration.plan_change.plan_change_setup import World
from tests.property.billing_states import KINDS, Scenario, build, scenarios
from tests.property.money_oracle import check
from tests.property.oracle_profiles import oracle_settings

SOAK = os.environ.get("HYPOTHESIS_PROFILE") == "soak"


@pytest.mark.slow
@pytest.mark.xdist_group("money_oracle")
@pytest.mark.timeout(7200 if SOAK else 600)
@pytest.mark.parametrize("kind", KINDS)
def test_every_amount_and_date_shown_is_what_stripe_invoices_and_charges(world: World, kind: str) -> None:
    """One Hypothesis run per starting kind, so every kind of state is walked in every run."""
    ran: Counter[str] = Counter()
    started = time.monotonic()

    @oracle_settings()
    @given(scenarios(kinds=(kind,)))
    def oracle(scenario: Scenario) -> None:
        ran[f"{scenario.state.kind}/{scenario.action.kind}"] += 1
        check(world, build(world, scenario))

    try:
        oracle()
    finally:
        # printed, not asserted: timings belong to `make bench`
        print(
            f"\nmoney oracle ({kind}): {sum(ran.values())} examples in {time.monotonic() - started:.1f}s; "
            + ", ".join(f"{k} {v}" for k, v in sorted(ran.items()))
        )
