"""The cancellation flow's one rule function: the reason picks the offer, in catalog order, each once per customer."""

from __future__ import annotations

import json

import pytest
from billing_core.catalog.model import Catalog, get_catalog
from billing_core.catalog.plans import CANCEL_REASONS
from billing_core.errors import ConfigurationError
from billing_core.retention.offers import Situation, cheaper_price, choose_offer, situation_of
from hypothesis import given
from hypothesis import strategies as st

CATALOG = get_catalog()
COUPON_ID = CATALOG.retention_offer.id


def pro(reason: str, **extra: object) -> Situation:
    fields: dict[str, object] = {"status": "active", "plan_id": "pro", "price_lookup_key": "pro_monthly"}
    fields.update(extra)
    return Situation(reason=reason, **fields)  # type: ignore[arg-type]


def never(_: str) -> bool:
    return False


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("temporary", "pause"),
        ("too_expensive", "pause"),
        ("switched_service", "coupon"),
        ("missing_features", None),
        ("other", None),
    ],
)
def test_the_reason_picks_the_offer(reason: str, kind: str | None) -> None:
    offer = choose_offer(CATALOG, pro(reason), never)
    assert (offer.kind if offer else None) == kind


def test_too_expensive_falls_to_the_cheaper_plan_then_the_coupon_as_each_is_used() -> None:
    used: set[str] = {"pause"}
    offer = choose_offer(CATALOG, pro("too_expensive"), used.__contains__)
    assert offer is not None and offer.kind == "cheaper_plan" and offer.to_lookup_key == "starter_monthly"
    used.add("cheaper_plan")
    offer = choose_offer(CATALOG, pro("too_expensive"), used.__contains__)
    assert offer is not None and offer.kind == "coupon" and offer.id == COUPON_ID
    used.add(COUPON_ID)
    assert choose_offer(CATALOG, pro("too_expensive"), used.__contains__) is None


def test_a_subscription_that_cannot_pause_gets_the_next_offer() -> None:
    for blocked in ({"has_schedule": True}, {"billing_mode": "classic"}, {"status": "trialing"}):
        offer = choose_offer(CATALOG, pro("too_expensive", **blocked), never)
        assert offer is not None and offer.kind != "pause", blocked
    assert choose_offer(CATALOG, pro("temporary", status="past_due"), never) is None


def test_the_pause_offers_the_plans_pause_lengths_or_those_the_rule_lists() -> None:
    offer = choose_offer(CATALOG, pro("temporary"), never)
    assert offer is not None and offer.periods == CATALOG.plan("pro").pause.durations
    rules = [r.model_dump() for r in CATALOG.retention_rules]
    rules[0]["periods"] = [2, 6]
    only_two = catalog_with(retention={"rules": rules})
    assert choose_offer(only_two, pro("temporary"), never).periods == (2,)
    plans = json.loads(CATALOG.model_dump_json())["plans"]
    for plan in plans:
        plan["pause"] = None
    assert choose_offer(catalog_with(plans=plans), pro("temporary"), never) is None  # no plan can pause


def test_starter_has_no_cheaper_plan_and_no_coupon() -> None:
    starter = Situation(
        reason="too_expensive", status="trialing", plan_id="starter", price_lookup_key="starter_monthly"
    )
    assert choose_offer(CATALOG, starter, never) is None


def test_a_discounted_subscription_gets_no_coupon() -> None:
    assert choose_offer(CATALOG, pro("switched_service", has_discount=True), never) is None


def test_the_store_is_asked_only_about_offers_that_otherwise_fit() -> None:
    asked: list[str] = []

    def ask(offer_id: str) -> bool:
        asked.append(offer_id)
        return False

    choose_offer(CATALOG, pro("switched_service"), ask)
    assert asked == [COUPON_ID]
    asked.clear()
    assert choose_offer(CATALOG, pro("missing_features"), ask) is None
    assert asked == []


def test_cheaper_price_is_the_closest_allowed_downgrade_in_the_same_interval() -> None:
    assert cheaper_price(CATALOG, "pro_monthly", 1) == ("starter_monthly", 1)
    assert cheaper_price(CATALOG, "pro_yearly", 1) == ("starter_yearly", 1)
    assert cheaper_price(CATALOG, "business_seat_monthly", 3) == ("pro_monthly", 1)
    assert cheaper_price(CATALOG, "starter_monthly", 1) is None
    assert cheaper_price(CATALOG, "not_in_catalog", 1) is None


def test_situation_is_read_from_the_subscription() -> None:
    sub = {
        "status": "active",
        "items": {"data": [{"price": {"lookup_key": "business_seat_monthly"}, "quantity": 7}]},
        "discounts": ["di_1"],
        "schedule": "sub_sched_1",
        "cancel_at_period_end": False,
        "billing_mode": {"type": "flexible"},
    }
    s = situation_of(CATALOG, sub, "too_expensive")
    assert (s.plan_id, s.price_lookup_key, s.quantity) == ("business", "business_seat_monthly", 7)
    assert s.has_discount and s.has_schedule and not s.canceling and s.billing_mode == "flexible"


