"""billing_details routes through Mangum with payload-2.0 events, moto and the Stripe emulator."""

import uuid

import pytest
from billing_core.audit import AuditLog

from tests.helpers import aws as h
from tests.helpers.apigw import http_event, invoke


@pytest.fixture
def handler(stripe_env):
    from billing_details.app import handler

    return handler


@pytest.fixture
def customer(stripe_env, stripe_client):
    cus = stripe_client.v1.customers.create(
        params={
            "name": "Ada Lovelace",
            "email": stripe_env.user_email,
            "address": {"line1": "1 Analytical Way", "city": "London", "postal_code": "N1 9GU", "country": "GB"},
            "metadata": {"user_sub": stripe_env.user_sub},
        }
    )
    h.put_mapping(stripe_env.user_sub, cus.id)
    return cus


def call(handler, method, path, sub, *, body=None, key="auto", **kw):
    headers = dict(kw.pop("headers", {}) or {})
    if key == "auto":
        key = str(uuid.uuid4())
    if key is not None:
        headers["Idempotency-Key"] = key
    return invoke(handler, http_event(method, path, sub=sub, body=body, headers=headers, **kw))


def events(emulator):
    return len(emulator.backend.all("event"))


# --- PATCH /billing/details -----------------------------------------------------------------------------------------
def test_partial_update_changes_only_the_fields_sent(handler, stripe_env, customer, stripe_client):
    resp = call(
        handler,
        "PATCH",
        "/billing/details",
        stripe_env.user_sub,
        key=None,
        body={"phone": "+44 20 7946 0958", "address": {"city": "Cambridge"}, "preferred_locale": "en-GB"},
    )
    assert resp["statusCode"] == 200, resp["body"]
    body = resp["json"]
    assert body["name"] == "Ada Lovelace" and body["phone"] == "+44 20 7946 0958"
    assert body["address"] == {
        "line1": "1 Analytical Way",
        "line2": None,
        "city": "Cambridge",
        "state": None,
        "postal_code": "N1 9GU",
        "country": "GB",
    }
    assert body["preferred_locale"] == "en-GB"
    stored = stripe_client.v1.customers.retrieve(customer.id)
    assert stored.address.city == "Cambridge" and stored.preferred_locales == ["en-GB"]
    entry = AuditLog().entries(f"p_{stripe_env.user_sub}")[0]
    assert entry["action"] == "customer.details"
    assert entry["after"] == {"fields": ["phone", "preferred_locales", "address.city"]}
    assert "+44" not in str(entry)


def test_null_clears_the_phone_and_country_is_normalised(handler, stripe_env, customer, stripe_client):
    stripe_client.v1.customers.update(customer.id, params={"phone": "+15555550100"})
    resp = call(handler, "PATCH", "/billing/details", stripe_env.user_sub,
                body={"phone": None, "address": {"country": "de"}})  # fmt: skip
    assert resp["statusCode"] == 200, resp["body"]
    assert resp["json"]["phone"] is None and resp["json"]["address"]["country"] == "DE"


def test_first_details_update_provisions_the_customer(handler, stripe_env, stripe_client):
    resp = call(handler, "PATCH", "/billing/details", stripe_env.user_sub, body={"name": "Ada King"})
    assert resp["statusCode"] == 200, resp["body"]
    assert resp["json"]["name"] == "Ada King" and resp["json"]["email"] == stripe_env.user_email
    assert h.get_item(f"ACCOUNT#p_{stripe_env.user_sub}", "CUSTOMER") is not None


@pytest.mark.parametrize(
    "body",
    [
        {"address": {"country": "XX"}},
        {"address": {"country": "United Kingdom"}},
        {"address": {"line1": "x" * 201}},
        {"name": "n" * 257},
        {"name": "<script>alert(1)</script>"},
        {"address": {"city": "<img src=x onerror=alert(1)>"}},
        {"name": "line\nbreak"},
        {"name": "Ada \u202eecnalevoL"},
        {"address": {"line1": "Main St \u2067 1"}},
        {"email": "not-an-email"},
        {"phone": "call me"},
        {"preferred_locale": "xx-YY"},
        {"address": {"line1": None}},
        {"email": None},
        {},
        {"customer": "cus_other", "name": "A"},
    ],
)
def test_b6_bad_details_are_422_before_stripe_and_never_echoed(handler, stripe_env, customer, stripe_emulator, body):
    before = events(stripe_emulator)
    resp = call(handler, "PATCH", "/billing/details", stripe_env.user_sub, body=body)
    assert resp["statusCode"] == 422, resp["body"]
    assert resp["json"]["error"]["code"] == "validation_error"
    assert "<" not in resp["body"] and "script" not in resp["body"]
    assert events(stripe_emulator) == before


