"""Customers against the emulator through stripe-python, as the product calls them."""

from __future__ import annotations

import pytest
import stripe


def _events(client: stripe.StripeClient, type_: str) -> list[stripe.Event]:
    return list(client.v1.events.list(params={"type": type_, "limit": 100}).data)


def test_create_and_retrieve_carry_declared_fields(stripe_client: stripe.StripeClient) -> None:
    cus = stripe_client.v1.customers.create(
        params={
            "email": "ada@example.com",
            "name": "Ada",
            "phone": "+441234",
            "preferred_locales": ["en-GB"],
            "address": {"country": "GB", "line1": "1 Analytical St"},
            "metadata": {"user_sub": "u-1"},
        }
    )
    got = stripe_client.v1.customers.retrieve(cus.id)
    assert got.email == "ada@example.com" and got.preferred_locales == ["en-GB"]
    assert got.address is not None and got.address.country == "GB" and got.address.city is None
    assert got.metadata.to_dict() == {"user_sub": "u-1"}
    assert got.invoice_settings.default_payment_method is None
    assert "deleted" not in got.to_dict()
    assert _events(stripe_client, "customer.created")[0].data.object["id"] == cus.id


def test_update_fields_metadata_merge_and_previous_attributes(stripe_client: stripe.StripeClient) -> None:
    cus = stripe_client.v1.customers.create(params={"email": "a@x.test", "metadata": {"a": "1", "b": "2"}})
    upd = stripe_client.v1.customers.update(
        cus.id, params={"email": "b@x.test", "phone": "+1555", "metadata": {"a": "", "c": "3"}}
    )
    assert upd.email == "b@x.test" and upd.phone == "+1555"
    assert upd.metadata.to_dict() == {"b": "2", "c": "3"}
    evt = _events(stripe_client, "customer.updated")[0]
    prev = evt.data.previous_attributes
    assert prev is not None and prev["email"] == "a@x.test" and prev["phone"] is None
    assert prev["metadata"].to_dict() == {"a": "1", "c": None}


def test_update_without_change_emits_no_event(stripe_client: stripe.StripeClient) -> None:
    cus = stripe_client.v1.customers.create(params={"email": "a@x.test"})
    stripe_client.v1.customers.update(cus.id, params={"email": "a@x.test"})
    assert _events(stripe_client, "customer.updated") == []


def test_default_payment_method_must_be_attached_to_the_customer(stripe_client: stripe.StripeClient) -> None:
    cus = stripe_client.v1.customers.create(params={})
    other = stripe_client.v1.customers.create(params={})
    pm = stripe_client.v1.payment_methods.attach("pm_card_visa", params={"customer": other.id})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.update(cus.id, params={"invoice_settings": {"default_payment_method": pm.id}})
    assert exc.value.param == "invoice_settings[default_payment_method]"
    mine = stripe_client.v1.payment_methods.attach("pm_card_mastercard", params={"customer": cus.id})
    upd = stripe_client.v1.customers.update(cus.id, params={"invoice_settings": {"default_payment_method": mine.id}})
    assert upd.invoice_settings.default_payment_method == mine.id
    expanded = stripe_client.v1.customers.retrieve(
        cus.id, params={"expand": ["invoice_settings.default_payment_method"]}
    )
    dpm = expanded.invoice_settings.default_payment_method
    assert isinstance(dpm, stripe.PaymentMethod) and dpm.card is not None and dpm.card.last4 == "4444"


def test_create_with_payment_method_token_attaches_a_clone(stripe_client: stripe.StripeClient) -> None:
    cus = stripe_client.v1.customers.create(
        params={"payment_method": "pm_card_visa", "invoice_settings": {"default_payment_method": "pm_card_visa"}}
    )
    pms = stripe_client.v1.customers.payment_methods.list(cus.id).data
    assert len(pms) == 1 and pms[0].id.startswith("pm_") and pms[0].id != "pm_card_visa"
    assert cus.invoice_settings.default_payment_method == pms[0].id


def test_delete_then_retrieve_answers_the_deleted_stub(stripe_client: stripe.StripeClient) -> None:
    cus = stripe_client.v1.customers.create(params={"email": "gone@x.test"})
    deleted = stripe_client.v1.customers.delete(cus.id)
    assert deleted.to_dict() == {"id": cus.id, "object": "customer", "deleted": True}
    again = stripe_client.v1.customers.retrieve(cus.id)
    assert again.to_dict() == {"id": cus.id, "object": "customer", "deleted": True}
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.update(cus.id, params={"name": "x"})
    assert exc.value.http_status == 404 and exc.value.code == "resource_missing"
    assert stripe_client.v1.customers.list(params={"email": "gone@x.test"}).data == []
    evt = _events(stripe_client, "customer.deleted")[0]
    assert evt.data.object["email"] == "gone@x.test"


def test_list_email_filter_and_pagination(stripe_client: stripe.StripeClient) -> None:
    ids = [stripe_client.v1.customers.create(params={"email": "same@x.test"}).id for _ in range(5)]
    stripe_client.v1.customers.create(params={"email": "other@x.test"})
    page = stripe_client.v1.customers.list(params={"email": "same@x.test", "limit": 2})
    assert [c.id for c in page.data] == ids[::-1][:2] and page.has_more
    seen = [
        c.id for c in stripe_client.v1.customers.list(params={"email": "same@x.test", "limit": 2}).auto_paging_iter()
    ]
    assert seen == ids[::-1]


def test_search_metadata_email_and_or(stripe_client: stripe.StripeClient) -> None:
    a = stripe_client.v1.customers.create(params={"email": "a@x.test", "metadata": {"user_sub": "u-1"}})
    b = stripe_client.v1.customers.create(params={"email": "b@x.test", "metadata": {"user_sub": "u-2"}})
    r = stripe_client.v1.customers.search(params={"query": "metadata['user_sub']:'u-1'"})
    assert r.object == "search_result" and [c.id for c in r.data] == [a.id]  # type: ignore[attr-defined]
    assert r.url == "/v1/customers/search" and r.has_more is False and r.next_page is None  # type: ignore[attr-defined]
    both = stripe_client.v1.customers.search(params={"query": "email:'a@x.test' OR email:'b@x.test'"})
    assert {c.id for c in both.data} == {a.id, b.id}
    none = stripe_client.v1.customers.search(params={"query": "email:'a@x.test' AND metadata['user_sub']:'u-2'"})
    assert none.data == []
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.customers.search(params={"query": "email:'a@x.test' AND email:'b' OR name:'c'"})
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.customers.search(params={"query": "nonsense"})


def test_search_pages_with_next_page(stripe_client: stripe.StripeClient) -> None:
    for i in range(3):
        stripe_client.v1.customers.create(params={"metadata": {"team": "t"}, "name": f"n{i}"})
    first = stripe_client.v1.customers.search(params={"query": "metadata['team']:'t'", "limit": 2})
    assert len(first.data) == 2 and first.has_more and first.next_page
    second = stripe_client.v1.customers.search(
        params={"query": "metadata['team']:'t'", "limit": 2, "page": first.next_page}
    )
    assert len(second.data) == 1 and not second.has_more
    assert {c.id for c in first.data}.isdisjoint({c.id for c in second.data})
