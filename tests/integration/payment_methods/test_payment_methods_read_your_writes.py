"""H4: GET /billing right after paying an overdue invoice (either route) is no longer past due, before any webhook."""

from __future__ import annotations

from typing import Any

from billing_core.entitlement_sync import EntitlementSync
from payment_methods_setup import attach, call, past_due_customer

from tests.helpers.apigw import http_event, invoke


def read(read_handler: Any, sub: str) -> dict[str, Any]:
    response = invoke(read_handler, http_event("GET", "/billing", sub=sub))
    assert response["statusCode"] == 200, response["body"]
    return response["json"]


def past_due_as_the_webhook_stored_it(stripe_client: Any, sub: str, read_handler: Any) -> tuple[Any, Any]:
    customer, _clock, _subscription, invoice = past_due_customer(stripe_client, sub)
    EntitlementSync().sync(f"p_{sub}", customer.id, reason="invoice.payment_failed")
    before = read(read_handler, sub)
    assert before["entitlements"]["status"] == "past_due" and before["entitlements"]["source"] == "stored"
    return customer, invoice


def test_h4_paying_the_overdue_invoice_shows_active_right_away(pm_handler, read_handler, stripe_env, stripe_client):
    sub = stripe_env.user_sub
    customer, invoice = past_due_as_the_webhook_stored_it(stripe_client, sub, read_handler)
    visa = attach(stripe_client, customer.id, "pm_card_visa")
    paid = call(pm_handler, "POST", f"/billing/invoices/{invoice.id}/pay", sub, body={"payment_method": visa.id})
    assert paid["statusCode"] == 200 and paid["json"]["status"] == "paid", paid["body"]
    after = read(read_handler, sub)
    assert after["dunning"]["past_due"] is False
    ent = after["entitlements"]
    # (the setup helpers' price is not in the catalog, so the plan grants nothing either way: the status changed)
    assert (ent["source"], ent["status"], ent["past_due_since"], ent["grace_until"]) == ("stored", "active", None, None)


def test_h4_making_a_card_default_that_pays_the_overdue_invoice_shows_active_right_away(
    pm_handler, read_handler, stripe_env, stripe_client
):
    sub = stripe_env.user_sub
    customer, invoice = past_due_as_the_webhook_stored_it(stripe_client, sub, read_handler)
    visa = attach(stripe_client, customer.id, "pm_card_visa")
    made = call(pm_handler, "POST", f"/billing/payment-methods/{visa.id}/default", sub)
    assert made["statusCode"] == 200, made["body"]
    assert [r["status"] for r in made["json"]["overdue_invoices"]] == ["paid"]
    ent = read(read_handler, sub)["entitlements"]
    assert (ent["source"], ent["status"], ent["grace_until"]) == ("stored", "active", None)
