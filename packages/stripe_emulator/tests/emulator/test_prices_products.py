"""Products and prices: lookup keys (and their transfer), recurring, archiving, list filters, expand."""

from __future__ import annotations

import pytest
import stripe


@pytest.fixture
def product(stripe_client: stripe.StripeClient) -> stripe.Product:
    return stripe_client.v1.products.create(params={"name": "Pro", "metadata": {"tier": "pro"}})


def _price(client: stripe.StripeClient, product: str, **extra: object) -> stripe.Price:
    params: dict = {"currency": "usd", "unit_amount": 1000, "product": product, "recurring": {"interval": "month"}}
    params.update(extra)
    return client.v1.prices.create(params=params)  # type: ignore[arg-type]


def test_product_create_update_default_price(stripe_client: stripe.StripeClient, product: stripe.Product) -> None:
    assert product.active and product.default_price is None and product.type == "service"
    price = _price(stripe_client, product.id)
    upd = stripe_client.v1.products.update(product.id, params={"default_price": price.id, "metadata": {"tier": ""}})
    assert upd.default_price == price.id and upd.metadata.to_dict() == {}
    got = stripe_client.v1.products.retrieve(product.id, params={"expand": ["default_price"]})
    assert isinstance(got.default_price, stripe.Price) and got.default_price.unit_amount == 1000
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.prices.update(price.id, params={"active": False})
    types = [e.type for e in stripe_client.v1.events.list().data]
    assert types == ["product.updated", "price.created", "product.created"]


def test_product_with_default_price_data(stripe_client: stripe.StripeClient) -> None:
    prod = stripe_client.v1.products.create(
        params={
            "name": "Team",
            "default_price_data": {"currency": "eur", "unit_amount": 500, "recurring": {"interval": "year"}},
        }
    )
    assert isinstance(prod.default_price, str)
    price = stripe_client.v1.prices.retrieve(prod.default_price)
    assert price.currency == "eur" and price.recurring is not None and price.recurring.interval == "year"


def test_price_shape(stripe_client: stripe.StripeClient, product: stripe.Product) -> None:
    price = _price(
        stripe_client, product.id, nickname="Monthly", tax_behavior="exclusive", lookup_key="pro_monthly",
        recurring={"interval": "month", "interval_count": 3, "usage_type": "licensed"},
    )  # fmt: skip
    assert (
        price.type == "recurring" and price.unit_amount_decimal is not None and str(price.unit_amount_decimal) == "1000"
    )
    assert (
        price.recurring is not None and price.recurring.interval_count == 3 and price.recurring.usage_type == "licensed"
    )
    assert price.lookup_key == "pro_monthly" and price.tax_behavior == "exclusive" and price.nickname == "Monthly"
    one_time = stripe_client.v1.prices.create(params={"currency": "usd", "unit_amount": 50, "product": product.id})
    assert one_time.type == "one_time" and one_time.recurring is None


def test_duplicate_lookup_key_and_transfer(stripe_client: stripe.StripeClient, product: stripe.Product) -> None:
    old = _price(stripe_client, product.id, lookup_key="pro")
    with pytest.raises(stripe.InvalidRequestError) as exc:
        _price(stripe_client, product.id, lookup_key="pro")
    assert exc.value.param == "lookup_key"
    new = _price(stripe_client, product.id, lookup_key="pro", transfer_lookup_key=True, unit_amount=1500)
    assert stripe_client.v1.prices.retrieve(old.id).lookup_key is None
    found = stripe_client.v1.prices.list(params={"lookup_keys": ["pro"]}).data
    assert [p.id for p in found] == [new.id]
    updated_evt = stripe_client.v1.events.list(params={"type": "price.updated"}).data[0]
    assert updated_evt.data.object["id"] == old.id and updated_evt.data.previous_attributes.to_dict() == {
        "lookup_key": "pro"
    }
    moved = stripe_client.v1.prices.update(old.id, params={"lookup_key": "pro", "transfer_lookup_key": True})
    assert moved.lookup_key == "pro" and stripe_client.v1.prices.retrieve(new.id).lookup_key is None


def test_archive_and_list_filters(stripe_client: stripe.StripeClient, product: stripe.Product) -> None:
    monthly = _price(stripe_client, product.id)
    yearly = _price(stripe_client, product.id, recurring={"interval": "year"})
    once = stripe_client.v1.prices.create(params={"currency": "usd", "unit_amount": 50, "product": product.id})
    other = stripe_client.v1.products.create(params={"name": "Other"})
    _price(stripe_client, other.id)
    archived = stripe_client.v1.prices.update(monthly.id, params={"active": False})
    assert archived.active is False
    lst = stripe_client.v1.prices.list
    assert {p.id for p in lst(params={"product": product.id, "active": True}).data} == {yearly.id, once.id}
    assert [p.id for p in lst(params={"product": product.id, "type": "one_time"}).data] == [once.id]
    assert [p.id for p in lst(params={"product": product.id, "recurring": {"interval": "year"}}).data] == [yearly.id]
    expanded = lst(params={"product": product.id, "expand": ["data.product"]}).data
    assert all(isinstance(p.product, stripe.Product) and p.product.name == "Pro" for p in expanded)


def test_price_validation(stripe_client: stripe.StripeClient, product: stripe.Product) -> None:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.prices.create(params={"currency": "usd", "product": product.id})
    assert exc.value.param == "unit_amount"
    with pytest.raises(stripe.InvalidRequestError) as exc:
        _price(stripe_client, "prod_missing")
    assert exc.value.http_status == 404
    with pytest.raises(stripe.InvalidRequestError) as exc:
        _price(stripe_client, product.id, recurring={"interval": "month", "interval_count": 40})
    assert exc.value.param == "recurring[interval_count]"


def test_products_list_and_delete(stripe_client: stripe.StripeClient, product: stripe.Product) -> None:
    inactive = stripe_client.v1.products.create(params={"name": "Old", "active": False})
    assert [p.id for p in stripe_client.v1.products.list(params={"active": True}).data] == [product.id]
    assert stripe_client.v1.products.delete(inactive.id).deleted is True
    _price(stripe_client, product.id)
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.products.delete(product.id)
