"""billing_read through Mangum with payload-2.0 events, moto and the Stripe emulator."""

import time

import pytest
from billing_core import aws as core_aws
from billing_core import stripe_client
from billing_core import stripe_gateway as sg
from billing_core.errors import DependencyThrottled

from tests.helpers import aws as h
from tests.helpers.apigw import LambdaContext, http_event, invoke


@pytest.fixture
def handler(stripe_env):
    from billing_read.app import handler
    from billing_read.logic import reset_caches

    reset_caches()
    return handler


@pytest.fixture
def customer(stripe_env, stripe_client):
    """A Stripe customer (with a card and a tax id) mapped to the aws_env user."""
    cus = stripe_client.v1.customers.create(
        params={"name": "Ada Lovelace", "email": stripe_env.user_email, "metadata": {"user_sub": stripe_env.user_sub}}
    )
    h.put_mapping(stripe_env.user_sub, cus.id)
    return cus


def get(handler, path, sub, **kw):
    return invoke(handler, http_event("GET", path, sub=sub, **kw))


def test_a1_no_claims_is_401_without_dynamodb_or_stripe(handler, stripe_env, stripe_emulator, monkeypatch):
    def forbidden(*a, **k):
        raise AssertionError("no AWS call may happen before identity is established")

    monkeypatch.setattr(core_aws, "client", forbidden)
    resp = get(handler, "/billing", None, claims=None)
    assert resp["statusCode"] == 401 and resp["json"]["error"]["code"] == "unauthenticated"
    assert stripe_emulator.backend is not None


def test_a5_id_token_is_403(handler, stripe_env):
    resp = get(handler, "/billing", stripe_env.user_sub, token_use="id")
    assert resp["statusCode"] == 403 and resp["json"]["error"]["code"] == "forbidden"


def test_a6_signed_in_user_without_customer_gets_the_empty_state(handler, stripe_env, stripe_client):
    resp = get(handler, "/billing", stripe_env.user_sub)
    assert resp["statusCode"] == 200, resp["body"]
    assert resp["json"]["has_customer"] is False and resp["json"]["subscriptions"] == []
    assert resp["headers"]["cache-control"] == "no-store"
    assert list(stripe_client.v1.customers.list().data) == []
    assert h.get_item(f"ACCOUNT#p_{stripe_env.user_sub}", "CUSTOMER") is None


def test_a4_customer_in_the_query_is_rejected(handler, stripe_env):
    resp = get(handler, "/billing/invoices", stripe_env.user_sub, query={"customer": "cus_evil"})
    # Unknown query parameters are ignored by the schema and never used: the caller's own (empty) list.
    assert resp["statusCode"] == 200 and resp["json"]["invoices"] == []


def test_a7_deleted_customer_is_409_customer_gone(handler, stripe_env, customer, stripe_client):
    stripe_client.v1.customers.delete(customer.id)
    resp = get(handler, "/billing", stripe_env.user_sub)
    assert resp["statusCode"] == 409 and resp["json"]["error"]["code"] == "customer_gone"
    assert h.get_item(f"ACCOUNT#p_{stripe_env.user_sub}", "CUSTOMER")["customer_id"]["S"] == customer.id


def test_overview_of_a_mapped_customer(handler, stripe_env, customer, stripe_client):
    stripe_client.v1.customers.tax_ids.create(customer.id, params={"type": "eu_vat", "value": "DE123456789"})
    resp = get(handler, "/billing", stripe_env.user_sub)
    assert resp["statusCode"] == 200, resp["body"]
    body = resp["json"]
    assert body["has_customer"] and body["customer"]["name"] == "Ada Lovelace"
    assert body["customer"]["tax_ids"][0]["value"] == "DE123456789"
    assert body["subscriptions"] == [] and body["entitlements"]["entitled"] is False


def test_plans_route_marks_nothing_current_for_a_new_user(handler, stripe_env):
    resp = get(handler, "/billing/plans", stripe_env.user_sub)
    assert resp["statusCode"] == 200
    assert resp["json"]["can_subscribe"] is True and len(resp["json"]["plans"]) == 3


def test_invoice_query_is_validated(handler, stripe_env):
    assert get(handler, "/billing/invoices", stripe_env.user_sub, query={"limit": "0"})["statusCode"] == 422
    bad_cursor = get(handler, "/billing/invoices", stripe_env.user_sub, query={"starting_after": "cus_x"})
    assert bad_cursor["statusCode"] == 422


