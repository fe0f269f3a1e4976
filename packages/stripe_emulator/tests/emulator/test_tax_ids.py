"""Tax IDs: Stripe's type list, value formats, country, verification status and events."""

from __future__ import annotations

import pytest
import stripe
from stripe_emulator.resources import tax_ids


@pytest.fixture
def customer(stripe_client: stripe.StripeClient) -> stripe.Customer:
    return stripe_client.v1.customers.create(params={"name": "Acme GmbH"})


def test_eu_vat_is_pending_then_verified(
    stripe_client: stripe.StripeClient, customer: stripe.Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tax_ids, "VERIFY_DELAY_S", 0.0)
    txi = stripe_client.v1.customers.tax_ids.create(customer.id, params={"type": "eu_vat", "value": "DE123456789"})
    assert txi.verification is not None and txi.verification.status == "pending"
    assert txi.country == "DE" and txi.customer == customer.id
    assert txi.owner is not None and txi.owner.type == "customer" and txi.owner.customer == customer.id
    again = stripe_client.v1.customers.tax_ids.retrieve(customer.id, txi.id)
    assert again.verification is not None and again.verification.status == "verified"
    assert again.verification.verified_name == "Acme GmbH"
    types = [e.type for e in stripe_client.v1.events.list(params={"type": "customer.tax_id.*"}).data]
    assert types == ["customer.tax_id.updated", "customer.tax_id.created"]


def test_zeros_become_unverified(
    stripe_client: stripe.StripeClient, customer: stripe.Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tax_ids, "VERIFY_DELAY_S", 0.0)
    txi = stripe_client.v1.customers.tax_ids.create(customer.id, params={"type": "gb_vat", "value": "GB000000000"})
    assert txi.country == "GB"
    listed = stripe_client.v1.customers.tax_ids.list(customer.id).data
    assert listed[0].verification is not None and listed[0].verification.status == "unverified"


def test_pending_while_the_delay_runs(stripe_client: stripe.StripeClient, customer: stripe.Customer) -> None:
    txi = stripe_client.v1.customers.tax_ids.create(customer.id, params={"type": "au_abn", "value": "12345678912"})
    again = stripe_client.v1.customers.tax_ids.retrieve(customer.id, txi.id)
    assert again.verification is not None and again.verification.status == "pending" and again.country == "AU"


def test_unverified_types_are_unavailable(stripe_client: stripe.StripeClient, customer: stripe.Customer) -> None:
    txi = stripe_client.v1.customers.tax_ids.create(customer.id, params={"type": "us_ein", "value": "12-3456789"})
    assert txi.verification is not None and txi.verification.status == "unavailable" and txi.country == "US"


@pytest.mark.parametrize(
    ("tax_type", "value"),
    [("eu_vat", "123"), ("eu_vat", "US123456789"), ("gb_vat", "GB1234"), ("us_ein", "123456789"), ("au_abn", "1"),
     ("ch_vat", "  ")],
)  # fmt: skip
def test_bad_values_are_tax_id_invalid(
    stripe_client: stripe.StripeClient, customer: stripe.Customer, tax_type: str, value: str
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.tax_ids.create(customer.id, params={"type": tax_type, "value": value})
    assert exc.value.http_status == 400 and exc.value.code == "tax_id_invalid" and exc.value.param == "value"


def test_unknown_type_is_rejected(stripe_client: stripe.StripeClient, customer: stripe.Customer) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.tax_ids.create(customer.id, params={"type": "xx_vat", "value": "1"})
    assert exc.value.param == "type"
    assert "eu_vat" in tax_ids.allowed_types() and "ch_vat" in tax_ids.allowed_types()


def test_delete_and_list(stripe_client: stripe.StripeClient, customer: stripe.Customer) -> None:
    a = stripe_client.v1.customers.tax_ids.create(
        customer.id, params={"type": "ch_vat", "value": "CHE-123.456.789 MWST"}
    )
    stripe_client.v1.customers.tax_ids.create(customer.id, params={"type": "us_ein", "value": "12-3456789"})
    assert len(stripe_client.v1.customers.tax_ids.list(customer.id).data) == 2
    deleted = stripe_client.v1.customers.tax_ids.delete(customer.id, a.id)
    assert deleted.deleted is True
    assert len(stripe_client.v1.customers.tax_ids.list(customer.id).data) == 1
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.tax_ids.retrieve(customer.id, a.id)
    assert exc.value.http_status == 404
    assert stripe_client.v1.events.list(params={"type": "customer.tax_id.deleted"}).data[0].data.object["id"] == a.id


def test_expand_tax_ids_on_customer_and_top_level_endpoint(
    stripe_client: stripe.StripeClient, customer: stripe.Customer
) -> None:
    txi = stripe_client.v1.tax_ids.create(
        params={"type": "eu_vat", "value": "FR12345678901", "owner": {"type": "customer", "customer": customer.id}}
    )
    assert txi.customer == customer.id and txi.country == "FR"
    got = stripe_client.v1.customers.retrieve(customer.id, params={"expand": ["tax_ids"]})
    assert got.tax_ids is not None and [t.id for t in got.tax_ids.data] == [txi.id]
    assert "tax_ids" not in stripe_client.v1.customers.retrieve(customer.id).to_dict()
    assert stripe_client.v1.tax_ids.retrieve(txi.id).id == txi.id
