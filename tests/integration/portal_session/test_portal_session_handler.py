"""POST /billing/portal-sessions through Mangum with moto and the Stripe emulator."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

import boto3
import pytest
from billing_core import aws as core_aws
from billing_core.audit import AuditLog
from billing_core.observability import REDACTED, scrub

from tests.helpers import aws as h
from tests.integration.portal_session.portal_setup import only_session, post, sessions, subscribe

RETURN = "https://app.example.test/billing"


def redirect_to(url: str) -> dict[str, Any]:
    return {"type": "redirect", "redirect": {"return_url": url}, "hosted_confirmation": None}


# ---------------------------------------------------------------------------------------------------------------
# Identity (A1, A5) and provisioning (ADR 0005, D1)
# ---------------------------------------------------------------------------------------------------------------
def test_a1_no_claims_is_401_before_any_aws_call(handler, monkeypatch, stripe_emulator):
    def forbidden(*a, **k):
        raise AssertionError("no AWS call before identity")

    monkeypatch.setattr(core_aws, "client", forbidden)
    resp = post(handler, None, claims=None)
    assert resp["statusCode"] == 401 and resp["json"]["error"]["code"] == "unauthenticated"
    assert sessions(stripe_emulator) == []


def test_a5_id_token_is_403(handler, stripe_env, stripe_emulator):
    resp = post(handler, stripe_env.user_sub, token_use="id")
    assert resp["statusCode"] == 403 and sessions(stripe_emulator) == []


def test_home_session_provisions_the_customer_and_uses_the_stored_configuration(
    handler, stripe_env, account, stripe_client, stripe_emulator
):
    # Given a signed-in user without a Stripe customer
    assert h.get_item(f"ACCOUNT#p_{stripe_env.user_sub}", "CUSTOMER") is None
    # When they open the portal
    resp = post(handler, stripe_env.user_sub)
    # Then a customer is created from the user pool profile and mapped, and the session is theirs
    assert resp["statusCode"] == 200, resp["body"]
    assert resp["headers"]["cache-control"] == "no-store"
    customer_id = h.get_item(f"ACCOUNT#p_{stripe_env.user_sub}", "CUSTOMER")["customer_id"]["S"]
    customer = stripe_client.v1.customers.retrieve(customer_id)
    assert customer.email == stripe_env.user_email and customer.metadata["user_sub"] == stripe_env.user_sub
    session = only_session(stripe_emulator)
    assert resp["json"] == {"url": session["url"]}
    assert session["customer"] == customer_id
    assert session["configuration"] == account.configuration_id
    assert session["return_url"] == RETURN
    assert session["flow"] is None and session["locale"] is None  # "auto"


@pytest.fixture
def atomic_moto_transactions(monkeypatch):
    """DynamoDB runs a transaction atomically; moto in-process does not (it restores a deep copy of the table
    taken before the transaction when one fails, which can undo a concurrent winner). Serialise them."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.Lock()
    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self, *args, **kwargs):
        with lock:
            return original(self, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", transact_write_items)


def test_d1_concurrent_first_sessions_make_one_customer_and_one_mapping(
    handler, stripe_env, account, stripe_client, stripe_emulator, atomic_moto_transactions
):
    # Each Lambda container is single-threaded; these threads stand for concurrent containers sharing moto and
    # the emulator, so warm this process's lazily created clients first (boto3 client creation is not
    # thread-safe). Nothing user-specific is created by this.
    from billing_core.stripe_gateway import get_gateway

    get_gateway().client()
    core_aws.client("dynamodb")
    core_aws.client("cognito-idp")
    results: list[dict[str, Any]] = []
    barrier = threading.Barrier(4)

    def open_portal() -> None:
        barrier.wait()
        try:
            results.append(post(handler, stripe_env.user_sub))
        finally:
            asyncio.get_event_loop_policy().get_event_loop().close()  # the handler's per-thread loop

    threads = [threading.Thread(target=open_portal) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r["statusCode"] for r in results] == [200] * 4, [r["body"] for r in results]
    customers = list(stripe_client.v1.customers.list().data)
    assert len(customers) == 1
    assert {s["customer"] for s in sessions(stripe_emulator)} == {customers[0].id}
    assert len(h.query_pk(f"ACCOUNT#p_{stripe_env.user_sub}")) >= 1
    assert h.get_item(f"ACCOUNT#p_{stripe_env.user_sub}", "CUSTOMER")["customer_id"]["S"] == customers[0].id


def test_d1_an_orphan_customer_from_an_earlier_attempt_is_reused(handler, stripe_env, account, stripe_client):
    # Given a customer an earlier (crashed or racing) attempt created for this user, with no mapping yet
    orphan = stripe_client.v1.customers.create(params={"metadata": {"user_sub": stripe_env.user_sub}})
    # When the user opens the portal, the customer is found by metadata search and mapped (real StripeObjects)
    assert post(handler, stripe_env.user_sub)["statusCode"] == 200
    assert h.get_item(f"ACCOUNT#p_{stripe_env.user_sub}", "CUSTOMER")["customer_id"]["S"] == orphan.id
    assert [c.id for c in stripe_client.v1.customers.list().data] == [orphan.id]


def test_a7_deleted_customer_is_409_customer_gone(handler, stripe_env, account, stripe_client, stripe_emulator):
    customer = stripe_client.v1.customers.create(params={"metadata": {"user_sub": stripe_env.user_sub}})
    h.put_mapping(stripe_env.user_sub, customer.id)
    stripe_client.v1.customers.delete(customer.id)
    resp = post(handler, stripe_env.user_sub)
    assert resp["statusCode"] == 409 and resp["json"]["error"]["code"] == "customer_gone"
    assert sessions(stripe_emulator) == []


def test_no_stored_configuration_is_a_500_configuration_error_and_no_session(handler, stripe_env, stripe_emulator):
    # Never Stripe's default configuration: the server alone decides, and it has not been told (make portal-config).
    resp = post(handler, stripe_env.user_sub)
    assert resp["statusCode"] == 500 and resp["json"]["error"]["code"] == "configuration_error"
    assert sessions(stripe_emulator) == []
    # A subscription flow for a user without one is still the user's 409, not the operator's 500.
    resp = post(handler, stripe_env.user_sub, {"flow": "subscription_cancel"})
    assert resp["statusCode"] == 409 and resp["json"]["error"]["code"] == "no_active_subscription"


# ---------------------------------------------------------------------------------------------------------------
# Flows: the right flow_data for the caller's own subscription
# ---------------------------------------------------------------------------------------------------------------
def test_payment_method_update_flow(handler, stripe_env, account, stripe_emulator):
    resp = post(handler, stripe_env.user_sub, {"flow": "payment_method_update", "return_path": "/account/cards"})
    assert resp["statusCode"] == 200, resp["body"]
    flow = only_session(stripe_emulator)["flow"]
    assert flow["type"] == "payment_method_update"
    assert flow["after_completion"] == redirect_to("https://app.example.test/account/cards")


def test_subscription_update_flow_targets_the_callers_subscription(
    handler, stripe_env, account, stripe_client, stripe_emulator
):
    subscription = subscribe(stripe_client, account, stripe_env.user_sub)
    resp = post(handler, stripe_env.user_sub, {"flow": "subscription_update"})
    assert resp["statusCode"] == 200, resp["body"]
    flow = only_session(stripe_emulator)["flow"]
    assert flow["type"] == "subscription_update"
    assert flow["subscription_update"] == {"subscription": subscription.id}
    assert flow["after_completion"] == redirect_to(RETURN)


def test_subscription_cancel_flow_offers_the_retention_coupon_once(
    handler, stripe_env, account, stripe_client, stripe_emulator
):
    subscription = subscribe(stripe_client, account, stripe_env.user_sub, "pro_monthly")
    resp = post(handler, stripe_env.user_sub, {"flow": "subscription_cancel"})
    assert resp["statusCode"] == 200, resp["body"]
    first = only_session(stripe_emulator)
    assert first["flow"]["subscription_cancel"] == {
        "subscription": subscription.id,
        "retention": {"type": "coupon_offer", "coupon_offer": {"coupon": "RETENTION_30_OFF_3M"}},
    }
    # Once the offer is used (the item plan_change writes), a cancel flow carries no coupon.
    boto3.client("dynamodb", region_name=h.REGION).put_item(
        TableName=h.TABLE_NAME,
        Item={
            "pk": {"S": f"ACCOUNT#p_{stripe_env.user_sub}"},
            "sk": {"S": "OFFER#retention_30_off_3_months"},
            "claimed_by": {"S": "x"},
            "subscription_id": {"S": subscription.id},
            "coupon": {"S": "RETENTION_30_OFF_3M"},
            "claimed_at": {"N": "1"},
        },
    )
    assert post(handler, stripe_env.user_sub, {"flow": "subscription_cancel"})["statusCode"] == 200
    second = next(s for s in sessions(stripe_emulator) if s["id"] != first["id"])
    assert second["flow"]["subscription_cancel"] == {"subscription": subscription.id, "retention": None}


def test_subscription_cancel_flow_without_offer_when_already_discounted(
    handler, stripe_env, account, stripe_client, stripe_emulator
):
    subscription = subscribe(stripe_client, account, stripe_env.user_sub, "pro_monthly")
    stripe_client.v1.subscriptions.update(subscription.id, params={"discounts": [{"coupon": "RETENTION_30_OFF_3M"}]})
    assert post(handler, stripe_env.user_sub, {"flow": "subscription_cancel"})["statusCode"] == 200
    assert only_session(stripe_emulator)["flow"]["subscription_cancel"]["retention"] is None


def test_subscription_cancel_flow_without_offer_for_plans_outside_the_offer(
    handler, stripe_env, account, stripe_client, stripe_emulator
):
    subscribe(stripe_client, account, stripe_env.user_sub, "starter_monthly")
    assert post(handler, stripe_env.user_sub, {"flow": "subscription_cancel"})["statusCode"] == 200
    assert only_session(stripe_emulator)["flow"]["subscription_cancel"]["retention"] is None


def test_cancel_flow_on_a_subscription_already_ending_is_409(
    handler, stripe_env, account, stripe_client, stripe_emulator
):
    subscription = subscribe(stripe_client, account, stripe_env.user_sub)
    stripe_client.v1.subscriptions.update(subscription.id, params={"cancel_at_period_end": True})
    resp = post(handler, stripe_env.user_sub, {"flow": "subscription_cancel"})
    assert resp["statusCode"] == 409 and resp["json"]["error"]["code"] == "already_canceling"
    assert sessions(stripe_emulator) == []


def test_subscription_update_confirm_flow_with_a_catalog_target(
    handler, stripe_env, account, stripe_client, stripe_emulator
):
    subscription = subscribe(stripe_client, account, stripe_env.user_sub, "pro_monthly")
    item_id = subscription["items"]["data"][0]["id"]
    body = {
        "flow": "subscription_update_confirm",
        "target": {"price_lookup_key": "business_seat_monthly", "quantity": 5},
    }
    resp = post(handler, stripe_env.user_sub, body)
    assert resp["statusCode"] == 200, resp["body"]
    confirm = only_session(stripe_emulator)["flow"]["subscription_update_confirm"]
    assert confirm["subscription"] == subscription.id
    assert confirm["items"] == [{"id": item_id, "price": account.prices["business_seat_monthly"], "quantity": 5}]


def test_subscription_update_confirm_seats_only_keeps_the_price(
    handler, stripe_env, account, stripe_client, stripe_emulator
):
    subscription = subscribe(stripe_client, account, stripe_env.user_sub, "business_seat_monthly", quantity=3)
    resp = post(handler, stripe_env.user_sub, {"flow": "subscription_update_confirm", "target": {"quantity": 8}})
    assert resp["statusCode"] == 200, resp["body"]
    item = only_session(stripe_emulator)["flow"]["subscription_update_confirm"]["items"][0]
    assert item == {
        "id": subscription["items"]["data"][0]["id"],
        "price": account.prices["business_seat_monthly"],
        "quantity": 8,
    }


@pytest.mark.parametrize(
    ("current", "current_qty", "target", "expected"),
    [
        # Onto a per-seat plan: its minimum seats (3), not the one seat Pro had.
        ("pro_monthly", 1, {"price_lookup_key": "business_seat_monthly"}, ("business_seat_monthly", 3)),
        # Same per-seat plan, other interval: the seats stay.
        ("business_seat_monthly", 7, {"price_lookup_key": "business_seat_yearly"}, ("business_seat_yearly", 7)),
        ("business_seat_monthly", 7, {"quantity": 9}, ("business_seat_monthly", 9)),
        ("starter_monthly", 1, {"price_lookup_key": "pro_monthly"}, ("pro_monthly", 1)),
    ],
)
def test_update_confirm_chooses_the_price_and_seats_the_server_allows(
    handler, stripe_env, account, stripe_client, stripe_emulator, current, current_qty, target, expected
):
    subscription = subscribe(stripe_client, account, stripe_env.user_sub, current, quantity=current_qty)
    resp = post(handler, stripe_env.user_sub, {"flow": "subscription_update_confirm", "target": target})
    assert resp["statusCode"] == 200, resp["body"]
    flow = only_session(stripe_emulator)["flow"]
    assert flow["subscription_update_confirm"]["items"] == [
        {"id": subscription["items"]["data"][0]["id"], "price": account.prices[expected[0]], "quantity": expected[1]}
    ]
    assert flow["after_completion"] == redirect_to(RETURN)


def test_update_confirm_on_a_multi_item_subscription_is_409(
    handler, stripe_env, account, stripe_client, stripe_emulator
):
    subscription = subscribe(stripe_client, account, stripe_env.user_sub, "pro_monthly")
    addon = stripe_client.v1.prices.create(
        params={
            "currency": "usd",
            "unit_amount": 500,
            "recurring": {"interval": "month"},
            "product_data": {"name": "Add-on"},
        }
    )
    stripe_client.v1.subscription_items.create(params={"subscription": subscription.id, "price": addon.id})
    body = {"flow": "subscription_update_confirm", "target": {"price_lookup_key": "pro_yearly"}}
    resp = post(handler, stripe_env.user_sub, body)
    assert resp["statusCode"] == 409 and resp["json"]["error"]["code"] == "unsupported_subscription"
    assert sessions(stripe_emulator) == []


@pytest.mark.parametrize(
    ("target", "status", "code"),
    [
        ({"price_lookup_key": "pro_monthly"}, 409, "no_change"),
        ({"price_lookup_key": "legacy_gold"}, 400, "unknown_price"),
        ({"price_lookup_key": "business_seat_monthly", "quantity": 2}, 400, "invalid_quantity"),
        ({"price_lookup_key": "pro_yearly", "quantity": 3}, 400, "invalid_quantity"),
    ],
)
def test_b2_update_confirm_targets_are_checked_against_the_catalog(
    handler, stripe_env, account, stripe_client, stripe_emulator, target, status, code
):
    subscribe(stripe_client, account, stripe_env.user_sub, "pro_monthly")
    resp = post(handler, stripe_env.user_sub, {"flow": "subscription_update_confirm", "target": target})
    assert resp["statusCode"] == status and resp["json"]["error"]["code"] == code
    assert sessions(stripe_emulator) == []


@pytest.mark.parametrize("flow", ["subscription_cancel", "subscription_update", "subscription_update_confirm"])
def test_subscription_flow_without_a_subscription_is_409(handler, stripe_env, account, stripe_emulator, flow):
    body: dict[str, Any] = {"flow": flow}
    if flow == "subscription_update_confirm":
        body["target"] = {"price_lookup_key": "pro_monthly"}
    resp = post(handler, stripe_env.user_sub, body)
    assert resp["statusCode"] == 409 and resp["json"]["error"]["code"] == "no_active_subscription"
    assert sessions(stripe_emulator) == []


def test_a8_subscription_flow_on_a_canceled_subscription_is_409(
    handler, stripe_env, account, stripe_client, stripe_emulator
):
    subscription = subscribe(stripe_client, account, stripe_env.user_sub)
    stripe_client.v1.subscriptions.cancel(subscription.id)
    resp = post(handler, stripe_env.user_sub, {"flow": "subscription_update"})
    assert resp["statusCode"] == 409 and resp["json"]["error"]["code"] == "no_active_subscription"
    assert sessions(stripe_emulator) == []


# ---------------------------------------------------------------------------------------------------------------
# Nothing chosen by the client: A2, A4, B3
# ---------------------------------------------------------------------------------------------------------------
def test_a2_flows_use_only_the_callers_own_subscription(handler, stripe_env, account, stripe_client, stripe_emulator):
    other_sub = stripe_env.user_pool.add_user("bob@example.com", email="bob@example.com", name="Bob")
    mine = subscribe(stripe_client, account, stripe_env.user_sub)
    theirs = subscribe(stripe_client, account, other_sub)
    # Naming B's subscription is impossible: the field does not exist (422, no session).
    resp = post(handler, stripe_env.user_sub, {"flow": "subscription_cancel", "subscription": theirs.id})
    assert resp["statusCode"] == 422 and sessions(stripe_emulator) == []
    # Every flow A opens targets A's subscription and A's customer.
    for flow in ("subscription_cancel", "subscription_update"):
        assert post(handler, stripe_env.user_sub, {"flow": flow})["statusCode"] == 200
    for session in sessions(stripe_emulator):
        assert session["customer"] == mine.customer
        assert session["flow"][session["flow"]["type"]]["subscription"] == mine.id


@pytest.mark.parametrize(
    "extra",
    [
        {"configuration": "bpc_attacker"},
        {"customer": "cus_victim"},
        {"customer_id": "cus_victim"},
        {"user": "someone-else"},
        {"sub": "someone-else"},
        {"subscription": "sub_victim"},
        {"coupon": "FREE_FOREVER"},
        {"flow_data": {"type": "payment_method_update"}},
        {"after_completion": {"type": "redirect"}},
        {"metadata": {"x": "y"}},
        {"proration_behavior": "none"},
        {"target": {"price_lookup_key": "pro_monthly", "price": "price_evil"}},
    ],
)
def test_a4_b3_client_cannot_choose_configuration_customer_or_redirect(
    handler, stripe_env, account, stripe_client, stripe_emulator, extra
):
    body = {"flow": "subscription_update_confirm", "target": {"price_lookup_key": "pro_yearly"}}
    if "target" in extra:
        body.update(extra)
    else:
        body = {**extra}
    resp = post(handler, stripe_env.user_sub, body)
    assert resp["statusCode"] == 422 and resp["json"]["error"]["code"] == "validation_error"
    assert sessions(stripe_emulator) == [] and list(stripe_client.v1.customers.list().data) == []


def test_target_only_with_the_confirm_flow(handler, stripe_env, account, stripe_emulator):
    for body in (
        {"flow": "subscription_update", "target": {"price_lookup_key": "pro_yearly"}},
        {"flow": "subscription_update_confirm"},
        {"flow": "subscription_update_confirm", "target": {}},
        {"flow": "customer_update"},
        {"flow": "subscription_resume"},
    ):
        assert post(handler, stripe_env.user_sub, body)["statusCode"] == 422, body
    assert sessions(stripe_emulator) == []


# ---------------------------------------------------------------------------------------------------------------
# B1: return paths
# ---------------------------------------------------------------------------------------------------------------
HOSTILE_RETURN_PATHS = [
    "https://evil.example",
    "https://evil.example/billing",
    "http://app.example.test.evil.example/billing",
    "//evil.example",
    "//evil.example/billing",
    "/\\evil.example",
    "\\\\evil.example",
    "/billing/\\evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "/billing/javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "/%2fevil.example",
    "/billing%2F..%2F..%2Fadmin",
    "%252F%252Fevil.example",
    "/%5Cevil.example",
    "@evil.example",
    "/@evil.example",
    "/billing@evil.example",
    "https://app.example.test@evil.example/billing",
    "/billing/../admin",
    "/billing/./../admin",
    "/billing/..",
    "/billing/%2e%2e/admin",
    "/billing-evil",
    "/billingevil",
    "/admin",
    "billing",
    "/",
    "/billing\t/x",
    "/billing\n//evil.example",
    "/billing/\u2215\u2215evil.example",
    "/billing/évil",
    " //evil.example",
]


@pytest.mark.parametrize("return_path", HOSTILE_RETURN_PATHS)
def test_b1_hostile_return_path_is_400_with_no_session_and_no_customer(
    handler, stripe_env, account, stripe_client, stripe_emulator, return_path
):
    resp = post(handler, stripe_env.user_sub, {"flow": "payment_method_update", "return_path": return_path})
    assert resp["statusCode"] == 400, resp["body"]
    assert resp["json"]["error"]["code"] == "invalid_return_path"
    assert resp["json"]["error"]["param"] == "return_path"
    assert sessions(stripe_emulator) == []
    assert list(stripe_client.v1.customers.list().data) == []


def test_b1_oversize_return_path_is_422(handler, stripe_env, account, stripe_emulator):
    resp = post(handler, stripe_env.user_sub, {"return_path": "/billing/" + "a" * 3000})
    assert resp["statusCode"] == 422 and sessions(stripe_emulator) == []


@pytest.mark.parametrize(
    ("return_path", "url"),
    [
        (None, RETURN),
        ("/billing", RETURN),
        ("/billing/invoices?tab=paid&page=2", "https://app.example.test/billing/invoices?tab=paid&page=2"),
        ("/account/settings#plan", "https://app.example.test/account/settings#plan"),
        ("/billing?from=portal", "https://app.example.test/billing?from=portal"),
    ],
)
def test_b1_allowed_return_paths_stay_on_the_app(handler, stripe_env, account, stripe_emulator, return_path, url):
    body = {"flow": "payment_method_update"}
    if return_path is not None:
        body["return_path"] = return_path
    assert post(handler, stripe_env.user_sub, body)["statusCode"] == 200
    session = only_session(stripe_emulator)
    assert session["return_url"] == url
    assert session["flow"]["after_completion"]["redirect"]["return_url"] == url


# ---------------------------------------------------------------------------------------------------------------
# Locale, idempotency key, audit, logs
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("preferred", "locale"), [(["fr-FR", "en"], "fr"), (["pt-BR"], "pt-BR"), (["xx-YY", "de"], "de"), ([], None)]
)
def test_locale_comes_from_the_customers_preferred_locales(
    handler, stripe_env, account, stripe_client, stripe_emulator, preferred, locale
):
    customer = stripe_client.v1.customers.create(
        params={"metadata": {"user_sub": stripe_env.user_sub}, "preferred_locales": preferred}
    )
    h.put_mapping(stripe_env.user_sub, customer.id)
    assert post(handler, stripe_env.user_sub)["statusCode"] == 200
    assert only_session(stripe_emulator)["locale"] == locale