def test_e1_connection_resets_become_503_with_retry_after(handler, stripe_env, customer, stripe_emulator):
    stripe_emulator.faults.queue("reset", times=10, method="GET", path=r"^/v1/customers/cus_[^/]+$")
    resp = get(handler, "/billing", stripe_env.user_sub)
    assert resp["statusCode"] == 503 and int(resp["headers"]["retry-after"]) >= 1
    assert stripe_emulator.faults.injected["reset"] == stripe_client.STRIPE_MAX_RETRIES + 1


def test_e6_restricted_key_is_500_configuration_error(handler, stripe_env, customer, stripe_emulator):
    stripe_emulator.faults.queue("403", times=10, method="GET", path=r"^/v1/customers/cus_[^/]+$")
    resp = get(handler, "/billing", stripe_env.user_sub)
    assert resp["statusCode"] == 500 and resp["json"]["error"]["code"] == "configuration_error"
    assert stripe_emulator.faults.injected["403"] == 1


# --- the gateway over real HTTP against the emulator's fault modes -------------------------------------------
def retrieve(customer_id):
    return sg.get_gateway().call("customers.retrieve", lambda c: c.v1.customers.retrieve(customer_id))


def test_e2_500_then_200_succeeds(stripe_env, customer, stripe_emulator):
    stripe_emulator.faults.queue("500", times=1)
    assert retrieve(customer.id).id == customer.id
    assert stripe_emulator.faults.injected["500"] == 1


def test_e3_429_is_retried_only_when_stripe_says_so(stripe_env, customer, stripe_emulator):
    stripe_emulator.faults.queue("429_retry", times=1)
    assert retrieve(customer.id).id == customer.id
    stripe_emulator.faults.queue("429", times=5)
    with pytest.raises(DependencyThrottled):
        retrieve(customer.id)
    assert stripe_emulator.faults.injected["429"] == 1


def test_e1_write_retried_with_the_same_key_creates_one_customer(stripe_env, stripe_emulator, stripe_client):
    stripe_emulator.faults.queue("reset", times=2, method="POST", path=r"^/v1/customers$")
    from billing_core.directory import CustomerDirectory

    mapping = CustomerDirectory().get_or_create(f"p_{stripe_env.user_sub}")
    assert [c.id for c in stripe_client.v1.customers.list().data] == [mapping.customer_id]


def test_e7_slow_stripe_ends_in_a_clean_503_before_the_function_timeout(handler, stripe_env, customer, stripe_emulator):
    stripe_emulator.faults.set_latency(8000)
    started = time.monotonic()
    resp = invoke(handler, http_event("GET", "/billing", sub=stripe_env.user_sub), LambdaContext(timeout_s=20))
    elapsed = time.monotonic() - started
    assert resp["statusCode"] == 503 and resp["headers"]["retry-after"]
    assert elapsed < stripe_client.FUNCTION_TIMEOUT_S - 1


