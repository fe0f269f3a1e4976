"""Coupons and promotion codes, and the validity / redemption functions other modules call."""

from __future__ import annotations

import time
from typing import Any

import pytest
import stripe
from stripe_emulator import EmulatorServer
from stripe_emulator.errors import StripeAPIError
from stripe_emulator.resources.coupons import coupon_valid, redeem_coupon
from stripe_emulator.resources.promotion_codes import promotion_code_valid, redeem_promotion_code


def test_percent_and_amount_coupons(stripe_client: stripe.StripeClient) -> None:
    pct = stripe_client.v1.coupons.create(params={"percent_off": 25, "duration": "repeating", "duration_in_months": 3})
    assert pct.percent_off == 25.0 and pct.duration_in_months == 3 and pct.valid and pct.times_redeemed == 0
    amt = stripe_client.v1.coupons.create(
        params={"id": "TENOFF", "amount_off": 1000, "currency": "USD", "duration": "forever", "name": "Ten off"}
    )
    assert amt.id == "TENOFF" and amt.currency == "usd" and amt.percent_off is None
    assert "applies_to" not in amt.to_dict()
    assert stripe_client.v1.events.list(params={"type": "coupon.created"}).data[0].data.object["id"] == "TENOFF"


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"amount_off": 100, "duration": "once"}, "currency"),
        ({"percent_off": 0, "duration": "once"}, "percent_off"),
        ({"percent_off": 10, "amount_off": 1, "currency": "usd"}, "percent_off"),
        ({"percent_off": 10, "duration": "repeating"}, "duration_in_months"),
        ({"percent_off": 10, "duration": "once", "duration_in_months": 2}, "duration_in_months"),
        ({"percent_off": 10, "redeem_by": 1}, "redeem_by"),
    ],
)
def test_coupon_validation(stripe_client: stripe.StripeClient, params: dict, param: str) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.coupons.create(params=params)  # type: ignore[arg-type]
    assert exc.value.param == param


def test_applies_to_is_included_on_expand(stripe_client: stripe.StripeClient) -> None:
    prod = stripe_client.v1.products.create(params={"name": "Pro"})
    c = stripe_client.v1.coupons.create(params={"percent_off": 10, "applies_to": {"products": [prod.id]}})
    got = stripe_client.v1.coupons.retrieve(c.id, params={"expand": ["applies_to"]})
    assert got.applies_to is not None and got.applies_to.products == [prod.id]


def test_max_redemptions_and_delete(stripe_emulator: EmulatorServer, stripe_client: stripe.StripeClient) -> None:
    b = stripe_emulator.backend
    c = stripe_client.v1.coupons.create(params={"percent_off": 10, "max_redemptions": 1})
    assert coupon_valid(b, c.id)["id"] == c.id
    redeem_coupon(b, c.id)
    got = stripe_client.v1.coupons.retrieve(c.id)
    assert got.times_redeemed == 1 and got.valid is False
    with pytest.raises(StripeAPIError) as exc:
        coupon_valid(b, c.id)
    assert exc.value.status == 400
    stripe_client.v1.coupons.update(c.id, params={"name": "Launch", "metadata": {"k": "v"}})
    assert stripe_client.v1.coupons.delete(c.id).deleted is True
    with pytest.raises(stripe.InvalidRequestError) as exc2:
        stripe_client.v1.coupons.retrieve(c.id)
    assert exc2.value.http_status == 404
    assert stripe_client.v1.coupons.list().data == []


def test_promotion_code_shape_and_restrictions(
    stripe_emulator: EmulatorServer, stripe_client: stripe.StripeClient
) -> None:
    b = stripe_emulator.backend
    c = stripe_client.v1.coupons.create(params={"percent_off": 20, "duration": "once"})
    cus = stripe_client.v1.customers.create(params={})
    promo = stripe_client.v1.promotion_codes.create(
        params={
            "promotion": {"type": "coupon", "coupon": c.id},
            "code": "SPRING20",
            "max_redemptions": 2,
            "restrictions": {"minimum_amount": 1000, "minimum_amount_currency": "usd"},
        }
    )
    assert promo.promotion.type == "coupon" and promo.promotion.coupon == c.id and promo.code == "SPRING20"
    assert promo.restrictions.minimum_amount == 1000 and promo.restrictions.first_time_transaction is False
    assert promotion_code_valid(b, "spring20", customer=cus.id, amount=1500, currency="usd")["id"] == promo.id
    with pytest.raises(StripeAPIError):
        promotion_code_valid(b, promo.id, amount=500, currency="usd")
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.promotion_codes.create(
            params={"promotion": {"type": "coupon", "coupon": c.id}, "code": "spring20"}
        )
    redeem_promotion_code(b, promo.id)
    redeem_promotion_code(b, promo.id)
    assert stripe_client.v1.promotion_codes.retrieve(promo.id).times_redeemed == 2
    assert stripe_client.v1.coupons.retrieve(c.id).times_redeemed == 2
    with pytest.raises(StripeAPIError):
        promotion_code_valid(b, promo.id)
    listed = stripe_client.v1.promotion_codes.list(params={"code": "SPRING20", "coupon": c.id}).data
    assert [p.id for p in listed] == [promo.id]


