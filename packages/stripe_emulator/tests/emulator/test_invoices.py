# mypy: disable-error-code="union-attr, arg-type, index, typeddict-unknown-key, typeddict-item"
"""Invoices and invoice items: Stripe's documented sequences, statuses, numbering, hosted page and PDF."""

from __future__ import annotations

import httpx
import pytest
import stripe

from .billing_setup import DAY, T0, advance, clock_customer, event_types, price


def test_charge_customer_fail_sequence(stripe_client, stripe_emulator) -> None:
    """customer + attach pm_card_chargeCustomerFail + invoice item + create & pay invoice -> card_error."""
    cus = stripe_client.v1.customers.create({"email": "a@example.com"})
    pm = stripe_client.v1.payment_methods.attach("pm_card_chargeCustomerFail", {"customer": cus.id})
    stripe_client.v1.customers.update(cus.id, {"invoice_settings": {"default_payment_method": pm.id}})
    stripe_client.v1.invoice_items.create(
        {"customer": cus.id, "amount": 2500, "currency": "usd", "description": "Setup fee"}
    )
    inv = stripe_client.v1.invoices.create({"customer": cus.id, "pending_invoice_items_behavior": "include"})
    assert inv.status == "draft" and inv.amount_due == 2500
    with pytest.raises(stripe.CardError) as err:
        stripe_client.v1.invoices.pay(inv.id)
    assert err.value.http_status == 402 and err.value.code == "card_declined"
    assert err.value.error.decline_code == "generic_decline"
    after = stripe_client.v1.invoices.retrieve(inv.id)
    assert after.status == "open" and after.attempt_count == 1 and after.amount_remaining == 2500
    assert after.number and after.number.endswith("-0001")
    types = event_types(stripe_emulator)
    for t in (
        "invoiceitem.created",
        "invoice.created",
        "invoice.finalized",
        "payment_intent.payment_failed",
        "invoice.payment_failed",
    ):
        assert t in types
    assert "invoice.paid" not in types


def test_pay_with_another_card_then_paid_events(stripe_client, stripe_emulator) -> None:
    _, cus, _ = clock_customer(stripe_client, "pm_card_chargeCustomerFail")
    stripe_client.v1.invoice_items.create({"customer": cus.id, "amount": 700, "currency": "usd"})
    inv = stripe_client.v1.invoices.create({"customer": cus.id, "pending_invoice_items_behavior": "include"})
    stripe_client.v1.invoices.finalize_invoice(inv.id)
    good = stripe_client.v1.payment_methods.attach("pm_card_mastercard", {"customer": cus.id})
    paid = stripe_client.v1.invoices.pay(inv.id, {"payment_method": good.id})
    assert paid.status == "paid" and paid.amount_paid == 700 and paid.status_transitions.paid_at
    types = event_types(stripe_emulator)
    assert types.index("invoice.paid") < types.index("invoice.payment_succeeded")
    assert "invoice_payment.paid" in types


def test_void_uncollectible_and_list_filters(stripe_client) -> None:
    _, cus, _ = clock_customer(stripe_client)
    ids = []
    for amount in (100, 200):
        stripe_client.v1.invoice_items.create({"customer": cus.id, "amount": amount, "currency": "usd"})
        inv = stripe_client.v1.invoices.create({"customer": cus.id, "pending_invoice_items_behavior": "include"})
        ids.append(stripe_client.v1.invoices.finalize_invoice(inv.id).id)
    assert stripe_client.v1.invoices.void_invoice(ids[0]).status == "void"
    assert stripe_client.v1.invoices.mark_uncollectible(ids[1]).status == "uncollectible"
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.invoices.void_invoice(ids[0])
    page = stripe_client.v1.invoices.list({"customer": cus.id, "limit": 1})
    assert page.has_more and page.data[0].id == ids[1]
    assert [i.id for i in stripe_client.v1.invoices.list({"customer": cus.id, "status": "void"}).data] == [ids[0]]


def test_invoice_item_with_price_and_preview_without_subscription(stripe_client) -> None:
    _, cus, _ = clock_customer(stripe_client)
    one_off = stripe_client.v1.prices.create(
        {"product_data": {"name": "Onboarding"}, "unit_amount": 4900, "currency": "usd"}
    )
    ii = stripe_client.v1.invoice_items.create({"customer": cus.id, "pricing": {"price": one_off.id}, "quantity": 2})
    assert ii.amount == 9800 and ii.pricing.price_details.price == one_off.id
    preview = stripe_client.v1.invoices.create_preview({"customer": cus.id})
    assert preview.amount_due == 9800 and preview.lines.data[0].parent.type == "invoice_item_details"


def test_hosted_page_pays_and_pdf_is_real(stripe_client, stripe_emulator) -> None:
    _, cus, _ = clock_customer(stripe_client)
    stripe_client.v1.invoice_items.create(
        {"customer": cus.id, "amount": 1234, "currency": "usd", "description": "Consulting"}
    )
    inv = stripe_client.v1.invoices.create({"customer": cus.id, "pending_invoice_items_behavior": "include"})
    inv = stripe_client.v1.invoices.finalize_invoice(inv.id)
    assert inv.hosted_invoice_url and inv.invoice_pdf
    page = httpx.get(inv.hosted_invoice_url, timeout=60)
    assert page.status_code == 200 and "Consulting" in page.text and "Pay" in page.text
    pdf = httpx.get(inv.invoice_pdf, timeout=60)  # fpdf2 takes seconds to import
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    paid = httpx.post(f"{stripe_emulator.api_base}/invoices/{inv.id}/hosted/pay", timeout=60)
    assert paid.status_code == 200 and "paid" in paid.text
    assert stripe_client.v1.invoices.retrieve(inv.id).status == "paid"