def test_e9_secrets_manager_down_is_503(handler, stripe_env, monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_NAME", "billing/missing")
    h.reset_core_caches()
    h.put_mapping(stripe_env.user_sub, "cus_whatever")
    resp = get(handler, "/billing", stripe_env.user_sub)
    assert resp["statusCode"] == 503 and resp["json"]["error"]["code"] == "dependency_unavailable"


def test_overview_of_a_discounted_subscription_shows_plan_next_bill_and_discount(
    handler, stripe_env, customer, stripe_client
):
    # Given the catalog in Stripe and a monthly Pro subscription with a 30% coupon, on a customer who reads German
    from billing_core.stripe_gateway import get_gateway

    from admin.catalog_sync import CatalogSync

    CatalogSync(get_gateway()).run(out=lambda _line: None)
    price = stripe_client.v1.prices.list(params={"lookup_keys": ["pro_monthly"]}).data[0]
    pm = stripe_client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    stripe_client.v1.customers.update(
        customer.id, params={"invoice_settings": {"default_payment_method": pm.id}, "preferred_locales": ["de", "fr"]}
    )
    coupon = stripe_client.v1.coupons.create(
        params={"percent_off": 30, "duration": "repeating", "duration_in_months": 3, "name": "Stay 30%"}
    )
    sub = stripe_client.v1.subscriptions.create(
        params={"customer": customer.id, "items": [{"price": price.id}], "discounts": [{"coupon": coupon.id}]}
    )
    # When the user reads the overview
    resp = get(handler, "/billing", stripe_env.user_sub)
    # Then the plan, its next bill (from the items' period end and an invoice preview) and the discount are shown
    assert resp["statusCode"] == 200, resp["body"]
    body = resp["json"]
    assert body["customer"]["preferred_locale"] == "de"
    assert body["customer"]["preferred_locales"] == ["de", "fr"]  # all of them, in order: the page picks one
    (view,) = body["subscriptions"]
    assert view["status"] == "active"
    assert view["discount"]["name"] == "Stay 30%" and view["discount"]["percent_off"] == 30
    assert view["next_billing_date"] == sub["items"].data[0].current_period_end
    assert view["next_invoice_amount"] == 2030  # 2900 less 30%
    assert body["invoices"][0]["total"] == 2030


def _with_customer_claim(sub, customer_id):
    from tests.helpers.apigw import access_claims

    return access_claims(sub) | {"stripe_customer_id": customer_id}


def test_customer_claim_of_the_verified_token_serves_the_read_routes_without_the_directory(
    handler, stripe_env, stripe_client, monkeypatch
):
    """The pre-token trigger's ``stripe_customer_id`` claim stands in for the directory read (no mapping item)."""
    from billing_core.directory import CustomerDirectory

    cus = stripe_client.v1.customers.create(params={"name": "Grace Hopper"})

    def no_directory(self, sub):
        raise AssertionError("the directory is not read when the verified token names the customer")

    monkeypatch.setattr(CustomerDirectory, "lookup", no_directory)
    claims = _with_customer_claim(stripe_env.user_sub, cus.id)
    overview = get(handler, "/billing", stripe_env.user_sub, claims=claims)
    assert overview["statusCode"] == 200, overview["body"]
    assert overview["json"]["has_customer"] and overview["json"]["customer"]["name"] == "Grace Hopper"
    for path in ("/billing/invoices", "/billing/plans"):
        assert get(handler, path, stripe_env.user_sub, claims=claims)["statusCode"] == 200


def test_a9_a_stale_customer_claim_is_checked_against_the_directory(handler, stripe_env, customer, stripe_client):
    """The token names a customer Stripe no longer has: the directory's mapping answers instead."""
    gone = stripe_client.v1.customers.create(params={"name": "Old"})
    stripe_client.v1.customers.delete(gone.id)
    claims = _with_customer_claim(stripe_env.user_sub, gone.id)

    overview = get(handler, "/billing", stripe_env.user_sub, claims=claims)
    assert overview["statusCode"] == 200, overview["body"]
    assert overview["json"]["customer"]["name"] == "Ada Lovelace"
    assert get(handler, "/billing/invoices", stripe_env.user_sub, claims=claims)["statusCode"] == 200


def test_a9_a_gone_customer_claim_without_another_mapping_is_still_409(handler, stripe_env, stripe_client):
    gone = stripe_client.v1.customers.create(params={"name": "Old"})
    stripe_client.v1.customers.delete(gone.id)
    resp = get(handler, "/billing", stripe_env.user_sub, claims=_with_customer_claim(stripe_env.user_sub, gone.id))
    assert resp["statusCode"] == 409 and resp["json"]["error"]["code"] == "customer_gone"


def test_a_token_customer_claim_never_answers_for_another_billing_account(handler, stripe_env, customer, stripe_client):
    """A member's token carries their personal customer (and its ``billing_account`` claim names the account it
    answers for): acting on a team (the ``X-Billing-Account`` header) reads the team's customer from the directory,
    and a token issued for the team never answers for the personal account."""
    from billing_core.accounts.store import AccountStore
    from billing_core.directory import CustomerDirectory
    from billing_core.identity import personal_account_id

    sub = stripe_env.user_sub
    personal = personal_account_id(sub)
    team = AccountStore.new_team_id()
    AccountStore().create_team(team, "Acme Team", sub, stripe_env.user_email)
    team_cus = stripe_client.v1.customers.create(params={"name": "Acme Team", "metadata": {"billing_account": team}})
    assert CustomerDirectory().link(team, team_cus.id) == "linked"

    def overview_name(claims, account=None):
        headers = {"x-billing-account": account} if account else None
        resp = get(handler, "/billing", sub, claims=claims, headers=headers)
        assert resp["statusCode"] == 200, resp["body"]
        return resp["json"]["customer"]["name"]

    personal_token = _with_customer_claim(sub, customer.id)  # no billing_account claim: the personal account's
    assert overview_name(personal_token) == "Ada Lovelace"
    assert overview_name(personal_token, account=team) == "Acme Team"
    named_personal = personal_token | {"billing_account": personal}
    assert overview_name(named_personal, account=team) == "Acme Team"
    team_token = _with_customer_claim(sub, team_cus.id) | {"billing_account": team}
    assert overview_name(team_token) == "Ada Lovelace"  # no header: the personal account, not the token's team
    assert overview_name(team_token, account=team) == "Acme Team"
    invoices = get(handler, "/billing/invoices", sub, claims=personal_token, headers={"x-billing-account": team})
    assert invoices["statusCode"] == 200 and invoices["json"]["invoices"] == []


def test_a_warm_overview_reads_the_mapping_once_and_the_entitlements_in_the_stripe_round(
    handler, stripe_env, customer, monkeypatch
):
    """The directory's mapping never changes, so the read path keeps it in the process (``MAPPINGS``, 300 s):
    the next GET /billing reads only the entitlement record, concurrently with Stripe, and shows the same page."""
    from billing_core import customer_mapping
    from billing_core.directory import CustomerDirectory

    first = get(handler, "/billing", stripe_env.user_sub)
    assert first["statusCode"] == 200, first["body"]
    lookups = []
    real_lookup = CustomerDirectory.lookup

    def counted(self, account_id):
        lookups.append(account_id)
        return real_lookup(self, account_id)

    monkeypatch.setattr(CustomerDirectory, "lookup", counted)
    second = get(handler, "/billing", stripe_env.user_sub)
    assert second["statusCode"] == 200 and second["json"] == first["json"]
    assert lookups == []
    monkeypatch.setattr(customer_mapping.MAPPINGS, "ttl_seconds", 0.0)  # expired: read again
    assert get(handler, "/billing", stripe_env.user_sub)["json"] == first["json"]
    assert len(lookups) == 1


def test_a_cached_mapping_whose_customer_is_gone_is_dropped_and_rechecked(handler, stripe_env, customer, stripe_client):
    """A7 with the read cache: Stripe says the cached customer is gone, the directory is asked again (it names the
    same customer, so 409 ``customer_gone``), and the cached entry is dropped."""
    from billing_core.directory import CustomerDirectory
    from billing_core.identity import Caller

    def cached() -> bool:
        return CustomerDirectory().known_mapping(Caller(sub=stripe_env.user_sub)) is not None

    assert get(handler, "/billing", stripe_env.user_sub)["statusCode"] == 200
    assert cached()
    stripe_client.v1.customers.delete(customer.id)
    resp = get(handler, "/billing", stripe_env.user_sub)
    assert resp["statusCode"] == 409 and resp["json"]["error"]["code"] == "customer_gone"
    assert not cached()


def test_the_read_cache_never_answers_a_write_path_or_another_account(handler, stripe_env, customer):
    """Only ``lookup_caller`` (the read routes) uses the cache: ``lookup``, which every write path uses, reads
    DynamoDB each time; and the cache is keyed by the account the request acts on."""
    import boto3
    from billing_core.directory import CustomerDirectory
    from billing_core.identity import Caller, personal_account_id

    assert get(handler, "/billing", stripe_env.user_sub)["statusCode"] == 200
    account = personal_account_id(stripe_env.user_sub)
    boto3.client("dynamodb", region_name=h.REGION).delete_item(
        TableName=h.TABLE_NAME, Key={"pk": {"S": f"ACCOUNT#{account}"}, "sk": {"S": "CUSTOMER"}}
    )
    assert CustomerDirectory().lookup(account) is None  # the write paths' read sees the table as it is
    cached = CustomerDirectory().known_mapping(Caller(sub=stripe_env.user_sub))
    assert cached is not None and cached.source == "cache" and cached.customer_id == customer.id
    assert CustomerDirectory().known_mapping(Caller(sub="someone-else")) is None