def test_promotion_code_customer_expiry_and_deactivate(
    stripe_emulator: EmulatorServer, stripe_client: stripe.StripeClient
) -> None:
    b = stripe_emulator.backend
    c = stripe_client.v1.coupons.create(params={"amount_off": 500, "currency": "usd"})
    cus = stripe_client.v1.customers.create(params={})
    promo = stripe_client.v1.promotion_codes.create(
        params={"promotion": {"type": "coupon", "coupon": c.id}, "customer": cus.id,
                "expires_at": int(time.time()) + 3600}
    )  # fmt: skip
    with pytest.raises(StripeAPIError):
        promotion_code_valid(b, promo.id, customer="cus_other")
    assert promotion_code_valid(b, promo.id, customer=cus.id)["id"] == promo.id
    off = stripe_client.v1.promotion_codes.update(promo.id, params={"active": False})
    assert off.active is False
    with pytest.raises(StripeAPIError):
        promotion_code_valid(b, promo.id, customer=cus.id)
    prev = stripe_client.v1.events.list(params={"type": "promotion_code.updated"}).data[0].data.previous_attributes
    assert prev is not None and prev.to_dict() == {"active": True}


# --- redemptions through subscriptions --------------------------------------------------------------------------
def _subscriber(client: stripe.StripeClient) -> tuple[Any, Any]:
    cus = client.v1.customers.create(params={"email": "jenny@example.com"})
    pm = client.v1.payment_methods.attach("pm_card_visa", params={"customer": cus.id})
    client.v1.customers.update(cus.id, params={"invoice_settings": {"default_payment_method": pm.id}})
    product = client.v1.products.create(params={"name": "Pro"})
    pr = client.v1.prices.create(
        params={"product": product.id, "unit_amount": 2000, "currency": "usd", "recurring": {"interval": "month"}}
    )
    return cus, pr


def test_a_coupon_applied_on_create_and_update_counts_redemptions_up_to_max(
    stripe_client: stripe.StripeClient,
) -> None:
    c = stripe_client.v1.coupons.create(params={"percent_off": 10, "duration": "forever", "max_redemptions": 2})
    cus, pr = _subscriber(stripe_client)
    first = stripe_client.v1.subscriptions.create(
        params={"customer": cus.id, "items": [{"price": pr.id}], "discounts": [{"coupon": c.id}]}
    )
    assert stripe_client.v1.coupons.retrieve(c.id).times_redeemed == 1
    second = stripe_client.v1.subscriptions.create(params={"customer": cus.id, "items": [{"price": pr.id}]})
    assert stripe_client.v1.coupons.retrieve(c.id).times_redeemed == 1
    stripe_client.v1.subscriptions.update(second.id, params={"discounts": [{"coupon": c.id}]})
    got = stripe_client.v1.coupons.retrieve(c.id)
    assert got.times_redeemed == 2 and got.valid is False
    # Keeping the discount already applied is not a new redemption.
    kept = stripe_client.v1.subscriptions.update(first.id, params={"discounts": [{"coupon": c.id}]})
    assert kept.discounts == first.discounts
    assert stripe_client.v1.coupons.retrieve(c.id).times_redeemed == 2
    before = len(stripe_client.v1.subscriptions.list(params={"customer": cus.id}).data)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.subscriptions.create(
            params={"customer": cus.id, "items": [{"price": pr.id}], "discounts": [{"coupon": c.id}]}
        )
    assert exc.value.http_status == 400 and "discounts" in str(exc.value.param)
    assert len(stripe_client.v1.subscriptions.list(params={"customer": cus.id}).data) == before
    assert stripe_client.v1.coupons.retrieve(c.id).times_redeemed == 2


def test_a_promotion_code_on_a_subscription_counts_on_the_code_and_its_coupon(
    stripe_client: stripe.StripeClient,
) -> None:
    c = stripe_client.v1.coupons.create(params={"percent_off": 20, "duration": "forever"})
    promo = stripe_client.v1.promotion_codes.create(
        params={"promotion": {"type": "coupon", "coupon": c.id}, "code": "ONLY20", "max_redemptions": 1}
    )
    cus, pr = _subscriber(stripe_client)
    sub = stripe_client.v1.subscriptions.create(
        params={"customer": cus.id, "items": [{"price": pr.id}], "discounts": [{"promotion_code": promo.id}]}
    )
    assert len(sub.discounts) == 1
    assert stripe_client.v1.promotion_codes.retrieve(promo.id).times_redeemed == 1
    assert stripe_client.v1.coupons.retrieve(c.id).times_redeemed == 1
    other = stripe_client.v1.subscriptions.create(params={"customer": cus.id, "items": [{"price": pr.id}]})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.subscriptions.update(other.id, params={"discounts": [{"promotion_code": promo.id}]})
    assert "fully redeemed" in str(exc.value.user_message)
    assert stripe_client.v1.subscriptions.retrieve(other.id).discounts == []
    assert stripe_client.v1.coupons.retrieve(c.id).times_redeemed == 1


def test_a_preview_with_a_coupon_redeems_nothing(stripe_client: stripe.StripeClient) -> None:
    c = stripe_client.v1.coupons.create(params={"percent_off": 10, "duration": "once", "max_redemptions": 1})
    cus, pr = _subscriber(stripe_client)
    stripe_client.v1.invoices.create_preview(
        params={
            "customer": cus.id,
            "subscription_details": {"items": [{"price": pr.id}]},
            "discounts": [{"coupon": c.id}],
        }
    )
    got = stripe_client.v1.coupons.retrieve(c.id)
    assert got.times_redeemed == 0 and got.valid is True