def test_b6_oversize_body_is_413(handler, stripe_env, customer):
    resp = call(handler, "PATCH", "/billing/details", stripe_env.user_sub, body={"name": "a" * 40000})
    assert resp["statusCode"] == 413


def test_b8_invalid_optional_key_on_patch_is_400(handler, stripe_env, customer):
    resp = call(handler, "PATCH", "/billing/details", stripe_env.user_sub, body={"name": "A"}, key="k" * 256)
    assert resp["statusCode"] == 400 and resp["json"]["error"]["code"] == "idempotency_key_invalid"


# --- tax ids --------------------------------------------------------------------------------------------------------
def test_add_tax_id_answers_stripes_verification_status(handler, stripe_env, customer, stripe_client):
    resp = call(
        handler, "POST", "/billing/tax-ids", stripe_env.user_sub, body={"type": "eu_vat", "value": "DE123456789"}
    )
    assert resp["statusCode"] == 200, resp["body"]
    body = resp["json"]
    assert body["type"] == "eu_vat" and body["value"] == "DE123456789" and body["country"] == "DE"
    assert body["verification_status"] == "pending"
    assert [t.id for t in stripe_client.v1.customers.tax_ids.list(customer.id).data] == [body["id"]]
    entry = AuditLog().entries(f"p_{stripe_env.user_sub}")[0]
    assert entry["action"] == "tax_id.create" and entry["after"] == {"tax_id": body["id"], "type": "eu_vat"}


def test_d2_tax_id_retried_with_the_same_key_creates_one(handler, stripe_env, customer, stripe_client):
    body = {"type": "us_ein", "value": "12-3456789"}
    first = call(handler, "POST", "/billing/tax-ids", stripe_env.user_sub, body=body, key="k-tax")
    second = call(handler, "POST", "/billing/tax-ids", stripe_env.user_sub, body=body, key="k-tax")
    assert first["statusCode"] == second["statusCode"] == 200 and first["json"] == second["json"]
    assert len(stripe_client.v1.customers.tax_ids.list(customer.id).data) == 1


def test_b5_unsupported_tax_id_type_is_400_with_param_and_no_stripe_call(
    handler, stripe_env, customer, stripe_emulator, stripe_client
):
    before = events(stripe_emulator)
    resp = call(handler, "POST", "/billing/tax-ids", stripe_env.user_sub, body={"type": "xx_vat", "value": "1"})
    assert resp["statusCode"] == 400
    assert resp["json"]["error"] | {"request_id": None} == {
        "code": "tax_id_type_unsupported",
        "message": "This tax ID type is not supported.",
        "param": "type",
        "request_id": None,
    }
    assert events(stripe_emulator) == before


def test_b5_malformed_tax_id_value_is_400_carrying_stripes_param_and_changes_nothing(
    handler, stripe_env, customer, stripe_emulator, stripe_client
):
    before = events(stripe_emulator)
    resp = call(handler, "POST", "/billing/tax-ids", stripe_env.user_sub, body={"type": "eu_vat", "value": "ZZ12"})
    assert resp["statusCode"] == 400
    assert resp["json"]["error"]["code"] == "tax_id_invalid" and resp["json"]["error"]["param"] == "value"
    assert events(stripe_emulator) == before
    assert stripe_client.v1.customers.tax_ids.list(customer.id).data == []
    assert stripe_client.v1.customers.retrieve(customer.id).name == "Ada Lovelace"


