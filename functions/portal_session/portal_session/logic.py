"""Portal session logic: the server decides everything the portal session carries.

* configuration: the id ``make portal-config`` stored (:class:`billing_core.store.portal_config.PortalConfigStore`);
* customer: the caller's mapping, provisioned on first use (ADR 0005; D1 race-safe in the core);
* subscription (subscription flows): the caller's own primary subscription, which must be active, trialing or
  past_due — otherwise 409 ``no_active_subscription``; a request can never name one (A2);
* retention coupon (cancel flow): the catalog's offer while :func:`billing_core.retention_offer.eligible_offer`
  allows it (the plan qualifies, no discount yet, not used by this customer);
* ``after_completion``: a redirect to the checked return URL (B1; or the app link the client named, B10); locale:
  the page's language when it names one (the page picked it from the customer's preferred_locales or the browser),
  else the customer's preferred locale.

Session URLs are credentials: they are returned to the caller only, never logged, audited or stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from billing_core.audit import AuditLog
from billing_core.catalog.model import Catalog, get_catalog
from billing_core.directory import CustomerDirectory
from billing_core.entitlements import primary_subscription
from billing_core.errors import BadInput, ConfigurationError, Conflict, CustomerGone
from billing_core.idempotency import IdempotencyKey
from billing_core.identity import Caller
from billing_core.observability import count, logger
from billing_core.retention_offer import RetentionOfferStore, eligible_offer
from billing_core.settings import get_settings
from billing_core.store.portal_config import PortalConfigStore
from billing_core.stripe_fields import field as g
from billing_core.stripe_gateway import StripeGateway, get_gateway

from portal_session.app_links import check_app_return_url
from portal_session.models import PORTAL_LOCALES, SUBSCRIPTION_FLOWS, PortalSessionRequest, PortalSessionResponse
from portal_session.return_url import build_return_url

if TYPE_CHECKING:
    from stripe import RequestOptions
    from stripe.params.billing_portal import (
        SessionCreateParams,
        SessionCreateParamsFlowData,
        SessionCreateParamsFlowDataSubscriptionCancel,
        SessionCreateParamsFlowDataSubscriptionUpdateConfirm,
    )

#: Statuses the hosted portal accepts for subscription flows.
PORTAL_STATUSES = frozenset({"active", "trialing", "past_due"})
_LOCALES_LOWER = {loc.lower(): loc for loc in PORTAL_LOCALES}


def portable_subscription(subscriptions: list[Any]) -> Any:
    """The caller's primary subscription when the portal's subscription flows accept it (active, trialing or past
    due), else 409 ``no_active_subscription`` (canceled, incomplete, unpaid, paused, or a status Stripe adds later)."""
    subscription = primary_subscription(subscriptions)
    if subscription is None or g(subscription, "status") not in PORTAL_STATUSES:
        raise Conflict(
            code="no_active_subscription",
            message="You have no active subscription to manage.",
        )
    return subscription


def portal_locale(preferred: Any) -> str:
    """The first of the customer's ``preferred_locales`` the portal supports (exact, then language); else auto."""
    for raw in preferred or []:
        tag = str(raw).strip().replace("_", "-").lower()
        if tag in _LOCALES_LOWER:
            return _LOCALES_LOWER[tag]
        language = tag.split("-")[0]
        if language in _LOCALES_LOWER:
            return _LOCALES_LOWER[language]
    return "auto"


