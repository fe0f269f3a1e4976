"""C18: a renewal storm under Stripe's live rate limits (emulator rate-limit mode) and the template's webhook sizing.

``STORM_SUBSCRIPTIONS`` subscriptions (120 in `make test`, 25 s at load average 11 on 2 cores: a storm that still
outruns the reserved concurrency many times over; `make storm` runs 10,000) renew on one test clock; every
event is delivered with the emulator's retry behaviour, shuffled, some twice, into ``WebhookReservedConcurrency``
webhook instances (the template's default) that share ``WebhookStripeRate`` (its default) while a user loads the
billing page again and again (tests/integration/webhook/storm.py). Timings are `make bench`'s (module scale).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from billing_core.observability import logger

from local.stack.template import Template
from tests.integration.webhook.storm import Storm, summary

SUBSCRIPTIONS = int(os.environ.get("STORM_SUBSCRIPTIONS", "120"))


def template_default(name: str) -> float:
    return float(Template().doc["Parameters"][name]["Default"])


@pytest.mark.slow
@pytest.mark.xdist_group("storm")
@pytest.mark.timeout(3600)
def test_c18_every_event_of_a_renewal_storm_is_processed_once_within_stripes_limits(
    stripe_emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    logger.setLevel("WARNING")  # tens of thousands of deliveries
    try:
        storm = Storm(
            stripe_emulator,
            SUBSCRIPTIONS,
            reserved=int(template_default("WebhookReservedConcurrency")),
            webhook_rate=template_default("WebhookStripeRate"),
        )
        result = storm.run()
    finally:
        logger.setLevel("INFO")
    print(f"\nstorm: {summary(result)}")
    assert result.relevant_events == 2 * SUBSCRIPTIONS  # invoice.paid and customer.subscription.updated each
    assert (result.lost, result.doubled, result.mismatches) == (0, 0, 0)
    assert result.user_failures == 0 and result.user_requests > 0  # users never met a 429 or a 503
    assert result.refused_by_stripe == {}  # the webhook stayed inside Stripe's live limits
    assert result.throttled > 0  # the burst outran the reserved concurrency: Stripe's retries carried it
    assert result.deliveries > result.events  # duplicates and retries were delivered too
    # One read per renewal: the subscription's update reads, its paid invoice is settled by the stored record (C19)
    assert result.calls_per_relevant_event <= 0.5