def test_amount_off_coupon_on_invoice(stripe_client) -> None:
    _, cus, _ = clock_customer(stripe_client)
    coupon = stripe_client.v1.coupons.create({"amount_off": 500, "currency": "usd", "duration": "once"})
    stripe_client.v1.invoice_items.create({"customer": cus.id, "amount": 1000, "currency": "usd"})
    stripe_client.v1.invoice_items.create({"customer": cus.id, "amount": 3000, "currency": "usd"})
    inv = stripe_client.v1.invoices.create(
        {"customer": cus.id, "pending_invoice_items_behavior": "include", "discounts": [{"coupon": coupon.id}]}
    )
    assert inv.subtotal == 4000 and inv.total == 3500
    assert sum(d.amount for li in inv.lines.data for d in li.discount_amounts) == 500


def test_renewal_invoice_names_subscription_in_parent(stripe_client) -> None:
    _, cus, _ = clock_customer(stripe_client)
    sub = stripe_client.v1.subscriptions.create(
        {"customer": cus.id, "items": [{"price": price(stripe_client, 800).id}]}
    )
    inv = stripe_client.v1.invoices.retrieve(sub.latest_invoice)
    line = inv.lines.data[0]
    assert line.parent.type == "subscription_item_details"
    assert line.parent.subscription_item_details.subscription_item == sub["items"].data[0].id
    assert line.description == "1 × Pro (at $8.00 / month)"
    assert inv.total_taxes == [] and inv.confirmation_secret.type == "payment_intent"


def test_paying_an_invoice_that_needs_3ds_is_a_card_error_and_leaves_the_intent_waiting(stripe_client) -> None:
    """Stripe answers `POST /v1/invoices/{id}/pay` with a 3-D Secure card as a 402 card_error
    (`invoice_payment_intent_requires_action`); the invoice stays open, its PaymentIntent `requires_action`."""
    _clock, cus, _pm = clock_customer(stripe_client, card="pm_card_authenticationRequired")
    stripe_client.v1.invoice_items.create({"customer": cus.id, "amount": 1500, "currency": "usd"})
    inv = stripe_client.v1.invoices.create({"customer": cus.id, "pending_invoice_items_behavior": "include"})
    with pytest.raises(stripe.CardError) as exc:
        stripe_client.v1.invoices.pay(inv.id)
    assert exc.value.http_status == 402 and exc.value.code == "invoice_payment_intent_requires_action"
    assert exc.value.error is not None and exc.value.error.type == "card_error"
    inv = stripe_client.v1.invoices.retrieve(inv.id)
    assert inv.status == "open" and inv.amount_paid == 0
    pi_id = inv.payments.data[0].payment.payment_intent
    assert isinstance(pi_id, str)
    pi = stripe_client.v1.payment_intents.retrieve(pi_id)
    assert pi.status == "requires_action" and pi.next_action is not None


def _pdf_text(pdf: bytes) -> str:
    """The text shown by an fpdf2 PDF: its (compressed) content streams' string operands, joined."""
    import re
    import zlib

    shown = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            content = stream
        shown += [m.decode("latin-1") for m in re.findall(rb"\(((?:[^()\\]|\\.)*)\)\s*Tj", content)]
    return "\n".join(shown)


def test_invoice_pdf_period_is_the_service_period_its_lines_cover(stripe_client) -> None:
    """First and renewal invoices print the period being paid for, not the invoice's own (previous) period."""
    clock, cus, _ = clock_customer(stripe_client)
    sub = stripe_client.v1.subscriptions.create(
        {"customer": cus.id, "items": [{"price": price(stripe_client, 1000).id}]}
    )
    advance(stripe_client, clock.id, T0 + 32 * DAY)  # renews on 1 Feb 2026
    renewal, first = stripe_client.v1.invoices.list({"subscription": sub.id}).data
    assert renewal.billing_reason == "subscription_cycle" and first.billing_reason == "subscription_create"
    assert first.period_start == first.period_end  # Stripe's own invoice period: zero-length on the first invoice
    first_pdf = _pdf_text(httpx.get(first.invoice_pdf, timeout=60).content)
    renewal_pdf = _pdf_text(httpx.get(renewal.invoice_pdf, timeout=60).content)
    assert "Period: 1 Jan 2026 - 1 Feb 2026" in first_pdf
    assert "Period: 1 Feb 2026 - 1 Mar 2026" in renewal_pdf


def test_hosted_invoice_page_is_styled_inline_escaped_and_labelled(stripe_client, stripe_emulator) -> None:
    """The page carries its own style (no external resources), escapes what it shows, and announces outcomes."""
    _, cus, _ = clock_customer(stripe_client, "pm_card_chargeCustomerFail")
    stripe_client.v1.invoice_items.create(
        {"customer": cus.id, "amount": 1234, "currency": "usd", "description": "<script>alert(1)</script> & co"}
    )
    inv = stripe_client.v1.invoices.create({"customer": cus.id, "pending_invoice_items_behavior": "include"})
    inv = stripe_client.v1.invoices.finalize_invoice(inv.id)
    text = httpx.get(inv.hosted_invoice_url, timeout=60).text
    assert "<style>" in text and "font-family" in text and 'name="viewport"' in text
    assert "<link" not in text and "<script" not in text and "@import" not in text and "url(" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in text
    assert text.count("<h1>") == 1 and "<caption>" in text and "scope='col'" in text
    failed = httpx.post(f"{stripe_emulator.api_base}/invoices/{inv.id}/hosted/pay", timeout=60).text
    assert 'class="error" role="alert"' in failed and "Payment failed" in failed
