"""`Backend.get` and `Backend.all` typed by kind: asked for a `"subscription"`, they answer a `Subscription`.

The overloads only narrow the return type (the objects stored under a kind are that kind's model, `Backend.store`
keeps `object` and the index in step). Asked for no kind, or a kind known only at run time, they answer `Any` (the
caller knows what it stored); a `where` callable typed for another model also lands there, so type it by its kind.

Long because each stored kind has an overload for each of the two methods (two short lines each).
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any, Literal, overload

from .errors import resource_missing
from .models.billing_portal import PortalConfiguration, PortalSession
from .models.catalog import Coupon, Discount, Price, Product, PromotionCode
from .models.checkout import CheckoutSession
from .models.customers import Customer, CustomerSession, TaxId
from .models.events import Event, TestClock, WebhookEndpoint
from .models.invoices import Invoice, InvoiceItem
from .models.payments import Charge, PaymentIntent, PaymentMethod, SetupIntent
from .models.subscriptions import Subscription, SubscriptionItem, SubscriptionSchedule

# Human names used in "No such <kind>" messages, by id prefix.
KIND_BY_PREFIX = {
    "cus": "customer",
    "prod": "product",
    "price": "price",
    "pm": "PaymentMethod",
    "seti": "setupintent",
    "pi": "payment_intent",
    "sub": "subscription",
    "si": "subscription_item",
    "in": "invoice",
    "ii": "invoiceitem",
    "sub_sched": "subscription_schedule",
    "clock": "test_clock",
    "evt": "event",
    "we": "webhook_endpoint",
    "txi": "tax_id",
    "cs": "checkout.session",
    "bpc": "configuration",
    "bps": "billing_portal.session",
    "promo": "promotion_code",
    "ch": "charge",
    "il": "line_item",
}

#: Types whose `customer` is set when they are created and never changes (as in Stripe), so `Backend.all` can find a
#: customer's objects from an index. Payment methods, tax ids and payment intents can gain a customer later: scanned.
CUSTOMER_INDEXED = frozenset({"invoice", "invoiceitem", "subscription", "subscription_schedule"})


class TypedAccess:
    """The read side of the store; `Backend` holds the state and everything else."""

    # Raw storage, by id: untyped on purpose (the value's model depends on its `object`); read through `get` / `all`.
    objects: MutableMapping[str, Any]
    by_type: dict[str, list[str]]
    by_customer: dict[tuple[str, str], list[str]]

    @overload
    def get(self, obj_id: object, object_type: Literal["customer"], *, param: str = ...) -> Customer: ...
    @overload
    def get(self, obj_id: object, object_type: Literal["tax_id"], *, param: str = ...) -> TaxId: ...
    @overload
    def get(self, obj_id: object, object_type: Literal["customer_session"], *, param: str = ...) -> CustomerSession: ...
    @overload
    def get(self, obj_id: object, object_type: Literal["product"], *, param: str = ...) -> Product: ...
    @overload
    def get(self, obj_id: object, object_type: Literal["price"], *, param: str = ...) -> Price: ...
    @overload
    def get(self, obj_id: object, object_type: Literal["coupon"], *, param: str = ...) -> Coupon: ...
    @overload
    def get(self, obj_id: object, object_type: Literal["promotion_code"], *, param: str = ...) -> PromotionCode: ...
    @overload
    def get(self, obj_id: object, object_type: Literal["payment_method"], *, param: str = ...) -> PaymentMethod: ...
    @overload
    def get(self, obj_id: object, object_type: Literal["setup_intent"], *, param: str = ...) -> SetupIntent: ...
    @overload
    def get(self, obj_id: object, object_type: Literal["payment_intent"], *, param: str = ...) -> PaymentIntent: ...
    @overload
    def get(self, obj_id: object, object_type: Literal["charge"], *, param: str = ...) -> Charge: ...
    @overload
    def get(self, obj_id: object, object_type: Literal["subscription"], *, param: str = ...) -> Subscription: ...
    @overload
    def get(
        self, obj_id: object, object_type: Literal["subscription_schedule"], *, param: str = ...
    ) -> SubscriptionSchedule: ...
    @overload
    def get(self, obj_id: object, object_type: Literal["invoice"], *, param: str = ...) -> Invoice: ...
    @overload
    def get(self, obj_id: object, object_type: Literal["invoiceitem"], *, param: str = ...) -> InvoiceItem: ...
    @overload
    def get(self, obj_id: object, object_type: Literal["event"], *, param: str = ...) -> Event: ...
    @overload
    def get(self, obj_id: object, object_type: Literal["webhook_endpoint"], *, param: str = ...) -> WebhookEndpoint: ...
    @overload
    def get(
        self, obj_id: object, object_type: Literal["test_helpers.test_clock"], *, param: str = ...
    ) -> TestClock: ...
    @overload
    def get(self, obj_id: object, object_type: Literal["checkout.session"], *, param: str = ...) -> CheckoutSession: ...
    @overload
    def get(
        self, obj_id: object, object_type: Literal["billing_portal.configuration"], *, param: str = ...
    ) -> PortalConfiguration: ...
    @overload
    def get(
        self, obj_id: object, object_type: Literal["billing_portal.session"], *, param: str = ...
    ) -> PortalSession: ...
    @overload
    def get(self, obj_id: object, object_type: Literal["discount"], *, param: str = ...) -> Discount: ...
    @overload
    def get(
        self, obj_id: object, object_type: Literal["subscription_item"], *, param: str = ...
    ) -> SubscriptionItem: ...
    @overload
    def get(self, obj_id: object, object_type: str | None = ..., *, param: str = ...) -> Any: ...

    def get(self, obj_id: object, object_type: str | None = None, *, param: str = "id") -> Any:
        """The stored object, or Stripe's 404 `resource_missing`."""
        obj = self.objects.get(obj_id) if isinstance(obj_id, str) else None
        if obj is None or (object_type and obj["object"] != object_type):
            kind = object_type or KIND_BY_PREFIX.get(str(obj_id).rsplit("_", 1)[0], "object")
            raise resource_missing(kind, str(obj_id), param)
        return obj

    @overload
    def all(
        self,
        object_type: Literal["customer"],
        where: Callable[[Customer], bool] | None = ...,
        *,
        customer: str | None = ...,
    ) -> list[Customer]: ...
    @overload
    def all(
        self, object_type: Literal["tax_id"], where: Callable[[TaxId], bool] | None = ..., *, customer: str | None = ...
    ) -> list[TaxId]: ...
    @overload
    def all(
        self,
        object_type: Literal["customer_session"],
        where: Callable[[CustomerSession], bool] | None = ...,
        *,
        customer: str | None = ...,
    ) -> list[CustomerSession]: ...
    @overload
    def all(
        self,
        object_type: Literal["product"],
        where: Callable[[Product], bool] | None = ...,
        *,
        customer: str | None = ...,
    ) -> list[Product]: ...
    @overload
    def all(
        self, object_type: Literal["price"], where: Callable[[Price], bool] | None = ..., *, customer: str | None = ...
    ) -> list[Price]: ...
    @overload
    def all(
        self,
        object_type: Literal["coupon"],
        where: Callable[[Coupon], bool] | None = ...,
        *,
        customer: str | None = ...,
    ) -> list[Coupon]: ...
    @overload
    def all(
        self,
        object_type: Literal["promotion_code"],
        where: Callable[[PromotionCode], bool] | None = ...,
        *,
        customer: str | None = ...,
    ) -> list[PromotionCode]: ...
    @overload
    def all(
        self,
        object_type: Literal["payment_method"],
        where: Callable[[PaymentMethod], bool] | None = ...,
        *,
        customer: str | None = ...,
    ) -> list[PaymentMethod]: ...
    @overload
    def all(
        self,
        object_type: Literal["setup_intent"],
        where: Callable[[SetupIntent], bool] | None = ...,
        *,
        customer: str | None = ...,
    ) -> list[SetupIntent]: ...
    @overload
    def all(
        self,
        object_type: Literal["payment_intent"],
        where: Callable[[PaymentIntent], bool] | None = ...,
        *,
        customer: str | None = ...,
    ) -> list[PaymentIntent]: ...
    @overload
    def all(
        self,
        object_type: Literal["charge"],
        where: Callable[[Charge], bool] | None = ...,
        *,
        customer: str | None = ...,
    ) -> list[Charge]: ...
    @overload
    def all(
        self,
        object_type: Literal["subscription"],
        where: Callable[[Subscription], bool] | None = ...,
        *,
        customer: str | None = ...,
    ) -> list[Subscription]: ...
    @overload
    def all(
        self,
        object_type: Literal["subscription_schedule"],
        where: Callable[[SubscriptionSchedule], bool] | None = ...,
        *,
        customer: str | None = ...,
    ) -> list[SubscriptionSchedule]: ...
    @overload
    def all(
        self,
        object_type: Literal["invoice"],
        where: Callable[[Invoice], bool] | None = ...,
        *,
        customer: str | None = ...,
    ) -> list[Invoice]: ...
    @overload
    def all(
        self,
        object_type: Literal["invoiceitem"],
        where: Callable[[InvoiceItem], bool] | None = ...,
        *,
        customer: str | None = ...,
    ) -> list[InvoiceItem]: ...
    @overload
    def all(
        self, object_type: Literal["event"], where: Callable[[Event], bool] | None = ..., *, customer: str | None = ...
    ) -> list[Event]: ...
    @overload
    def all(
        self,
        object_type: Literal["webhook_endpoint"],
        where: Callable[[WebhookEndpoint], bool] | None = ...,
        *,
        customer: str | None = ...,
    ) -> list[WebhookEndpoint]: ...
    @overload
    def all(
        self,
        object_type: Literal["test_helpers.test_clock"],
        where: Callable[[TestClock], bool] | None = ...,
        *,
        customer: str | None = ...,
    ) -> list[TestClock]: ...
    @overload
    def all(
        self,
        object_type: Literal["checkout.session"],
        where: Callable[[CheckoutSession], bool] | None = ...,
        *,
        customer: str | None = ...,
    ) -> list[CheckoutSession]: ...
    @overload
    def all(
        self,
        object_type: Literal["billing_portal.configuration"],
        where: Callable[[PortalConfiguration], bool] | None = ...,
        *,
        customer: str | None = ...,
    ) -> list[PortalConfiguration]: ...
    @overload
    def all(
        self,
        object_type: Literal["billing_portal.session"],
        where: Callable[[PortalSession], bool] | None = ...,
        *,
        customer: str | None = ...,
    ) -> list[PortalSession]: ...

    @overload
    def all(
        self, object_type: str, where: Callable[[Any], bool] | None = ..., *, customer: str | None = ...
    ) -> list[Any]: ...

    def all(
        self,
        object_type: str,
        where: Callable[[Any], bool] | None = None,
        *,
        customer: str | None = None,
    ) -> list[Any]:
        """Objects of a type, newest first (Stripe's list order); with `customer`, only that customer's (from an
        index for the types in `CUSTOMER_INDEXED`, so a lookup does not grow with the account)."""
        if customer is None:
            objs = [self.objects[i] for i in self.by_type.get(object_type, [])]
        elif object_type in CUSTOMER_INDEXED:
            objs = [self.objects[i] for i in self.by_customer.get((object_type, customer), [])]
        else:
            objs = [
                o for o in (self.objects[i] for i in self.by_type.get(object_type, [])) if o.get("customer") == customer
            ]
        if where:
            objs = [o for o in objs if where(o)]
        return sorted(objs, key=lambda o: (o.get("created", 0), o.get("_seq", 0)), reverse=True)
