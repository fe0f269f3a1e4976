"""The typed models (`stripe_emulator.models`) declare the fields stripe-python 16 declares, and nothing public more.

A field Stripe adds in a new SDK version, or one a model invents, fails here, so the models stay the stored shape of
the objects the shape tests (`test_shapes.py`) compare on the wire.
"""

from __future__ import annotations

import typing
from typing import Any

import pytest
import stripe
from stripe_emulator import typed_access
from stripe_emulator.models import billing_portal, catalog, checkout, customers, events, invoices, payments
from stripe_emulator.models import subscriptions as subscription_models

from .sdk_shapes import declared_annotations

#: model -> the stripe-python class it stores
MODELS: dict[type, Any] = {
    customers.Customer: stripe.Customer,
    customers.TaxId: stripe.TaxId,
    customers.CustomerSession: stripe.CustomerSession,
    catalog.Product: stripe.Product,
    catalog.Price: stripe.Price,
    catalog.Coupon: stripe.Coupon,
    catalog.Discount: stripe.Discount,
    catalog.PromotionCode: stripe.PromotionCode,
    payments.PaymentMethod: stripe.PaymentMethod,
    payments.SetupIntent: stripe.SetupIntent,
    payments.PaymentIntent: stripe.PaymentIntent,
    payments.Charge: stripe.Charge,
    subscription_models.Subscription: stripe.Subscription,
    subscription_models.SubscriptionItem: stripe.SubscriptionItem,
    subscription_models.SubscriptionSchedule: stripe.SubscriptionSchedule,
    invoices.Invoice: stripe.Invoice,
    invoices.InvoiceLineItem: stripe.InvoiceLineItem,
    invoices.InvoiceItem: stripe.InvoiceItem,
    events.Event: stripe.Event,
    events.WebhookEndpoint: stripe.WebhookEndpoint,
    events.TestClock: stripe.test_helpers.TestClock,
    checkout.CheckoutSession: stripe.checkout.Session,
    billing_portal.PortalConfiguration: stripe.billing_portal.Configuration,
    billing_portal.PortalSession: stripe.billing_portal.Session,
}

#: Public keys a model may have beyond its SDK class: `created` (every stored object's, from `StoredObject`; the
#: creation order of lists), `deleted` (the deleted-object answer, which the SDK declares on a separate class) and
#: `id` (the storage key; a customer session has none on the wire, its rendering drops it).
EXTRA_PUBLIC = {"created", "deleted", "id"}


def _public_keys(model: type) -> set[str]:
    return {k for k in typing.get_type_hints(model) if not k.startswith("_")}


@pytest.mark.parametrize("model", list(MODELS), ids=lambda m: m.__name__)
def test_model_declares_every_field_the_sdk_declares(model: type) -> None:
    declared = set(declared_annotations(MODELS[model]))
    keys = _public_keys(model)
    assert declared - keys == set(), f"{model.__name__} lacks fields of {MODELS[model].__name__}"
    assert keys - declared - EXTRA_PUBLIC == set(), f"{model.__name__} declares fields its SDK class does not"


def test_every_stored_kind_has_a_typed_accessor() -> None:
    """`Backend.get` answers a model for every kind the emulator stores (the `object` of each model above)."""
    overloads = typing.get_overloads(typed_access.TypedAccess.get)
    kinds = {
        typing.get_args(typing.get_type_hints(o, vars(typed_access))["object_type"])[0]
        for o in overloads
        if typing.get_origin(typing.get_type_hints(o, vars(typed_access))["object_type"]) is typing.Literal
    }
    stored = {MODELS[m].OBJECT_NAME for m in MODELS} - {"line_item"}  # invoice lines live inside their invoice
    assert stored - kinds == set()