# -- the catalog's retention rules --------------------------------------------------------------------------
def catalog_with(**changes: object) -> Catalog:
    data = json.loads(CATALOG.model_dump_json())
    data.update(changes)
    return Catalog.model_validate(data)


def test_a_catalog_with_only_the_retention_offer_offers_its_coupon_for_every_reason() -> None:
    legacy = catalog_with(retention=None)
    for reason in CANCEL_REASONS:
        offer = choose_offer(legacy, pro(reason), never)
        assert offer is not None and offer.kind == "coupon", reason


@pytest.mark.parametrize(
    "rules",
    [
        [{"offer": "coupon", "reasons": ["temporary"], "periods": [1]}],
        [{"offer": "coupon", "reasons": []}],
        [{"offer": "coupon", "reasons": ["too_expensive"]}, {"offer": "coupon", "reasons": ["temporary"]}],
        [{"offer": "cheaper_plan", "reasons": ["too_expensive"], "plans": ["enterprise"]}],
        [{"offer": "pause", "reasons": ["hiatus"], "periods": [1]}],
    ],
)
def test_invalid_retention_rules_are_refused_on_load(rules: list[dict[str, object]], tmp_path) -> None:
    from billing_core.catalog.model import load_catalog

    data = json.loads(CATALOG.model_dump_json())
    data["retention"] = {"rules": rules}
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigurationError):
        load_catalog(path)


def test_a_coupon_rule_needs_the_retention_offer() -> None:
    with pytest.raises(ValueError, match="retention_offer"):
        catalog_with(retention_offer=None)


# -- properties ---------------------------------------------------------------------------------------------
OFFER_IDS = ("pause", "cheaper_plan", COUPON_ID)
#: The demo catalog with one rule each: what that rule alone would answer.
ALONE = {rule.offer: catalog_with(retention={"rules": [rule.model_dump()]}) for rule in CATALOG.retention_rules}
situations = st.builds(
    Situation,
    reason=st.sampled_from(CANCEL_REASONS),
    status=st.sampled_from(["active", "trialing", "past_due", "incomplete", "canceled"]),
    plan_id=st.sampled_from(["starter", "pro", "business", None]),
    price_lookup_key=st.sampled_from(["starter_monthly", "pro_yearly", "pro_monthly", "business_seat_monthly", None]),
    quantity=st.integers(1, 60),
    has_discount=st.booleans(),
    has_schedule=st.booleans(),
    canceling=st.booleans(),
    billing_mode=st.sampled_from(["flexible", "classic", None]),
)


@given(situations, st.frozensets(st.sampled_from(OFFER_IDS)))
def test_the_offer_is_the_first_rule_for_the_reason_that_is_unused_and_fits(
    situation: Situation, used: frozenset[str]
) -> None:
    offer = choose_offer(CATALOG, situation, used.__contains__)
    if offer is None:
        return
    assert offer.id not in used
    rules = CATALOG.retention_rules
    index = next(i for i, r in enumerate(rules) if r.offer == offer.kind)
    assert situation.reason in rules[index].reasons
    # no earlier rule for this reason would have answered with everything it needs
    for earlier in rules[:index]:
        if situation.reason in earlier.reasons:
            assert choose_offer(ALONE[earlier.offer], situation, used.__contains__) is None
    assert not situation.canceling
    if offer.kind == "pause":
        assert situation.status == "active" and not situation.has_schedule and situation.billing_mode != "classic"
        assert offer.periods and situation.plan_id is not None
    if offer.kind == "coupon":
        assert not situation.has_discount and situation.plan_id in ("pro", "business")


@given(situations, st.frozensets(st.sampled_from(OFFER_IDS)))
def test_missing_features_never_gets_an_offer(situation: Situation, used: frozenset[str]) -> None:
    missing = Situation(**{**situation.__dict__, "reason": "missing_features"})
    assert choose_offer(CATALOG, missing, used.__contains__) is None


def test_the_portal_coupon_follows_the_coupon_rule() -> None:
    from billing_core.retention_offer import eligible_offer

    sub = {"status": "active", "items": {"data": [{"price": {"lookup_key": "pro_monthly"}, "quantity": 1}]}}
    assert eligible_offer(CATALOG, sub, never) is CATALOG.retention_offer
    no_coupon = catalog_with(
        retention={"rules": [r.model_dump() for r in CATALOG.retention_rules if r.offer != "coupon"]}
    )
    assert eligible_offer(no_coupon, sub, never) is None
    assert eligible_offer(catalog_with(retention=None), sub, never) is not None  # a catalog without rules
    business_only = catalog_with(
        retention={"rules": [{"offer": "coupon", "reasons": ["switched_service"], "plans": ["business"]}]}
    )
    assert eligible_offer(business_only, sub, never) is None
