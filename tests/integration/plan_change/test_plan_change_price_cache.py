"""H5: a scheduled change to a price created after the price cache was filled shows its plan, never null."""

from __future__ import annotations

from typing import Any

from tests.helpers.apigw import http_event, invoke
from tests.integration.plan_change.plan_change_setup import World


def overview(world: World) -> dict[str, Any]:
    from billing_read.app import handler

    response = invoke(handler, http_event("GET", "/billing", sub=world.sub_a))
    assert response["statusCode"] == 200, response["body"]
    return response["json"]


def test_h5_a_schedule_pinned_to_a_price_created_after_the_cache_was_filled_shows_its_plan(world: World) -> None:
    from billing_read.logic import reset_caches

    reset_caches()
    _, _, subscription, _ = world.user_on("pro_monthly", days_in=5)
    assert overview(world)["subscriptions"][0]["scheduled_change"] is None  # the price cache is filled now

    # The catalog's starter price is re-created (new amount, lookup key moved), then a downgrade is scheduled on
    # it the way the hosted portal does it: straight in Stripe, no request through this app.
    old = world.stripe.v1.prices.retrieve(world.prices["starter_monthly"])
    new = world.stripe.v1.prices.create(
        params={
            "currency": "usd",
            "unit_amount": 1000,
            "recurring": {"interval": "month"},
            "product": old.product,
            "lookup_key": "starter_monthly",
            "transfer_lookup_key": True,
        }
    )
    schedule = world.stripe.v1.subscription_schedules.create(params={"from_subscription": subscription.id})
    phase = schedule.phases[0]
    world.stripe.v1.subscription_schedules.update(
        schedule.id,
        params={
            "phases": [
                {
                    "items": [{"price": world.prices["pro_monthly"], "quantity": 1}],
                    "start_date": phase.start_date,
                    "end_date": phase.end_date,
                },
                {"items": [{"price": new.id, "quantity": 1}], "duration": {"interval": "month", "interval_count": 1}},
            ]
        },
    )

    change = overview(world)["subscriptions"][0]["scheduled_change"]
    assert change is not None
    assert (change["plan_id"], change["plan_name"], change["price_lookup_key"]) == (
        "starter",
        "Starter",
        "starter_monthly",
    )
    assert change["effective_at"] == phase.end_date
