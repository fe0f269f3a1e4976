"""`create_subscription`: items, trial, anchor, discounts, the first invoice and its payment behaviour."""

from __future__ import annotations

from typing import Any

from ..backend import Backend
from ..errors import invalid_request
from ..models.catalog import Price
from ..models.invoices import Invoice
from ..models.subscriptions import Subscription
from . import billing_mode, common, invoicing
from . import subscription_core as core
from .invoice_shape import compute_totals


def _trial_end(p: dict[str, Any], prices: list[Price], now: int) -> int | None:
    if p.get("trial_end") not in (None, ""):
        if p["trial_end"] == "now":
            return None
        te = int(p["trial_end"])
        if te <= now:
            raise invalid_request(
                "Invalid timestamp: must be an integer Unix timestamp in the future.", param="trial_end"
            )
        return te
    days = p.get("trial_period_days")
    if days is None and p.get("trial_from_plan"):
        days = max(((pr.get("recurring") or {}).get("trial_period_days") or 0) for pr in prices) or None
    return now + int(days) * common.DAY if days else None


def create_subscription(b: Backend, p: dict[str, Any], request_id: str | None = None) -> Subscription:
    """Create a subscription and its first invoice; payment per `payment_behavior` (default allow_incomplete)."""
    with b.lock:
        cus = b.get(p.get("customer"), "customer", param="customer")
        specs = p.get("items") or []
        prices = [common.price(b, s.get("price"), param=f"items[{i}][price]") for i, s in enumerate(specs)]
        interval, count, currency = core.check_prices(b, prices)
        behavior = p.get("payment_behavior") or "allow_incomplete"
        if behavior == "pending_if_incomplete":
            raise invalid_request(
                "You can only pass `payment_behavior=pending_if_incomplete` when updating a subscription.",
                param="payment_behavior",
            )
        pm_id = p.get("default_payment_method")
        if pm_id:
            pm = common.payment_method(b, pm_id, param="default_payment_method")
            if pm.get("customer") != cus["id"]:
                raise invalid_request(
                    f"The customer does not have a payment method with the ID {pm_id}. The payment method must be "
                    "attached to the customer.",
                    param="default_payment_method",
                )
            pm_id = pm["id"]
        now = b.now_for_customer(cus["id"])
        trial_end = _trial_end(p, prices, now)
        anchor = int(p["billing_cycle_anchor"]) if p.get("billing_cycle_anchor") else None
        if anchor is not None and (anchor < now or anchor > common.add_interval(now, interval, count)):
            raise invalid_request(
                "`billing_cycle_anchor` cannot be later than next natural billing date for plan",
                param="billing_cycle_anchor",
            )
        charge_pm = pm_id or common.customer_default_pm(b, cus["id"])
        if behavior == "error_if_incomplete" and not trial_end and core.predict(b, charge_pm) != "ok":
            raise core.incomplete_error(b, charge_pm)
        sid = b.new_id("sub")
        start = now
        if trial_end:
            period_end, first_anchor = trial_end, trial_end
        elif anchor and anchor > now:
            period_end, first_anchor = anchor, anchor
        else:
            period_end, first_anchor = common.add_interval(now, interval, count), now
        sub: Subscription = {
            "id": sid,
            "object": "subscription",
            "application": None,
            "application_fee_percent": None,
            "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
            "billing_cycle_anchor": first_anchor,
            "billing_cycle_anchor_config": None,
            "billing_mode": billing_mode.parse(p.get("billing_mode"), now),
            "billing_schedules": [],
            "billing_thresholds": None,
            "cancel_at": p.get("cancel_at") or None,
            "cancel_at_period_end": bool(p.get("cancel_at_period_end")),
            "canceled_at": None,
            "cancellation_details": {"comment": None, "feedback": None, "feedback_option": None, "reason": None},
            "collection_method": p.get("collection_method") or "charge_automatically",
            "created": now,
            "currency": currency,
            "customer": cus["id"],
            "customer_account": None,
            "days_until_due": p.get("days_until_due"),
            "default_payment_method": pm_id,
            "default_source": None,
            "default_tax_rates": [],
            "description": p.get("description"),
            "discounts": [],
            "ended_at": None,
            "invoice_settings": {
                "account_tax_ids": None,
                "custom_fields": None,
                "description": None,
                "footer": None,
                "issuer": {"type": "self"},
            },
            "items": {
                "object": "list",
                "data": [],
                "has_more": False,
                "total_count": 0,
                "url": f"/v1/subscription_items?subscription={sid}",
            },
            "latest_invoice": None,
            "livemode": False,
            "managed_payments": None,
            "metadata": p.get("metadata") or {},
            "next_pending_invoice_item_invoice": None,
            "on_behalf_of": None,
            "pause_collection": None,
            "payment_settings": core.payment_settings(
                {"payment_method_options": None, "payment_method_types": None, "save_default_payment_method": "off"},
                p.get("payment_settings"),
            ),
            "pending_invoice_item_interval": None,
            "pending_setup_intent": None,
            "pending_update": None,
            "presentment_details": None,
            "schedule": None,
            "start_date": now,
            "status": "incomplete",
            "status_details": None,
            "test_clock": cus.get("test_clock"),
            "transfer_data": None,
            "trial_end": trial_end,
            "trial_settings": core.trial_settings(
                {"end_behavior": {"billing_cycle_anchor": None, "missing_payment_method": "create_invoice"}},
                p.get("trial_settings"),
            ),
            "trial_start": now if trial_end else None,
            "_period": [start, period_end],
            "_interval": [interval, count],
        }
        if sub["cancel_at"]:
            sub["cancel_at_period_end"] = False
        # Discounts first: a coupon or promotion code that cannot be redeemed leaves nothing behind.
        sub["discounts"] = common.make_discounts(
            b, p.get("discounts"), customer=cus["id"], subscription=sid, start=now, redeem=True
        )
        b.store(sub)
        for spec, pr in zip(specs, prices, strict=True):
            it = core.new_item(b, sub, pr, int(spec.get("quantity") or 1), spec.get("metadata"))
            sub["items"]["data"].append(it)
        sub["items"]["total_count"] = len(sub["items"]["data"])
        if trial_end:
            sub["status"] = "trialing"
        b.emit("customer.subscription.created", sub, request_id=request_id)
        inv = core.sub_invoice(
            b,
            sub,
            reason="subscription_create",
            period=(start, period_end),
            cycle_lines=True,
            trial=bool(trial_end),
            request_id=request_id,
        )
        if anchor and anchor > now and not trial_end and p.get("proration_behavior") != "none":
            _prorate_first_period(b, inv, sub, start, anchor, interval, count)
        if trial_end and trial_end - now <= common.TRIAL_WILL_END_S:
            sub["_trial_will_end_sent"] = True
            b.emit("customer.subscription.trial_will_end", sub, request_id=request_id)
        before = b.render(sub)
        if behavior == "default_incomplete" and inv["total"] > 0:
            core.consume_once(b, sub, inv)
            invoicing.finalize(b, inv, request_id=request_id)
        else:
            core.collect(b, sub, inv, off_session=bool(p.get("off_session")), automatic=False, request_id=request_id)
        if sub["status"] == "incomplete":
            sub["_incomplete_expires_at"] = now + common.INCOMPLETE_EXPIRY_S
        elif before["status"] == "incomplete" and sub["status"] != "incomplete":
            pass  # after_invoice_paid already emitted customer.subscription.updated
        return sub


def _prorate_first_period(
    b: Backend, inv: Invoice, sub: Subscription, start: int, anchor: int, interval: str, count: int
) -> None:
    """A future billing_cycle_anchor: the first invoice charges only the time until the anchor."""
    full = anchor - common.add_interval(anchor, interval, count, -1)
    for li in inv["lines"]["data"]:
        det = (li.get("parent") or {}).get("subscription_item_details")
        if not det or det.get("invoice_item"):
            continue
        pr = b.objects[li["pricing"]["price_details"]["price"]]
        li["amount"] = li["subtotal"] = common.prorated(
            common.unit_amount(pr), li["quantity"] or 0, anchor - start, full
        )
        li["description"] = (
            f"Remaining time on {li['quantity']} × {common.product_name(b, pr)} after {common.fmt_date(start)}"
        )
        det["proration"] = True
    compute_totals(b, inv, apply_balance=False)
    billing_mode.record_cycle_debits(b, sub, inv)
