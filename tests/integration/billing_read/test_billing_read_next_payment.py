"""H3: the overview's next payment (amount and date) is Stripe's upcoming invoice, through the handler with moto
and the Stripe emulator: a change scheduled at the period end, fewer seats at the period end, a trial."""

from typing import Any

import pytest

from tests.helpers import aws as h
from tests.helpers.apigw import http_event, invoke


@pytest.fixture
def handler(stripe_env):
    from billing_read.app import handler
    from billing_read.logic import reset_caches

    reset_caches()
    return handler


@pytest.fixture
def paying_customer(stripe_env, stripe_client):
    """A mapped customer with a default card, and the catalog synced to Stripe."""
    from billing_core.stripe_gateway import get_gateway

    from admin.catalog_sync import CatalogSync

    CatalogSync(get_gateway()).run(out=lambda _line: None)
    cus = stripe_client.v1.customers.create(params={"email": stripe_env.user_email})
    pm = stripe_client.v1.payment_methods.attach("pm_card_visa", params={"customer": cus.id})
    stripe_client.v1.customers.update(cus.id, params={"invoice_settings": {"default_payment_method": pm.id}})
    h.put_mapping(stripe_env.user_sub, cus.id)
    return cus


def _price(stripe_client, lookup_key: str) -> str:
    return str(stripe_client.v1.prices.list(params={"lookup_keys": [lookup_key]}).data[0].id)


def _schedule_at_period_end(stripe_client, sub: Any, price: str, quantity: int) -> None:
    """What plan_change does for a period-end change: two phases, released after the switch."""
    item = sub["items"].data[0]
    schedule = stripe_client.v1.subscription_schedules.create(params={"from_subscription": sub.id})
    stripe_client.v1.subscription_schedules.update(
        schedule.id,
        params={
            "phases": [
                {
                    "items": [{"price": item.price.id, "quantity": item.quantity}],
                    "start_date": schedule.phases[0].start_date,
                    "end_date": item.current_period_end,
                },
                {"items": [{"price": price, "quantity": quantity}], "duration": {"interval": "month"}},
            ],
            "end_behavior": "release",
            "proration_behavior": "none",
        },
    )


def _overview(handler, stripe_env) -> dict[str, Any]:
    resp = invoke(handler, http_event("GET", "/billing", sub=stripe_env.user_sub))
    assert resp["statusCode"] == 200, resp["body"]
    (view,) = resp["json"]["subscriptions"]
    return view


def test_h3_next_payment_beside_a_scheduled_downgrade_is_the_new_plans_invoice(
    handler, stripe_env, stripe_client, paying_customer
):
    # Given Pro ($29) with a change to Starter ($9) scheduled at the period end
    sub = stripe_client.v1.subscriptions.create(
        params={"customer": paying_customer.id, "items": [{"price": _price(stripe_client, "pro_monthly")}]}
    )
    _schedule_at_period_end(stripe_client, sub, _price(stripe_client, "starter_monthly"), 1)
    # When the overview is read
    view = _overview(handler, stripe_env)
    # Then the next payment is Starter's $9 on the day of the change, shown beside that change
    period_end = sub["items"].data[0].current_period_end
    assert view["scheduled_change"]["plan_id"] == "starter"
    assert view["scheduled_change"]["effective_at"] == period_end
    assert (view["next_invoice_amount"], view["next_billing_date"]) == (900, period_end)


def test_h3_next_payment_beside_fewer_seats_at_the_period_end_is_for_the_new_seat_count(
    handler, stripe_env, stripe_client, paying_customer
):
    price = _price(stripe_client, "business_seat_monthly")
    sub = stripe_client.v1.subscriptions.create(
        params={"customer": paying_customer.id, "items": [{"price": price, "quantity": 9}]}
    )
    _schedule_at_period_end(stripe_client, sub, price, 4)
    view = _overview(handler, stripe_env)
    assert view["quantity"] == 9 and view["scheduled_change"]["quantity"] == 4
    assert view["next_invoice_amount"] == 4 * 1500
    assert view["next_billing_date"] == sub["items"].data[0].current_period_end


def test_h3_next_payment_of_a_trial_is_the_first_invoice_on_the_trial_end(
    handler, stripe_env, stripe_client, paying_customer
):
    sub = stripe_client.v1.subscriptions.create(
        params={
            "customer": paying_customer.id,
            "items": [{"price": _price(stripe_client, "pro_monthly")}],
            "trial_period_days": 14,
        }
    )
    view = _overview(handler, stripe_env)
    assert view["status"] == "trialing" and view["trial_end"] == sub.trial_end
    assert (view["next_invoice_amount"], view["next_billing_date"]) == (2900, sub.trial_end)
