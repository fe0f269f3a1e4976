"""The Stripe calls plan_change makes, behind one small adapter over the core's ``StripeGateway``.

Logic code calls these methods (tests hand in a fake); every write takes the Stripe idempotency key derived
from the caller's ``Idempotency-Key``. Objects come back as stripe-python objects (dict subclasses).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from billing_core.catalog.model import Catalog, get_catalog
from billing_core.catalog.plans import Coupon
from billing_core.errors import ConfigurationError, CustomerGone, NotFound
from billing_core.observability import count
from billing_core.price_ids import get_price_ids, reset_price_ids
from billing_core.stripe_fields import as_dict
from billing_core.stripe_fields import field as g
from billing_core.stripe_fields import object_id as oid
from billing_core.stripe_gateway import StripeGateway, get_gateway

if TYPE_CHECKING:
    from stripe.params import (
        CouponCreateParams,
        InvoiceCreatePreviewParams,
        InvoiceCreatePreviewParamsSubscriptionDetails,
        SubscriptionCancelParams,
        SubscriptionCreateParams,
        SubscriptionScheduleUpdateParams,
        SubscriptionUpdateParams,
    )

_coupons_ok: set[str] = set()


def reset_caches() -> None:
    reset_price_ids()
    _coupons_ok.clear()


class StripeBilling:
    def __init__(self, gateway: StripeGateway | None = None, catalog: Catalog | None = None) -> None:
        self._gateway = gateway
        self._catalog = catalog

    @property
    def gw(self) -> StripeGateway:
        return self._gateway or get_gateway()

    @property
    def catalog(self) -> Catalog:
        return self._catalog or get_catalog()

    # -- reads -----------------------------------------------------------------------------------------------
    def customer(self, customer_id: str) -> Any:
        customer = as_dict(self.gw.call("customers.retrieve", lambda c: c.v1.customers.retrieve(customer_id)))
        if g(customer, "deleted"):
            raise CustomerGone()
        return customer

    def subscriptions(self, customer_id: str) -> list[Any]:
        page = self.gw.call(
            "subscriptions.list",
            lambda c: c.v1.subscriptions.list(
                params={
                    "customer": customer_id,
                    "status": "all",
                    "limit": 100,
                    "expand": ["data.discounts.source.coupon"],  # discount rows name their coupon
                }
            ),
        )
        return [as_dict(s) for s in page.data]

    def subscription(self, subscription_id: str) -> Any:
        return as_dict(self.gw.call("subscriptions.retrieve", lambda c: c.v1.subscriptions.retrieve(subscription_id)))

    def price_id(self, lookup_key: str) -> str:
        """The active Stripe price of a catalog lookup key (the catalog check happened before: B2)."""
        found = get_price_ids().price_id(lookup_key, self.gw, self.catalog.lookup_keys)  # a miss reloads (H5)
        if found is None:
            count("CatalogPriceMissing")
            raise ConfigurationError(message_for_logs=f"catalog price {lookup_key} is not synced to Stripe")
        return found

    def now_for(self, subscription: Any) -> int:
        """Stripe's "now" for a subscription: its test clock's frozen time, or the wall clock."""
        clock = oid(g(subscription, "test_clock"))
        if clock:
            tc = self.gw.call("test_clocks.retrieve", lambda c: c.v1.test_helpers.test_clocks.retrieve(clock))
            return int(g(tc, "frozen_time"))
        return int(time.time())

    def preview_invoice(self, params: InvoiceCreatePreviewParams) -> Any:
        return as_dict(self.gw.call("invoices.create_preview", lambda c: c.v1.invoices.create_preview(params=params)))

    def invoice(self, invoice_id: str) -> Any:
        return as_dict(
            self.gw.call(
                "invoices.retrieve",
                lambda c: c.v1.invoices.retrieve(invoice_id, params={"expand": ["confirmation_secret", "payments"]}),
            )
        )

    def payment_intent_status(self, payment_intent_id: str) -> str | None:
        pi = self.gw.call("payment_intents.retrieve", lambda c: c.v1.payment_intents.retrieve(payment_intent_id))
        status = g(pi, "status")
        return str(status) if status else None

    def upcoming_invoice(
        self,
        customer_id: str,
        subscription_id: str,
        details: InvoiceCreatePreviewParamsSubscriptionDetails | None = None,
    ) -> Any | None:
        """Stripe's next invoice for the subscription, as it is or with ``details`` applied (None: no renewal)."""
        params: InvoiceCreatePreviewParams = {"customer": customer_id, "subscription": subscription_id}
        if details:
            params["subscription_details"] = details
        try:
            return self.preview_invoice(params)
        except NotFound:
            return None

    def schedule(self, schedule_id: str) -> Any:
        return as_dict(
            self.gw.call("subscription_schedules.retrieve", lambda c: c.v1.subscription_schedules.retrieve(schedule_id))
        )

    # -- writes (each with a derived idempotency key) ----------------------------------------------------------
    def update_subscription(self, subscription_id: str, params: SubscriptionUpdateParams, key: str) -> Any:
        return as_dict(
            self.gw.call(
                "subscriptions.update",
                lambda c: c.v1.subscriptions.update(subscription_id, params=params, options={"idempotency_key": key}),
            )
        )

    def cancel_subscription(self, subscription_id: str, params: SubscriptionCancelParams, key: str) -> Any:
        return as_dict(
            self.gw.call(
                "subscriptions.cancel",
                lambda c: c.v1.subscriptions.cancel(subscription_id, params=params, options={"idempotency_key": key}),
            )
        )

    def create_subscription(self, params: SubscriptionCreateParams, key: str) -> Any:
        return as_dict(
            self.gw.call(
                "subscriptions.create",
                lambda c: c.v1.subscriptions.create(params=params, options={"idempotency_key": key}),
            )
        )

    def pay_invoice(self, invoice_id: str, payment_method: str, key: str) -> Any:
        return as_dict(
            self.gw.call(
                "invoices.pay",
                lambda c: c.v1.invoices.pay(
                    invoice_id, params={"payment_method": payment_method}, options={"idempotency_key": key}
                ),
            )
        )

    def void_invoice(self, invoice_id: str, key: str) -> Any:
        return as_dict(
            self.gw.call(
                "invoices.void_invoice",
                lambda c: c.v1.invoices.void_invoice(invoice_id, options={"idempotency_key": key}),
            )
        )

    def create_schedule_from(self, subscription_id: str, key: str) -> Any:
        return as_dict(
            self.gw.call(
                "subscription_schedules.create",
                lambda c: c.v1.subscription_schedules.create(
                    params={"from_subscription": subscription_id}, options={"idempotency_key": key}
                ),
            )
        )

    def update_schedule(self, schedule_id: str, params: SubscriptionScheduleUpdateParams, key: str) -> Any:
        return as_dict(
            self.gw.call(
                "subscription_schedules.update",
                lambda c: c.v1.subscription_schedules.update(
                    schedule_id, params=params, options={"idempotency_key": key}
                ),
            )
        )

    def release_schedule(self, schedule_id: str, key: str) -> Any:
        return as_dict(
            self.gw.call(
                "subscription_schedules.release",
                lambda c: c.v1.subscription_schedules.release(schedule_id, options={"idempotency_key": key}),
            )
        )

    def ensure_coupon(self, coupon: Coupon, key: str) -> str:
        """The catalog's retention coupon exists in Stripe (created from the catalog on first use)."""
        if coupon.id in _coupons_ok:
            return coupon.id
        try:
            self.gw.call("coupons.retrieve", lambda c: c.v1.coupons.retrieve(coupon.id))
        except NotFound:
            params: CouponCreateParams = {
                "id": coupon.id,
                "name": coupon.name,
                "percent_off": coupon.percent_off,
                "duration": coupon.duration,
            }
            if coupon.duration_in_months is not None:
                params["duration_in_months"] = coupon.duration_in_months
            self.gw.call(
                "coupons.create",
                lambda c: c.v1.coupons.create(params=params, options={"idempotency_key": key}),
            )
        _coupons_ok.add(coupon.id)
        return coupon.id