@dataclass
class PortalSessions:
    """The logic with its adapters (all optional, for tests)."""

    directory: CustomerDirectory = field(default_factory=CustomerDirectory)
    gateway: StripeGateway = field(default_factory=get_gateway)
    catalog: Catalog = field(default_factory=get_catalog)
    config_store: PortalConfigStore = field(default_factory=PortalConfigStore)
    offers: RetentionOfferStore = field(default_factory=RetentionOfferStore)
    audit: AuditLog = field(default_factory=AuditLog)
    clock: Callable[[], float] = time.time

    def create(
        self, caller: Caller, req: PortalSessionRequest, request_id: str, key: IdempotencyKey | None = None
    ) -> PortalSessionResponse:
        settings = get_settings()
        # B1 before anything else: a refused path creates nothing (no customer, no session).
        if req.return_url is not None:  # a mobile app's link (B10)
            return_url = check_app_return_url(req.return_url, settings.app_return_urls)
        else:
            return_url = build_return_url(
                settings.app_base_url, settings.return_path_prefixes, req.return_path, deployed=settings.deployed
            )
        mapping = self.directory.get_or_create(caller.account_id, caller.sub)
        customer_id = mapping.customer_id
        gw = self.gateway
        reads: dict[str, Callable[[], Any]] = {
            "customer": lambda: gw.call("customers.retrieve", lambda c: c.v1.customers.retrieve(customer_id)),
        }
        if req.flow in SUBSCRIPTION_FLOWS:
            reads["subscriptions"] = lambda: gw.call(
                "subscriptions.list",
                lambda c: c.v1.subscriptions.list(params={"customer": customer_id, "status": "all", "limit": 20}),
            )
        found = gw.read_concurrently(reads)
        customer = found["customer"]
        if g(customer, "deleted"):
            raise CustomerGone(customer_id=customer_id)

        flow_data: SessionCreateParamsFlowData | None = None
        summary: dict[str, Any] = {"flow": req.flow or "home"}
        if req.flow is not None:
            flow_data = {
                "type": req.flow,
                "after_completion": {"type": "redirect", "redirect": {"return_url": return_url}},
            }
            if req.flow in SUBSCRIPTION_FLOWS:
                subscription = portable_subscription(list(g(found["subscriptions"], "data") or []))
                summary["subscription"] = subscription.id
                self._add_flow_detail(flow_data, caller, req, subscription, summary)
        # Read after the state checks (409s first); a missing configuration is a deployment error (500).
        configuration = self.config_store.configuration_id()
        summary["configuration"] = configuration
        params: SessionCreateParams = {
            "customer": customer_id,
            "configuration": configuration,
            "return_url": return_url,
            "locale": req.locale or portal_locale(g(customer, "preferred_locales")),
        }
        if flow_data is not None:
            params["flow_data"] = flow_data

        options: RequestOptions = {"idempotency_key": key.stripe("portal.session")} if key is not None else {}
        session = gw.call(
            "billing_portal.sessions.create",
            lambda c: c.v1.billing_portal.sessions.create(params=params, options=options),
        )
        summary["session"] = session.id
        self.audit.record(caller, "portal.session", request_id, before={}, after=summary)
        count("PortalSessionCreated")
        logger.info("portal session created", extra={"flow": summary["flow"], "session_id": session.id})
        return PortalSessionResponse(url=str(session.url))

    # -- subscription flows ------------------------------------------------------------------------
    def _add_flow_detail(
        self,
        flow_data: SessionCreateParamsFlowData,
        caller: Caller,
        req: PortalSessionRequest,
        subscription: Any,
        summary: dict[str, Any],
    ) -> None:
        """`flow_data.<flow>`: the subscription the flow acts on, and what the flow needs besides."""
        sub_id = str(subscription.id)
        if req.flow == "subscription_update":
            flow_data["subscription_update"] = {"subscription": sub_id}
            return
        if req.flow == "subscription_pause":
            # Stripe's portal pause (``flow_data.subscription_pause``) follows the configuration's
            # ``features.subscription_pause`` (``make portal-config`` writes the catalog's lengths, in months).
            if (
                g(subscription, "status") != "active"
                or g(subscription, "cancel_at_period_end")
                or g(subscription, "cancel_at")
            ):
                raise Conflict(code="subscription_not_pausable", message="Your subscription cannot be paused now.")
            flow_data["subscription_pause"] = {"subscription": sub_id}
            return
        if req.flow == "subscription_cancel":
            if g(subscription, "cancel_at_period_end") or g(subscription, "cancel_at"):
                raise Conflict(code="already_canceling", message="Your subscription is already set to end.")
            detail: SessionCreateParamsFlowDataSubscriptionCancel = {"subscription": sub_id}
            coupon = self._retention_coupon(caller, subscription)
            if coupon is not None:
                detail["retention"] = {"type": "coupon_offer", "coupon_offer": {"coupon": coupon}}
                summary["retention_coupon"] = coupon
            flow_data["subscription_cancel"] = detail
            return
        flow_data["subscription_update_confirm"] = self._update_confirm(req, subscription, summary)

    def _current_item(self, subscription: Any) -> Any:
        items = list(g(subscription, "items", "data") or [])
        if len(items) != 1:
            raise Conflict(
                code="unsupported_subscription",
                message="This subscription can only be changed in the billing portal home.",
            )
        return items[0]

    def _retention_coupon(self, caller: Caller, subscription: Any) -> str | None:
        offer = eligible_offer(
            self.catalog, subscription, lambda offer_id: self.offers.used(caller.account_id, offer_id)
        )
        return offer.coupon.id if offer is not None else None

    def _update_confirm(
        self, req: PortalSessionRequest, subscription: Any, summary: dict[str, Any]
    ) -> SessionCreateParamsFlowDataSubscriptionUpdateConfirm:
        target = req.target
        if target is None:  # pragma: no cover - the model requires it
            raise BadInput(code="target_required", param="target")
        item = self._current_item(subscription)
        current_key = g(item, "price", "lookup_key")
        current_qty = int(g(item, "quantity") or 1)
        to_key = target.price_lookup_key or current_key
        if not to_key:
            raise Conflict(code="unsupported_subscription", message="This subscription is not on a catalog plan.")
        plan, _ = self.catalog.price(to_key)  # B2: not in the catalog -> 400
        if target.quantity is not None:
            quantity = target.quantity
        elif plan.per_seat:
            same_plan = (
                current_key is not None
                and self.catalog.find_price(current_key) is not None
                and (self.catalog.price(current_key)[0].id == plan.id)
            )
            quantity = max(current_qty, plan.min_seats) if same_plan else plan.min_seats
        else:
            quantity = 1
        if current_key and self.catalog.find_price(current_key) is not None:
            self.catalog.transition(current_key, to_key, current_qty, quantity)  # 409 for denied / no change
        else:
            self.catalog.check_quantity(plan, quantity)
        price_id = self._price_id(to_key)
        summary.update(target_price=to_key, target_quantity=quantity)
        return {
            "subscription": str(subscription.id),
            "items": [{"id": str(item.id), "price": price_id, "quantity": quantity}],
        }

    def _price_id(self, lookup_key: str) -> str:
        page = self.gateway.call(
            "prices.list",
            lambda c: c.v1.prices.list(params={"lookup_keys": [lookup_key], "active": True, "limit": 1}),
        )
        data = list(g(page, "data") or [])
        if not data:
            raise ConfigurationError(message_for_logs=f"catalog price {lookup_key} missing in Stripe: run sync-catalog")
        return str(data[0].id)
