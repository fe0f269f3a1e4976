"""POST /billing/customer-session: a Stripe CustomerSession for the mobile SDKs and the web page's Payment Element.

Stripe recommends CustomerSessions over customer ephemeral keys for PaymentSheet and CustomerSheet since
2025-10-29.clover (Stripe's changelog "Adds support for Customer Sessions for Mobile Payment Element and Customer
Sheet"; stripe-python 16 ``customer_sessions.create``). The client names only the component; the server decides the
customer (the caller's, created on first use like the SetupIntent route) and the features:

* saved cards are shown (``payment_method_redisplay=enabled``) whatever their ``allow_redisplay`` (filters
  ``always``, ``limited``, ``unspecified``): they are the customer's own cards, the same the Cards list shows;
* saving a new card is offered in the mobile Payment Element (a PaymentSheet paying an invoice) and in CustomerSheet
  (it saves through a SetupIntent); the web Payment Element adds cards through a SetupIntent, which always saves,
  so its checkbox is off;
* removing is offered unless the customer has a subscription that still bills and a default card: Stripe's
  ``payment_method_remove`` is one switch for every card, so the product cannot offer removal of all cards but the
  default one, and keeps the rule of ``DELETE /billing/payment-methods/{id}`` (409
  ``default_payment_method_in_use``) by offering no removal in the SDK at all (``remove_blocked_by`` says why);
  the Cards list still removes the others.

The session's client secret is a credential: returned to the caller only, never logged, audited or stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from billing_core.errors import ConfigurationError, CustomerGone, NotFound
from billing_core.idempotency import IdempotencyKey
from billing_core.identity import Caller
from billing_core.observability import count, logger
from billing_core.settings import get_settings
from billing_core.stripe_fields import field as _g
from billing_core.stripe_fields import object_id as _id

from payment_methods.logic import BILLING_STATUSES, PaymentMethodsService
from payment_methods.models import Component, CustomerSessionFeatures, CustomerSessionResponse

if TYPE_CHECKING:
    from stripe import RequestOptions
    from stripe.params import (
        CustomerSessionCreateParams,
        CustomerSessionCreateParamsComponents,
        CustomerSessionCreateParamsComponentsCustomerSheetFeatures,
        CustomerSessionCreateParamsComponentsMobilePaymentElementFeatures,
        CustomerSessionCreateParamsComponentsPaymentElementFeatures,
    )

#: Every saved card of the customer may show, whatever ``allow_redisplay`` says (they are the customer's own).
REDISPLAY_FILTERS = ["always", "limited", "unspecified"]
#: The most saved cards Stripe's Payment Element shows (``payment_method_redisplay_limit``, at most 10).
REDISPLAY_LIMIT = 10


def default_card_in_use(customer: Any, subscriptions: list[Any]) -> bool:
    """True when a subscription that still bills has a default card (its own or the customer's): removing cards in
    a Stripe SDK could take it, so the SDK offers no removal (the DELETE route's rule, 409 otherwise)."""
    billing = [s for s in subscriptions if _g(s, "status") in BILLING_STATUSES]
    if not billing:
        return False
    customer_default = _id(_g(customer, "invoice_settings", "default_payment_method"))
    return customer_default is not None or any(_id(_g(s, "default_payment_method")) for s in billing)


def components_for(
    component: Component, removable: bool
) -> tuple[CustomerSessionFeatures, CustomerSessionCreateParamsComponents]:
    """What the SDK may do (the answer) and Stripe's ``components``: the one component, enabled, with its features."""
    remove: Literal["disabled", "enabled"] = "enabled" if removable else "disabled"
    if component == "customer_sheet":
        sheet: CustomerSessionCreateParamsComponentsCustomerSheetFeatures = {
            "payment_method_allow_redisplay_filters": [*REDISPLAY_FILTERS],
            "payment_method_remove": remove,
        }
        sdk_features = CustomerSessionFeatures(save=True, remove=removable, redisplay=True)
        return sdk_features, {"customer_sheet": {"enabled": True, "features": sheet}}
    save = component == "mobile_payment_element"
    sdk_features = CustomerSessionFeatures(save=save, remove=removable, redisplay=True)
    if component == "mobile_payment_element":
        mobile: CustomerSessionCreateParamsComponentsMobilePaymentElementFeatures = {
            "payment_method_allow_redisplay_filters": [*REDISPLAY_FILTERS],
            "payment_method_redisplay": "enabled",
            "payment_method_remove": remove,
            "payment_method_save": "enabled",
        }
        return sdk_features, {"mobile_payment_element": {"enabled": True, "features": mobile}}
    web: CustomerSessionCreateParamsComponentsPaymentElementFeatures = {
        "payment_method_allow_redisplay_filters": [*REDISPLAY_FILTERS],
        "payment_method_redisplay": "enabled",
        "payment_method_remove": remove,
        "payment_method_save": "disabled",
        "payment_method_redisplay_limit": REDISPLAY_LIMIT,
    }
    return sdk_features, {"payment_element": {"enabled": True, "features": web}}


@dataclass
class CustomerSessions:
    cards: PaymentMethodsService = field(default_factory=PaymentMethodsService)

    def create(
        self, caller: Caller, component: Component, key: IdempotencyKey | None, request_id: str
    ) -> CustomerSessionResponse:
        publishable_key = get_settings().stripe_publishable_key
        if not publishable_key:
            raise ConfigurationError(message_for_logs="STRIPE_PUBLISHABLE_KEY is not set")
        cards = self.cards
        mapping = cards.directory.get_or_create(caller.account_id, caller.sub)
        customer_id = mapping.customer_id
        customer, subscriptions = cards._customer_and_subscriptions(customer_id)  # a deleted customer: 409
        removable = not default_card_in_use(customer, subscriptions)
        features, components = components_for(component, removable)
        params: CustomerSessionCreateParams = {"customer": customer_id, "components": components}
        # The features follow the customer's state: a retry with the same key and the same state replays Stripe's
        # answer, a changed state is a new session (never Stripe's 400 for a reused key with other parameters).
        purpose = f"customer_session.create:{component}:{'remove' if removable else 'keep'}"
        options: RequestOptions = {"idempotency_key": key.stripe(purpose)} if key else {}
        try:
            session = cards.gateway.call(
                "customer_sessions.create",
                lambda c: c.v1.customer_sessions.create(params=params, options=options),
            )
        except NotFound:
            count("CustomerGone")
            raise CustomerGone(customer_id=customer_id) from None
        cards.audit.record(
            caller,
            "payment_method.customer_session",
            request_id,
            before=None,
            after={"component": component, "remove": removable},
            outcome="ok",
        )
        count("CustomerSessionCreated")
        logger.info("customer session created", extra={"component": component, "remove": removable})
        return CustomerSessionResponse(
            component=component,
            customer_session_client_secret=str(session.client_secret),
            expires_at=int(session.expires_at),
            customer=customer_id,
            publishable_key=publishable_key,
            features=features,
            remove_blocked_by=None if removable else "default_payment_method_in_use",
        )
