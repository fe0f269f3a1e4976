"""payment_methods logic: SetupIntents, the default card (and dunning recovery), removing cards, paying invoices.

Order of every mutation (ADRs 0004 and 0006): the mapping of ``sub``; the client-named object retrieved
and checked to belong to the caller (404 otherwise, before any other Stripe call); state checks (409); then the
writes, each with a Stripe idempotency key derived from the caller's ``Idempotency-Key``; then one audit entry.
Card facts leave this module only as brand, last 4 and expiry (``billing_core.payments.card_summary``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from billing_core.audit import AuditLog
from billing_core.customer_mapping import CustomerMapping
from billing_core.directory import CustomerDirectory
from billing_core.errors import ConfigurationError, Conflict, CustomerGone, NotFound, PaymentFailed
from billing_core.idempotency import IdempotencyKey
from billing_core.identity import Caller
from billing_core.observability import count, logger
from billing_core.payments import card_expired, card_summary
from billing_core.settings import get_settings
from billing_core.stripe_fields import field as _g
from billing_core.stripe_fields import object_id as _id
from billing_core.stripe_gateway import StripeGateway, get_gateway
from billing_core.stripe_ownership import assert_owned

from payment_methods.invoice_payments import InvoicePayer

if TYPE_CHECKING:
    from stripe import RequestOptions
    from stripe.params import SetupIntentCreateParams

#: Subscriptions whose own default card follows the customer's new default (they will charge again).
FOLLOWING_STATUSES = frozenset({"active", "trialing", "past_due", "unpaid"})
#: Subscriptions that still bill: their default card cannot be removed.
BILLING_STATUSES = FOLLOWING_STATUSES


class PaymentDeclined(PaymentFailed):
    """402 with a safe reason as the code (``card_declined``, ``insufficient_funds``...) and our own message."""

    def __init__(self, reason: str, message: str, **ctx: Any) -> None:
        super().__init__(**ctx)
        self.code = reason
        self.message = message


def card_view(pm: Any) -> dict[str, Any]:
    card = card_summary(pm)
    return {
        "id": card.id,
        "brand": card.brand,
        "last4": card.last4,
        "exp_month": card.exp_month,
        "exp_year": card.exp_year,
    }


@dataclass
class PaymentMethodsService:
    directory: CustomerDirectory = field(default_factory=CustomerDirectory)
    gateway: StripeGateway = field(default_factory=get_gateway)
    audit: AuditLog = field(default_factory=AuditLog)
    clock: Callable[[], float] = time.time

    # -- helpers -----------------------------------------------------------------------------------
    @property
    def _payer(self) -> InvoicePayer:
        return InvoicePayer(self.gateway, self.clock)

    def _mapping(self, caller: Caller) -> CustomerMapping:
        """The caller's customer; no customer yet means nothing of theirs exists (404)."""
        mapping = self.directory.lookup(caller.account_id)
        if mapping is None:
            raise NotFound(reason="no_customer")
        return mapping

    def _owned_payment_method(self, pm_id: str, customer_id: str) -> Any:
        pm = self.gateway.call("payment_methods.retrieve", lambda c: c.v1.payment_methods.retrieve(pm_id))
        assert_owned(pm, customer_id, operation="payment_method")
        return pm

    def _customer(self, customer_id: str) -> Any:
        return self.gateway.live_customer(customer_id)

    def _customer_and_subscriptions(self, customer_id: str) -> tuple[Any, list[Any]]:
        results = self.gateway.read_concurrently(
            {
                "customer": lambda: self._customer(customer_id),
                "subscriptions": lambda: self.gateway.call(
                    "subscriptions.list",
                    lambda c: c.v1.subscriptions.list(params={"customer": customer_id, "status": "all", "limit": 100}),
                ),
            }
        )
        return results["customer"], list(results["subscriptions"].data)

    def _audit(self, caller: Caller, action: str, request_id: str, before: Any, after: Any, outcome: str) -> None:
        self.audit.record(caller, action, request_id, before=before, after=after, outcome=outcome)

    # -- POST /billing/payment-methods/setup-intent ---------------------------------------------------
    def create_setup_intent(self, caller: Caller, key: IdempotencyKey | None, request_id: str) -> dict[str, Any]:
        """A SetupIntent for off-session use by the caller's (possibly new) customer, for Stripe.js."""
        publishable_key = get_settings().stripe_publishable_key
        if not publishable_key:
            raise ConfigurationError(message_for_logs="STRIPE_PUBLISHABLE_KEY is not set")
        mapping = self.directory.get_or_create(caller.account_id, caller.sub)
        params: SetupIntentCreateParams = {
            "customer": mapping.customer_id,
            "usage": "off_session",
            "allowed_payment_method_types": ["card"],
            "metadata": caller.stripe_metadata(),
        }
        options: RequestOptions = {"idempotency_key": key.stripe("setup_intent.create")} if key else {}
        try:
            seti = self.gateway.call(
                "setup_intents.create",
                lambda c: c.v1.setup_intents.create(params=params, options=options),
            )
        except NotFound:
            count("CustomerGone")
            raise CustomerGone(customer_id=mapping.customer_id) from None
        self._audit(caller, "payment_method.setup_intent", request_id, None, {"setup_intent": seti.id}, "ok")
        return {
            "setup_intent": seti.id,
            "client_secret": seti.client_secret,
            "publishable_key": publishable_key,
            "usage": _g(seti, "usage") or "off_session",
        }

    # -- POST /billing/payment-methods/{id}/default ---------------------------------------------------
    def set_default(self, caller: Caller, pm_id: str, key: IdempotencyKey, request_id: str) -> dict[str, Any]:
        mapping = self._mapping(caller)
        customer_id = mapping.customer_id
        try:
            pm = self._owned_payment_method(pm_id, customer_id)
        except NotFound:
            self._audit(caller, "payment_method.default", request_id, None, {"payment_method": pm_id}, "denied")
            raise
        card = card_summary(pm)
        if _g(pm, "type") != "card" or card_expired(pm, self.clock()):
            self._audit(caller, "payment_method.default", request_id, None, card.audit(), "denied")
            raise Conflict(
                code="payment_method_not_chargeable",
                message="This card has expired and cannot be charged. Add a new card.",
            )
        customer, subscriptions = self._customer_and_subscriptions(customer_id)
        previous = _id(_g(customer, "invoice_settings", "default_payment_method"))
        if previous != pm_id:
            self.gateway.call(
                "customers.update",
                lambda c: c.v1.customers.update(
                    customer_id,
                    params={"invoice_settings": {"default_payment_method": pm_id}},
                    options={"idempotency_key": key.stripe("customer.default_payment_method")},
                ),
            )
        updated: list[str] = []
        for sub in subscriptions:
            if _g(sub, "status") not in FOLLOWING_STATUSES:
                continue
            if _id(_g(sub, "default_payment_method")) != pm_id:
                sub_id = sub.id
                self.gateway.call(
                    "subscriptions.update",
                    lambda c: c.v1.subscriptions.update(
                        sub_id,  # noqa: B023 - called at once, in this iteration
                        params={"default_payment_method": pm_id},
                        options={"idempotency_key": key.stripe(f"subscription.default_payment_method:{sub_id}")},  # noqa: B023 - called at once, in this iteration
                    ),
                )
            updated.append(sub.id)
        payments = self._payer.pay_overdue(customer_id, pm_id, key)
        logger.info(
            "default payment method set",
            extra={"brand": card.brand, "last4": card.last4, "subscriptions": len(updated), "paid": len(payments)},
        )
        self._audit(
            caller,
            "payment_method.default",
            request_id,
            {"default_payment_method": previous},
            {
                **card.audit(),
                "subscriptions": updated,
                "invoices": [{"invoice": p["invoice"], "status": p["status"]} for p in payments],
            },
            "ok",
        )
        return {"default_payment_method": card_view(pm), "subscriptions_updated": updated, "overdue_invoices": payments}

    # -- DELETE /billing/payment-methods/{id} ---------------------------------------------------------
    def remove(self, caller: Caller, pm_id: str, key: IdempotencyKey, request_id: str) -> dict[str, Any]:
        mapping = self._mapping(caller)
        customer_id = mapping.customer_id
        try:
            pm = self._owned_payment_method(pm_id, customer_id)
        except NotFound:
            self._audit(caller, "payment_method.remove", request_id, None, {"payment_method": pm_id}, "denied")
            raise
        card = card_summary(pm)
        customer, subscriptions = self._customer_and_subscriptions(customer_id)
        billing = [s for s in subscriptions if _g(s, "status") in BILLING_STATUSES]
        is_default = _id(_g(customer, "invoice_settings", "default_payment_method")) == pm_id or any(
            _id(_g(s, "default_payment_method")) == pm_id for s in billing
        )
        if is_default and billing:
            self._audit(caller, "payment_method.remove", request_id, card.audit(), None, "denied")
            raise Conflict(
                code="default_payment_method_in_use",
                message="This card pays for an active subscription. Make another card the default first.",
            )
        self.gateway.call(
            "payment_methods.detach",
            lambda c: c.v1.payment_methods.detach(
                pm_id, options={"idempotency_key": key.stripe("payment_method.detach")}
            ),
        )
        logger.info("payment method removed", extra={"brand": card.brand, "last4": card.last4})
        self._audit(caller, "payment_method.remove", request_id, card.audit(), {"attached": False}, "ok")
        return {"removed": card_view(pm)}

    # -- POST /billing/invoices/{id}/pay --------------------------------------------------------------
    def pay_invoice(
        self, caller: Caller, invoice_id: str, pm_id: str | None, key: IdempotencyKey, request_id: str
    ) -> dict[str, Any]:
        mapping = self._mapping(caller)
        customer_id = mapping.customer_id
        try:
            invoice = self.gateway.call("invoices.retrieve", lambda c: c.v1.invoices.retrieve(invoice_id))
            assert_owned(invoice, customer_id, operation="invoice")
            pm = self._owned_payment_method(pm_id, customer_id) if pm_id else None
        except NotFound:
            self._audit(
                caller, "invoice.pay", request_id, None, {"invoice": invoice_id, "payment_method": pm_id}, "denied"
            )
            raise
        status = _g(invoice, "status")
        if status == "paid":
            raise Conflict(code="invoice_already_paid", message="This invoice is already paid.")
        if status != "open" or not (_g(invoice, "amount_remaining") or 0) > 0:
            raise Conflict(code="invoice_not_payable", message="Only open invoices with an amount due can be paid.")
        if pm is None:
            customer = self._customer(customer_id)
            default_id = _id(_g(customer, "invoice_settings", "default_payment_method"))
            if default_id is None:
                raise Conflict(
                    code="no_default_payment_method",
                    message="You have no default card. Add a card or choose one of your saved cards.",
                )
            pm = self._owned_payment_method(default_id, customer_id)
        card = card_summary(pm)
        if card_expired(pm, self.clock()):
            raise Conflict(
                code="payment_method_not_chargeable",
                message="This card has expired and cannot be charged. Add a new card.",
            )
        result = self._payer.pay(invoice, card.id, key)
        after = {**card.audit(), "invoice": invoice_id, "status": result["status"], "reason": result.get("reason")}
        if result["status"] == "declined":
            self._audit(caller, "invoice.pay", request_id, {"invoice": invoice_id}, after, "declined")
            raise PaymentDeclined(result["reason"], result["message"], invoice=invoice_id)
        self._audit(caller, "invoice.pay", request_id, {"invoice": invoice_id}, after, "ok")
        return result
