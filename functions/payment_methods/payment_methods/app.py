"""payment_methods: the app and the Lambda handler (``payment_methods.app.handler``).

Routes only read their inputs, call one logic method and shape the response. Mutations that move money or
change what is charged (``default``, ``pay``, ``DELETE``) require an ``Idempotency-Key`` and replay the stored
response on a retry; the SetupIntent and customer session routes take an optional key (an unconfirmed SetupIntent
and a customer session are harmless; with a key, Stripe replays the same one).
"""

from __future__ import annotations

from typing import Annotated

from billing_core import snapstart
from billing_core.app_factory import CallerDep, IdempotencyKeyDep, OptionalIdempotencyKeyDep, RequestIdDep, create_app
from billing_core.idempotency import idempotent_route
from billing_core.lambda_handler import make_handler
from billing_core.routing import APIRouter, Path
from snapshot_restore_py import register_after_restore, register_before_snapshot

from payment_methods.customer_session import CustomerSessions
from payment_methods.logic import PaymentMethodsService
from payment_methods.models import (
    CustomerSessionRequest,
    CustomerSessionResponse,
    DefaultPaymentMethodResponse,
    InvoiceId,
    InvoicePaymentResult,
    PayInvoiceRequest,
    PaymentMethodId,
    RemovedPaymentMethodResponse,
    SetupIntentResponse,
)

router = APIRouter(tags=["payment methods"])


PaymentMethodPath = Annotated[PaymentMethodId, Path(alias="id")]
InvoicePath = Annotated[InvoiceId, Path(alias="id")]


def _service() -> PaymentMethodsService:
    return PaymentMethodsService()


@router.post("/billing/payment-methods/setup-intent", response_model=SetupIntentResponse)
def create_setup_intent(
    caller: CallerDep, key: OptionalIdempotencyKeyDep, request_id: RequestIdDep
) -> SetupIntentResponse:
    """A SetupIntent (usage ``off_session``) and the publishable key for Stripe.js to collect a card."""
    return SetupIntentResponse.model_validate(_service().create_setup_intent(caller, key, request_id))


@router.post("/billing/customer-session", response_model=CustomerSessionResponse)
def create_customer_session(
    body: CustomerSessionRequest, caller: CallerDep, key: OptionalIdempotencyKeyDep, request_id: RequestIdDep
) -> CustomerSessionResponse:
    """A Stripe CustomerSession for PaymentSheet, CustomerSheet or the Payment Element: its client secret, expiry,
    the customer and the publishable key, with the features the server allows. Creates the customer on first use."""
    return CustomerSessions().create(caller, body.component, key, request_id)


@router.post("/billing/payment-methods/{id}/default", response_model=DefaultPaymentMethodResponse)
def set_default_payment_method(
    pm_id: PaymentMethodPath, caller: CallerDep, key: IdempotencyKeyDep, request_id: RequestIdDep
) -> DefaultPaymentMethodResponse:
    """Make a saved card the default (customer and billing subscriptions) and pay overdue invoices with it."""
    return idempotent_route(
        key,
        "payment_method.default",
        {"payment_method": pm_id},
        lambda: _service().set_default(caller, pm_id, key, request_id),
        DefaultPaymentMethodResponse,
        refresh=True,
        request_id=request_id,
    )


@router.delete("/billing/payment-methods/{id}", response_model=RemovedPaymentMethodResponse)
def remove_payment_method(
    pm_id: PaymentMethodPath, caller: CallerDep, key: IdempotencyKeyDep, request_id: RequestIdDep
) -> RemovedPaymentMethodResponse:
    """Remove a saved card (not the default of a subscription that still bills: 409)."""
    return idempotent_route(
        key,
        "payment_method.remove",
        {"payment_method": pm_id},
        lambda: _service().remove(caller, pm_id, key, request_id),
        RemovedPaymentMethodResponse,
        refresh=True,
        request_id=request_id,
    )


@router.post("/billing/invoices/{id}/pay", response_model=InvoicePaymentResult)
def pay_invoice(
    invoice_id: InvoicePath,
    caller: CallerDep,
    key: IdempotencyKeyDep,
    request_id: RequestIdDep,
    body: PayInvoiceRequest | None = None,
) -> InvoicePaymentResult:
    """Pay one of the caller's open invoices now with the default card or another saved card."""
    pm_id = body.payment_method if body else None
    return idempotent_route(
        key,
        "invoice.pay",
        {"invoice": invoice_id, "payment_method": pm_id},
        lambda: _service().pay_invoice(caller, invoice_id, pm_id, key, request_id),
        InvoicePaymentResult,
        refresh=True,
        request_id=request_id,
    )


app = create_app("payment_methods", router)
handler = make_handler(app)
register_before_snapshot(snapstart.prime, handler)
register_after_restore(snapstart.after_restore)