def test_b5_tax_id_type_with_markup_or_extra_fields_is_422(handler, stripe_env, customer):
    assert call(handler, "POST", "/billing/tax-ids", stripe_env.user_sub,
                body={"type": "<b>", "value": "1"})["statusCode"] == 422  # fmt: skip
    assert call(handler, "POST", "/billing/tax-ids", stripe_env.user_sub,
                body={"type": "eu_vat", "value": "DE123456789", "customer": "cus_x"})["statusCode"] == 422  # fmt: skip


def test_delete_own_tax_id(handler, stripe_env, customer, stripe_client):
    txi = stripe_client.v1.customers.tax_ids.create(customer.id, params={"type": "eu_vat", "value": "DE123456789"})
    resp = call(handler, "DELETE", f"/billing/tax-ids/{txi.id}", stripe_env.user_sub, key="k-del")
    assert resp["statusCode"] == 200 and resp["json"] == {"id": txi.id, "deleted": True}
    assert stripe_client.v1.customers.tax_ids.list(customer.id).data == []
    replay = call(handler, "DELETE", f"/billing/tax-ids/{txi.id}", stripe_env.user_sub, key="k-del")
    assert replay["statusCode"] == 200 and replay["json"] == resp["json"]


def test_a3_foreign_tax_id_delete_is_404_without_writes(handler, stripe_env, customer, stripe_client, stripe_emulator):
    other = stripe_client.v1.customers.create(params={"name": "Bob"})
    h.put_mapping("user-b", other.id)
    txi = stripe_client.v1.customers.tax_ids.create(other.id, params={"type": "eu_vat", "value": "FR12345678901"})
    before = events(stripe_emulator)
    resp = call(handler, "DELETE", f"/billing/tax-ids/{txi.id}", stripe_env.user_sub)
    assert resp["statusCode"] == 404 and resp["json"]["error"]["code"] == "not_found"
    assert events(stripe_emulator) == before
    assert [t.id for t in stripe_client.v1.customers.tax_ids.list(other.id).data] == [txi.id]
    entry = AuditLog().entries(f"p_{stripe_env.user_sub}")[0]
    assert entry["action"] == "tax_id.delete" and entry["outcome"] == "denied"


@pytest.mark.parametrize("key", [None, "k" * 256, "tab\tkey"])
def test_b8_tax_id_mutations_need_a_valid_idempotency_key(handler, stripe_env, customer, key):
    resp = call(handler, "POST", "/billing/tax-ids", stripe_env.user_sub,
                body={"type": "eu_vat", "value": "DE123456789"}, key=key)  # fmt: skip
    assert resp["statusCode"] == 400
    resp = call(handler, "DELETE", "/billing/tax-ids/txi_123", stripe_env.user_sub, key=key)
    assert resp["statusCode"] == 400


def test_adding_a_tax_id_the_customer_already_has_is_409_without_a_stripe_write(
    handler, stripe_env, customer, stripe_client, stripe_emulator
):
    first = call(handler, "POST", "/billing/tax-ids", stripe_env.user_sub,
                 body={"type": "eu_vat", "value": "DE123456789"}, key="k-first")  # fmt: skip
    assert first["statusCode"] == 200, first["body"]
    before = events(stripe_emulator)
    again = call(handler, "POST", "/billing/tax-ids", stripe_env.user_sub,
                 body={"type": "eu_vat", "value": "de 123.456-789"})  # fmt: skip
    assert again["statusCode"] == 409, again["body"]
    assert again["json"]["error"]["code"] == "tax_id_exists"
    assert events(stripe_emulator) == before
    assert [t.id for t in stripe_client.v1.customers.tax_ids.list(customer.id).data] == [first["json"]["id"]]
    assert AuditLog().entries(f"p_{stripe_env.user_sub}")[0]["outcome"] == "denied"
    replay = call(handler, "POST", "/billing/tax-ids", stripe_env.user_sub,
                  body={"type": "eu_vat", "value": "DE123456789"}, key="k-first")  # fmt: skip
    assert replay["statusCode"] == 200 and replay["json"] == first["json"]
    other_type = call(handler, "POST", "/billing/tax-ids", stripe_env.user_sub,
                      body={"type": "gb_vat", "value": "GB123456789"})  # fmt: skip
    assert other_type["statusCode"] == 200, other_type["body"]
