"""Issue 6, part 3: dunning recovery end to end.

A test clock renews a subscription whose card fails (pm_card_chargeCustomerFail) -> past_due. The user adds
pm_card_visa through a SetupIntent confirmed as Stripe.js would, makes it the default through the route, the
overdue invoice is paid and the subscription is active again. GET /billing shows the dunning state before and a
clean state after.
"""

from billing_core.audit import AuditLog
from payment_methods_setup import call, confirm_setup_intent_like_stripe_js, past_due_customer

from tests.helpers.apigw import http_event, invoke


def test_dunning_recovery_past_due_to_active_through_the_routes(
    pm_handler, read_handler, stripe_env, stripe_emulator, stripe_client
):
    sub = stripe_env.user_sub
    # Given: a renewal failed on the old card, the subscription is past due with one open invoice.
    customer, _clock, subscription, invoice = past_due_customer(stripe_client, sub)

    before = invoke(read_handler, http_event("GET", "/billing", sub=sub))
    assert before["statusCode"] == 200, before["body"]
    dunning = before["json"]["dunning"]
    assert dunning["past_due"] is True and dunning["amount_due"] == invoice.amount_remaining > 0
    assert dunning["open_invoice"]["id"] == invoice.id
    assert before["json"]["subscriptions"][0]["status"] == "past_due"

    # When: the user adds a Visa with a SetupIntent (confirmed the way Stripe.js does) ...
    setup = call(pm_handler, "POST", "/billing/payment-methods/setup-intent", sub, key=None)
    assert setup["statusCode"] == 200, setup["body"]
    assert setup["json"]["usage"] == "off_session"
    assert setup["json"]["publishable_key"] == stripe_emulator.publishable_key
    seti = confirm_setup_intent_like_stripe_js(
        stripe_emulator.api_base, setup["json"]["publishable_key"], setup["json"]["client_secret"], "pm_card_visa"
    )
    assert seti["status"] == "succeeded" and seti["customer"] == customer.id
    new_card = seti["payment_method"]

    # ... and makes it the default.
    made_default = call(pm_handler, "POST", f"/billing/payment-methods/{new_card}/default", sub)

    # Then: the overdue invoice is paid with it and the subscription is active again.
    assert made_default["statusCode"] == 200, made_default["body"]
    body = made_default["json"]
    assert body["default_payment_method"]["id"] == new_card and body["default_payment_method"]["last4"] == "4242"
    assert body["subscriptions_updated"] == [subscription.id]
    assert body["overdue_invoices"] == [
        {
            "invoice": invoice.id,
            "status": "paid",
            "amount": invoice.amount_remaining,
            "currency": "usd",
            "reason": None,
            "message": None,
            "payment_intent": None,
            "client_secret": None,
            "publishable_key": None,
            "payment": None,
        }
    ]
    assert stripe_client.v1.invoices.retrieve(invoice.id).status == "paid"
    refreshed = stripe_client.v1.subscriptions.retrieve(subscription.id)
    assert refreshed.status == "active" and refreshed.default_payment_method == new_card
    cus = stripe_client.v1.customers.retrieve(customer.id)
    assert cus.invoice_settings.default_payment_method == new_card

    after = invoke(read_handler, http_event("GET", "/billing", sub=sub))
    assert after["statusCode"] == 200, after["body"]
    assert after["json"]["dunning"] == {
        "past_due": False,
        "past_due_since": None,
        "amount_due": 0,
        "currency": None,
        "open_invoice": None,
    }
    assert after["json"]["subscriptions"][0]["status"] == "active"
    cards = {pm["id"]: pm for pm in after["json"]["payment_methods"]}
    assert cards[new_card]["is_default"] is True

    # And: the mutations are audited with brand and last 4 only.
    entries = AuditLog().entries(f"p_{sub}")
    default_entry = next(e for e in entries if e["action"] == "payment_method.default")
    assert default_entry["outcome"] == "ok"
    assert default_entry["after"]["last4"] == "4242" and default_entry["after"]["brand"] == "visa"
    assert default_entry["after"]["invoices"] == [{"invoice": invoice.id, "status": "paid"}]
    assert any(e["action"] == "payment_method.setup_intent" for e in entries)
