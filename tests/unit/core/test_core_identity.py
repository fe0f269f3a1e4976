"""Identity comes only from the authorizer claims: A1 (no claims -> 401), A5 (ID token -> 403)."""

import pytest
from billing_core.errors import Forbidden, Unauthenticated
from billing_core.identity import caller_from_event

from tests.helpers.apigw import access_claims, http_event


def test_access_token_gives_the_caller_sub():
    caller = caller_from_event(http_event("GET", "/billing", sub="abc-123"))
    assert caller.sub == "abc-123"


@pytest.mark.parametrize(
    "event",
    [
        None,
        {},
        {"requestContext": {}},
        {"requestContext": {"authorizer": {}}},
        {"requestContext": {"authorizer": {"jwt": {"claims": {}}}}},
        http_event("GET", "/billing", claims=None),
    ],
)
def test_a1_event_without_claims_is_unauthenticated(event):
    with pytest.raises(Unauthenticated) as err:
        caller_from_event(event)
    assert err.value.status == 401


def test_a1_claims_without_sub_are_unauthenticated():
    claims = access_claims("x")
    del claims["sub"]
    with pytest.raises(Unauthenticated):
        caller_from_event(http_event("GET", "/billing", claims=claims))


@pytest.mark.parametrize("token_use", ["id", "", "refresh"])
def test_a5_non_access_token_is_forbidden(token_use):
    with pytest.raises(Forbidden) as err:
        caller_from_event(http_event("GET", "/billing", token_use=token_use))
    assert err.value.status == 403


def test_a4_only_sub_identifies_the_caller_not_username_or_custom_claims():
    claims = access_claims("real-sub") | {"custom:customer_id": "cus_evil", "username": "someone-else"}
    assert caller_from_event(http_event("GET", "/billing", claims=claims)).sub == "real-sub"


def test_the_customer_claim_of_the_verified_token_names_the_callers_customer():
    claims = access_claims("abc-123") | {"stripe_customer_id": "cus_Q1w2E3r4"}
    assert caller_from_event(http_event("GET", "/billing", claims=claims)).customer_id == "cus_Q1w2E3r4"
    assert caller_from_event(http_event("GET", "/billing", sub="abc-123")).customer_id is None


@pytest.mark.parametrize("value", ["", "cus_", "sub_123", "cus_1 OR 1=1", 42, "cus_" + "a" * 251])
def test_a_malformed_customer_claim_is_ignored(value):
    claims = access_claims("abc-123") | {"stripe_customer_id": value}
    assert caller_from_event(http_event("GET", "/billing", claims=claims)).customer_id is None


def test_the_customer_comes_only_from_the_claims_never_from_headers_or_query():
    event = http_event(
        "GET",
        "/billing",
        sub="abc-123",
        query={"stripe_customer_id": "cus_evil"},
        headers={"stripe-customer-id": "cus_evil", "x-stripe-customer-id": "cus_evil"},
    )
    assert caller_from_event(event).customer_id is None


def test_the_token_customer_counts_only_for_the_account_the_token_answers_for():
    """The ``stripe_customer_id`` claim belongs to the token's ``billing_account`` (the personal account when the
    claim is absent); on any other account the caller has no token customer and the directory is read."""
    from dataclasses import replace

    from billing_core.identity import personal_account_id

    team = "t_" + "a" * 20
    plain = caller_from_event(
        http_event("GET", "/billing", claims=access_claims("u-1") | {"stripe_customer_id": "cus_P"})
    )
    assert plain.token_account is None and plain.token_customer_id == "cus_P"
    assert replace(plain, account_id=team, role="owner").token_customer_id is None
    claims = access_claims("u-1") | {"stripe_customer_id": "cus_T", "billing_account": team}
    for_team = caller_from_event(http_event("GET", "/billing", claims=claims))
    assert for_team.token_account == team and for_team.token_customer_id is None  # acting on the personal account
    assert replace(for_team, account_id=team).token_customer_id == "cus_T"
    assert replace(for_team, account_id=personal_account_id("u-1")).token_customer_id is None
    bad = caller_from_event(http_event("GET", "/billing", claims=claims | {"billing_account": "garbage!"}))
    assert bad.token_account is None and replace(bad, account_id=team).token_customer_id is None
