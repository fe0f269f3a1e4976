"""The retention offer taken in the hosted portal is recorded from the subscription event (ACCOUNT#<id>/OFFER#<id>),
exactly where plan_change and portal_session look for it; conditional and idempotent."""

from __future__ import annotations

from typing import Any

import pytest
from billing_core.catalog.model import get_catalog
from billing_core.retention_offer import RetentionOfferStore
from webhook.offers import CLAIMED_BY_PREFIX, RetentionOfferRecorder

from tests.helpers import aws as h
from tests.unit.webhook.webhook_harness import Harness, stripe_event, subscription

SUB = "user-olga"
ACCT = f"p_{SUB}"
CUS = "cus_olga"
OFFER = get_catalog().retention_offer
assert OFFER is not None
COUPON = OFFER.coupon.id


class FakeDiscounts:
    """Stripe's view of each subscription's discounts (coupon ids), counting the reads."""

    def __init__(self) -> None:
        self.coupons: dict[str, list[str]] = {}
        self.reads: list[str] = []

    def __call__(self, subscription_id: str) -> list[str]:
        self.reads.append(subscription_id)
        return list(self.coupons.get(subscription_id, []))


@pytest.fixture
def discounts(wh: Harness) -> FakeDiscounts:
    h.put_mapping(SUB, CUS)
    fake = FakeDiscounts()
    wh.processor.offers = RetentionOfferRecorder(discounts=fake, directory=wh.processor.directory)
    return wh.processor.offers.discounts  # type: ignore[return-value]


def discounted(discount_list: list[Any], event_type: str = "customer.subscription.updated") -> dict[str, Any]:
    obj = subscription(sub_id="sub_olga", customer=CUS)
    obj["discounts"] = discount_list
    return stripe_event(event_type, obj)


def offer_item() -> dict[str, Any] | None:
    return h.get_item(f"ACCOUNT#p_{SUB}", f"OFFER#{OFFER.id}")


def test_coupon_accepted_in_the_portal_records_the_offer_item_plan_change_and_portal_session_read(
    wh: Harness, discounts: FakeDiscounts
) -> None:
    wh.stripe.set(CUS, subscription(sub_id="sub_olga", customer=CUS))
    discounts.coupons["sub_olga"] = [COUPON]
    event = discounted(["di_1"])
    assert wh.deliver(event)["statusCode"] == 200
    item = offer_item()
    assert item is not None
    assert item["claimed_by"]["S"] == CLAIMED_BY_PREFIX + event["id"]
    assert (item["subscription_id"]["S"], item["coupon"]["S"]) == ("sub_olga", COUPON)
    assert int(item["claimed_at"]["N"]) > 0
    assert discounts.reads == ["sub_olga"]  # the event names discounts by id: read back from Stripe
    assert RetentionOfferStore().claimed_by(ACCT, OFFER.id) == CLAIMED_BY_PREFIX + event["id"]
    assert RetentionOfferStore().used(ACCT, OFFER.id) is True


def test_redelivery_and_later_events_keep_the_first_record(wh: Harness, discounts: FakeDiscounts) -> None:
    wh.stripe.set(CUS, subscription(sub_id="sub_olga", customer=CUS))
    discounts.coupons["sub_olga"] = [COUPON]
    first = discounted(["di_1"])
    wh.deliver(first)
    recorded = offer_item()
    assert wh.deliver(first)["json"]["outcome"] == "duplicate"
    later = discounted(["di_1"])
    assert wh.deliver(later)["statusCode"] == 200
    assert offer_item() == recorded


def test_an_offer_claimed_by_plan_change_is_not_overwritten(wh: Harness, discounts: FakeDiscounts) -> None:
    RetentionOfferStore().claim(ACCT, OFFER.id, "fingerprint-of-the-api-request", "sub_olga", COUPON)
    before = offer_item()
    discounts.coupons["sub_olga"] = [COUPON]
    wh.stripe.set(CUS, subscription(sub_id="sub_olga", customer=CUS))
    assert wh.deliver(discounted(["di_1"]))["statusCode"] == 200
    assert offer_item() == before
    assert RetentionOfferStore().claimed_by(ACCT, OFFER.id) == "fingerprint-of-the-api-request"


def test_other_coupons_or_no_discounts_record_nothing(wh: Harness, discounts: FakeDiscounts) -> None:
    wh.stripe.set(CUS, subscription(sub_id="sub_olga", customer=CUS))
    discounts.coupons["sub_olga"] = ["SPRING10"]
    assert wh.deliver(discounted(["di_2"]))["statusCode"] == 200
    assert wh.deliver(discounted([]))["statusCode"] == 200
    assert offer_item() is None
    assert discounts.reads == ["sub_olga"]  # no Stripe read for an event without discounts


def test_expanded_discounts_in_the_payload_need_no_stripe_read(wh: Harness, discounts: FakeDiscounts) -> None:
    wh.stripe.set(CUS, subscription(sub_id="sub_olga", customer=CUS))
    expanded = {"id": "di_3", "object": "discount", "source": {"type": "coupon", "coupon": COUPON}}
    assert wh.deliver(discounted([expanded], "customer.subscription.created"))["statusCode"] == 200
    assert offer_item() is not None
    assert discounts.reads == []


def test_non_subscription_events_are_not_inspected(wh: Harness, discounts: FakeDiscounts) -> None:
    wh.stripe.set(CUS, subscription(sub_id="sub_olga", customer=CUS))
    discounts.coupons["sub_olga"] = [COUPON]
    obj = subscription(sub_id="sub_olga", customer=CUS)
    obj["discounts"] = ["di_1"]
    assert wh.deliver(stripe_event("customer.subscription.paused", obj))["statusCode"] == 200
    assert offer_item() is None and discounts.reads == []


def test_a_throttled_offer_write_is_5xx_and_the_retry_records_it(wh: Harness, discounts: FakeDiscounts) -> None:
    wh.stripe.set(CUS, subscription(sub_id="sub_olga", customer=CUS))
    discounts.coupons["sub_olga"] = [COUPON]
    wh.ddb.fail_if = lambda name, kw: (
        name == "put_item" and kw.get("Item", {}).get("sk", {}).get("S", "").startswith("OFFER#")
    )
    event = discounted(["di_1"])
    assert wh.deliver(event)["statusCode"] >= 500
    assert offer_item() is None
    wh.ddb.fail_if = None
    assert wh.deliver(event)["statusCode"] == 200
    assert offer_item() is not None