@pytest.mark.parametrize(("sent", "locale"), [("ja", "ja"), ("pt-BR", "pt-BR"), ("auto", None)])
def test_the_pages_language_wins_over_the_customers_preferred_locales(
    handler, stripe_env, account, stripe_client, stripe_emulator, sent, locale
):
    customer = stripe_client.v1.customers.create(
        params={"metadata": {"user_sub": stripe_env.user_sub}, "preferred_locales": ["de"]}
    )
    h.put_mapping(stripe_env.user_sub, customer.id)
    assert post(handler, stripe_env.user_sub, {"locale": sent})["statusCode"] == 200
    assert only_session(stripe_emulator)["locale"] == locale  # auto: the emulator shows null, as for no locale


@pytest.mark.parametrize("sent", ["de-DE", "xx", "DE", "en_GB", "", 7])
def test_a_locale_the_portal_does_not_have_is_422_and_creates_nothing(
    handler, stripe_env, account, stripe_client, stripe_emulator, sent
):
    resp = post(handler, stripe_env.user_sub, {"locale": sent})
    assert resp["statusCode"] == 422 and resp["json"]["error"]["code"] == "validation_error"
    assert sessions(stripe_emulator) == [] and list(stripe_client.v1.customers.list().data) == []


def test_idempotency_key_is_optional_and_checked_when_present(handler, stripe_env, account, stripe_emulator):
    assert post(handler, stripe_env.user_sub)["statusCode"] == 200
    bad = post(handler, stripe_env.user_sub, headers={"Idempotency-Key": "x" * 256})
    assert bad["statusCode"] == 400 and bad["json"]["error"]["code"] == "idempotency_key_invalid"
    bad = post(handler, stripe_env.user_sub, headers={"Idempotency-Key": "has space"})
    assert bad["statusCode"] == 400
    first = post(handler, stripe_env.user_sub, headers={"Idempotency-Key": "portal-click-1"})
    again = post(handler, stripe_env.user_sub, headers={"Idempotency-Key": "portal-click-1"})
    assert first["statusCode"] == again["statusCode"] == 200
    assert first["json"]["url"] == again["json"]["url"]  # a retried click gets the same session
    assert len(sessions(stripe_emulator)) == 2


