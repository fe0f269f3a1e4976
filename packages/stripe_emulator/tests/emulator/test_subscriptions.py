# mypy: disable-error-code="union-attr, arg-type, index, typeddict-unknown-key, typeddict-item"
"""Subscriptions: creation payment behaviours, statuses, pending updates, cancel, pause/resume, list."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from .billing_setup import DAY, T0, advance, clock_customer, event_types, price


def test_create_charges_default_card_and_items_carry_periods(stripe_client, stripe_emulator) -> None:
    _, cus, _ = clock_customer(stripe_client)
    p = price(stripe_client, 1000)
    sub = stripe_client.v1.subscriptions.create(
        {"customer": cus.id, "items": [{"price": p.id}], "expand": ["latest_invoice.payments"]}
    )
    assert sub.status == "active"
    inv = sub.latest_invoice
    assert inv.status == "paid" and inv.amount_paid == 1000 and inv.billing_reason == "subscription_create"
    assert inv.parent.subscription_details.subscription == sub.id
    assert inv.payments.data[0].status == "paid"
    item = sub["items"].data[0]
    assert (item.current_period_start, item.current_period_end) == (T0, T0 + 31 * DAY)
    assert "current_period_end" not in sub
    types = event_types(stripe_emulator)
    assert types.index("customer.subscription.created") < types.index("invoice.paid")
    assert "customer.subscription.updated" in types


def test_allow_incomplete_decline_leaves_incomplete_then_expires(stripe_client) -> None:
    clock, cus, _ = clock_customer(stripe_client, "pm_card_chargeCustomerFail")
    sub = stripe_client.v1.subscriptions.create(
        {"customer": cus.id, "items": [{"price": price(stripe_client, 900).id}]}
    )
    assert sub.status == "incomplete"
    inv = stripe_client.v1.invoices.retrieve(sub.latest_invoice)
    assert inv.status == "open" and inv.attempt_count == 1
    advance(stripe_client, clock.id, T0 + 23 * 3600 + 1)
    assert stripe_client.v1.subscriptions.retrieve(sub.id).status == "incomplete_expired"
    assert stripe_client.v1.invoices.retrieve(inv.id).status == "void"


def test_error_if_incomplete_answers_402_and_creates_nothing(stripe_client) -> None:
    _, cus, _ = clock_customer(stripe_client, "pm_card_chargeCustomerFail")
    with pytest.raises(stripe.CardError) as err:
        stripe_client.v1.subscriptions.create(
            {
                "customer": cus.id,
                "items": [{"price": price(stripe_client, 900).id}],
                "payment_behavior": "error_if_incomplete",
            }
        )
    assert err.value.http_status == 402 and err.value.code == "card_declined"
    assert stripe_client.v1.subscriptions.list({"customer": cus.id, "status": "all"}).data == []


def test_default_incomplete_exposes_confirmation_secret_and_3ds_activates(stripe_client, stripe_emulator) -> None:
    _, cus, card = clock_customer(stripe_client, "pm_card_authenticationRequired")
    sub = stripe_client.v1.subscriptions.create(
        {
            "customer": cus.id,
            "items": [{"price": price(stripe_client, 1900).id}],
            "payment_behavior": "default_incomplete",
            "expand": ["latest_invoice.confirmation_secret"],
        }
    )
    assert sub.status == "incomplete"
    secret = sub.latest_invoice.confirmation_secret
    assert secret.type == "payment_intent" and "_secret_" in secret.client_secret
    pi_id = secret.client_secret.split("_secret_")[0]
    pk = stripe.StripeClient(stripe_emulator.publishable_key, base_addresses={"api": stripe_emulator.api_base})
    pi = pk.v1.payment_intents.confirm(
        pi_id,
        {"client_secret": secret.client_secret, "payment_method": card.id},
    )
    assert pi.status == "requires_action" and pi.next_action.type == "use_stripe_sdk"
    import httpx

    httpx.post(f"{stripe_emulator.api_base}/_emulator/payment_intents/{pi_id}/3ds", data={"result": "approve"})
    assert stripe_client.v1.subscriptions.retrieve(sub.id).status == "active"
    assert stripe_client.v1.invoices.retrieve(sub.latest_invoice.id).status == "paid"


def test_pending_if_incomplete_keeps_old_items_until_paid(stripe_client, stripe_emulator) -> None:
    clock, cus, _ = clock_customer(stripe_client)
    sub = stripe_client.v1.subscriptions.create(
        {"customer": cus.id, "items": [{"price": price(stripe_client, 1000).id}]}
    )
    advance(stripe_client, clock.id, T0 + 5 * DAY)
    bad = stripe_client.v1.payment_methods.attach("pm_card_chargeCustomerFail", {"customer": cus.id})
    stripe_client.v1.customers.update(cus.id, {"invoice_settings": {"default_payment_method": bad.id}})
    big = price(stripe_client, 5000, name="Max")
    updated = stripe_client.v1.subscriptions.update(
        sub.id,
        {
            "items": [{"id": sub["items"].data[0].id, "price": big.id}],
            "proration_behavior": "always_invoice",
            "payment_behavior": "pending_if_incomplete",
        },
    )
    assert updated.status == "active"
    assert updated["items"].data[0].price.id != big.id
    assert updated.pending_update.subscription_items[0].price.id == big.id
    assert updated.pending_update.expires_at == T0 + 5 * DAY + 23 * 3600
    inv = stripe_client.v1.invoices.retrieve(updated.latest_invoice)
    assert inv.status == "open"
    good = stripe_client.v1.payment_methods.attach("pm_card_visa", {"customer": cus.id})
    stripe_client.v1.invoices.pay(inv.id, {"payment_method": good.id})
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after.pending_update is None and after["items"].data[0].price.id == big.id
    assert "customer.subscription.pending_update_applied" in event_types(stripe_emulator)
    with pytest.raises(stripe.InvalidRequestError) as err:  # still not allowed with a pending update
        stripe_client.v1.subscriptions.update(sub.id, {"description": "x", "payment_behavior": "pending_if_incomplete"})
    assert err.value.param == "description"


def test_pending_update_holds_metadata_discounts_and_cancel_at_period_end(stripe_client) -> None:
    """dahlia/endive: metadata, discounts and cancel_at_period_end wait in pending_update until the invoice is paid."""
    clock, cus, _ = clock_customer(stripe_client)
    sub = stripe_client.v1.subscriptions.create(
        {"customer": cus.id, "items": [{"price": price(stripe_client, 1000).id}], "metadata": {"keep": "1"}}
    )
    advance(stripe_client, clock.id, T0 + 5 * DAY)
    bad = stripe_client.v1.payment_methods.attach("pm_card_chargeCustomerFail", {"customer": cus.id})
    stripe_client.v1.customers.update(cus.id, {"invoice_settings": {"default_payment_method": bad.id}})
    coupon = stripe_client.v1.coupons.create({"percent_off": 10, "duration": "forever"})
    updated = stripe_client.v1.subscriptions.update(
        sub.id,
        {
            "items": [{"id": sub["items"].data[0].id, "quantity": 2}],
            "proration_behavior": "always_invoice",
            "payment_behavior": "pending_if_incomplete",
            "metadata": {"plan": "two"},
            "discounts": [{"coupon": coupon.id}],
            "cancel_at_period_end": True,
        },
    )
    pu = updated.pending_update
    assert pu.metadata.to_dict() == {"plan": "two"} and pu.cancel_at_period_end is True and len(pu.discounts) == 1
    assert updated.metadata.to_dict() == {"keep": "1"} and updated.cancel_at_period_end is False
    assert updated.discounts == [] and updated["items"].data[0].quantity == 1
    good = stripe_client.v1.payment_methods.attach("pm_card_visa", {"customer": cus.id})
    stripe_client.v1.invoices.pay(updated.latest_invoice, {"payment_method": good.id})
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after.pending_update is None and after["items"].data[0].quantity == 2
    assert after.metadata.to_dict() == {"keep": "1", "plan": "two"}
    assert after.cancel_at_period_end is True and after.discounts == pu.discounts


def test_pending_update_expires(stripe_client, stripe_emulator) -> None:
    clock, cus, _ = clock_customer(stripe_client, "pm_card_visa")
    sub = stripe_client.v1.subscriptions.create(
        {"customer": cus.id, "items": [{"price": price(stripe_client, 1000).id}]}
    )
    bad = stripe_client.v1.payment_methods.attach("pm_card_authenticationRequired", {"customer": cus.id})
    stripe_client.v1.subscriptions.update(sub.id, {"default_payment_method": bad.id})
    updated = stripe_client.v1.subscriptions.update(
        sub.id,
        {
            "items": [{"id": sub["items"].data[0].id, "quantity": 3}],
            "proration_behavior": "always_invoice",
            "payment_behavior": "pending_if_incomplete",
        },
    )
    assert updated.pending_update is not None
    assert stripe_client.v1.invoices.retrieve(updated.latest_invoice).status == "open"  # left open while pending
    advance(stripe_client, clock.id, T0 + 24 * 3600)
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after.pending_update is None and after["items"].data[0].quantity == 1
    # Stripe's "Pending updates reference" (Expiration): the invoice is voided when the pending update expires.
    assert stripe_client.v1.invoices.retrieve(updated.latest_invoice).status == "void"
    assert "customer.subscription.pending_update_expired" in event_types(stripe_emulator)


def test_cancel_now_with_details_and_at_period_end(stripe_client, stripe_emulator) -> None:
    clock, cus, _ = clock_customer(stripe_client)
    p = price(stripe_client, 1000)
    a = stripe_client.v1.subscriptions.create({"customer": cus.id, "items": [{"price": p.id}]})
    done = stripe_client.v1.subscriptions.cancel(
        a.id, {"cancellation_details": {"feedback": "too_expensive", "comment": "pricey"}}
    )
    assert done.status == "canceled" and done.cancellation_details.feedback == "too_expensive"
    assert done.cancellation_details.reason == "cancellation_requested"
    b = stripe_client.v1.subscriptions.create({"customer": cus.id, "items": [{"price": p.id}]})
    b = stripe_client.v1.subscriptions.update(b.id, {"cancel_at_period_end": True})
    assert b.cancel_at == b["items"].data[0].current_period_end
    advance(stripe_client, clock.id, T0 + 31 * DAY + 1)
    assert stripe_client.v1.subscriptions.retrieve(b.id).status == "canceled"
    assert event_types(stripe_emulator).count("customer.subscription.deleted") == 2
    assert [s.id for s in stripe_client.v1.subscriptions.list({"customer": cus.id}).data] == []
    assert len(stripe_client.v1.subscriptions.list({"customer": cus.id, "status": "all"}).data) == 2


def test_pause_and_resume(stripe_client, stripe_emulator) -> None:
    clock, cus, _ = clock_customer(stripe_client)
    sub = stripe_client.v1.subscriptions.create(
        {"customer": cus.id, "items": [{"price": price(stripe_client, 1000).id}]}
    )
    paused = stripe_client.v1.subscriptions.pause(sub.id, {"type": "subscription"})
    assert paused.status == "paused"
    advance(stripe_client, clock.id, T0 + 40 * DAY)
    assert len(stripe_client.v1.invoices.list({"subscription": sub.id}).data) == 1
    resumed = stripe_client.v1.subscriptions.resume(sub.id, {"billing_cycle_anchor": {"type": "now"}})
    assert resumed.status == "active" and resumed.billing_cycle_anchor == T0 + 40 * DAY
    assert len(stripe_client.v1.invoices.list({"subscription": sub.id}).data) == 2
    types = event_types(stripe_emulator)
    assert "customer.subscription.paused" in types and "customer.subscription.resumed" in types


def test_trial_will_end_and_first_charge(stripe_client, stripe_emulator) -> None:
    clock, cus, _ = clock_customer(stripe_client)
    sub = stripe_client.v1.subscriptions.create(
        {"customer": cus.id, "items": [{"price": price(stripe_client, 1000).id}], "trial_period_days": 7}
    )
    assert sub.status == "trialing" and sub.trial_end == T0 + 7 * DAY
    first = stripe_client.v1.invoices.retrieve(sub.latest_invoice)
    assert first.amount_due == 0 and first.status == "paid"
    advance(stripe_client, clock.id, T0 + 5 * DAY)
    assert "customer.subscription.trial_will_end" in event_types(stripe_emulator)
    advance(stripe_client, clock.id, T0 + 8 * DAY)
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after.status == "active" and after.billing_cycle_anchor == T0 + 7 * DAY
    assert stripe_client.v1.invoices.retrieve(after.latest_invoice).amount_paid == 1000


def test_unknown_item_and_mixed_intervals_rejected(stripe_client) -> None:
    _, cus, _ = clock_customer(stripe_client)
    with pytest.raises(stripe.InvalidRequestError) as err:
        stripe_client.v1.subscriptions.create(
            {
                "customer": cus.id,
                "items": [
                    {"price": price(stripe_client, 1000).id},
                    {"price": price(stripe_client, 9000, "year", "Y").id},
                ],
            }
        )
    assert err.value.http_status == 400


@pytest.mark.parametrize("save", ["on_subscription", "off"])
def test_save_default_payment_method_on_subscription(stripe_client, save) -> None:
    """payment_settings.save_default_payment_method=on_subscription: the card that pays becomes the default."""
    cus = stripe_client.v1.customers.create({"email": "sam@example.com"})
    pm = stripe_client.v1.payment_methods.attach("pm_card_visa", {"customer": cus.id})
    sub = stripe_client.v1.subscriptions.create(
        {
            "customer": cus.id,
            "items": [{"price": price(stripe_client, 1200).id}],
            "payment_behavior": "default_incomplete",
            "payment_settings": {"save_default_payment_method": save},
        }
    )
    assert sub.status == "incomplete" and sub.default_payment_method is None
    assert sub.payment_settings.save_default_payment_method == save
    stripe_client.v1.invoices.pay(sub.latest_invoice, {"payment_method": pm.id})
    after = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert after.status == "active"
    assert after.default_payment_method == (pm.id if save == "on_subscription" else None)


def test_refused_update_writes_nothing(stripe_client) -> None:
    """A bad item, card or date anywhere in an update leaves the subscription exactly as it was."""
    clock, cus, _ = clock_customer(stripe_client)
    sub = stripe_client.v1.subscriptions.create(
        {"customer": cus.id, "items": [{"price": price(stripe_client, 1000).id}], "metadata": {"a": "1"}}
    )
    big = price(stripe_client, 5000, name="Max")
    item = sub["items"].data[0].id
    refused: list[dict[str, Any]] = [
        {"items": [{"id": item, "price": big.id}, {"id": "si_missing", "quantity": 2}]},
        {"items": [{"id": item, "price": big.id}], "default_payment_method": "pm_missing"},
        {"items": [{"id": item, "price": big.id}], "cancel_at": T0 - 10},
        {"items": [{"id": item, "price": big.id}, {"price": price(stripe_client, 900, interval="year").id}]},
    ]
    for params in refused:
        with pytest.raises(stripe.StripeError):
            stripe_client.v1.subscriptions.update(
                sub.id, {**params, "metadata": {"a": "2"}, "proration_behavior": "always_invoice"}
            )
        after = stripe_client.v1.subscriptions.retrieve(sub.id)
        assert after["items"].data[0].price.id != big.id and after.metadata.to_dict() == {"a": "1"}, params
        assert after.cancel_at is None and after.latest_invoice == sub.latest_invoice