def test_each_session_is_an_audit_entry_without_the_url(handler, stripe_env, account, stripe_client, stripe_emulator):
    subscription = subscribe(stripe_client, account, stripe_env.user_sub)
    resp = post(handler, stripe_env.user_sub, {"flow": "subscription_update"})
    session = only_session(stripe_emulator)
    entries = AuditLog().entries(f"p_{stripe_env.user_sub}")
    assert len(entries) == 1
    entry = entries[0]
    assert entry["action"] == "portal.session" and entry["outcome"] == "ok"
    assert entry["after"] == {
        "flow": "subscription_update",
        "configuration": account.configuration_id,
        "subscription": subscription.id,
        "session": session["id"],
    }
    assert resp["json"]["url"] not in str(entry)


def test_f6_session_urls_are_never_logged(handler, stripe_env, account, stripe_client, caplog, capsys):
    subscribe(stripe_client, account, stripe_env.user_sub)
    caplog.set_level(logging.DEBUG)
    urls = [
        post(handler, stripe_env.user_sub, body)["json"]["url"]
        for body in ({}, {"flow": "subscription_cancel"}, {"flow": "payment_method_update"})
    ]
    # Every record as emitted (before the scrubber), every extra field included, plus whatever reached stdout.
    raw = [str(record.__dict__) for record in caplog.records]
    captured = capsys.readouterr()
    assert any("portal session created" in r for r in raw)
    for url in urls:
        session_path = url.split("://", 1)[1].split("/", 1)[1]
        assert url and all(session_path not in r for r in raw)
        assert session_path not in captured.out + captured.err
    # And the scrubber redacts both the emulator's and Stripe's URL forms (last line of defence).
    assert scrub(f"url={urls[0]}") == f"url={REDACTED}"
    assert REDACTED in scrub("https://billing.stripe.com/p/session/test_YWNjdF8xTz")
