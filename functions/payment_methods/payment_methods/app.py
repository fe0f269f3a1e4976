"""payment_methods: the FastAPI app and the Lambda handler (``payment_methods.app.handler``).

Routes only read their inputs, call one logic method and shape the response. Mutations that move money or
change what is charged (``default``, ``pay``, ``DELETE``) require an ``Idempotency-Key`` and replay the stored
response on a retry; the SetupIntent route takes an optional key (an unconfirmed SetupIntent is harmless).
"""

from __future__ import annotations

from typing import Annotated

from billing_core.app_factory import (
    CallerDep,
    IdempotencyKey,
    IdempotencyKeyDep,
    RequestIdDep,
    create_app,
    idempotency_key,
    make_handler,
)
from billing_core.idempotency import run_idempotent
from billing_core.read_your_writes import after_write
from fastapi import APIRouter, Depends, Path, Request

from payment_methods.logic import PaymentMethodsService
from payment_methods.models import (
    DefaultPaymentMethodResponse,
    InvoiceId,
    InvoicePaymentResult,
    PayInvoiceRequest,
    PaymentMethodId,
    RemovedPaymentMethodResponse,
    SetupIntentResponse,
)

router = APIRouter(tags=["payment methods"])


def optional_idempotency_key(request: Request, caller: CallerDep) -> IdempotencyKey | None:
    """The Idempotency-Key when one is sent (validated like the required one), else None."""
    if request.headers.get("idempotency-key") is None:
        return None
    return idempotency_key(request, caller)


OptionalKeyDep = Annotated[IdempotencyKey | None, Depends(optional_idempotency_key)]
PaymentMethodPath = Annotated[PaymentMethodId, Path(alias="id")]
InvoicePath = Annotated[InvoiceId, Path(alias="id")]


def _service() -> PaymentMethodsService:
    return PaymentMethodsService()


@router.post("/billing/payment-methods/setup-intent", response_model=SetupIntentResponse)
def create_setup_intent(caller: CallerDep, key: OptionalKeyDep, request_id: RequestIdDep) -> SetupIntentResponse:
    """A SetupIntent (usage ``off_session``) and the publishable key for Stripe.js to collect a card."""
    return SetupIntentResponse.model_validate(_service().create_setup_intent(caller, key, request_id))


@router.post("/billing/payment-methods/{id}/default", response_model=DefaultPaymentMethodResponse)
def set_default_payment_method(
    pm_id: PaymentMethodPath, caller: CallerDep, key: IdempotencyKeyDep, request_id: RequestIdDep
) -> DefaultPaymentMethodResponse:
    """Make a saved card the default (customer and billing subscriptions) and pay overdue invoices with it."""
    result = run_idempotent(
        key,
        "payment_method.default",
        {"payment_method": pm_id},
        lambda: after_write(
            caller.sub, "payment_method.default", _service().set_default(caller, pm_id, key, request_id), request_id
        ),
    )
    return DefaultPaymentMethodResponse.model_validate(result)


@router.delete("/billing/payment-methods/{id}", response_model=RemovedPaymentMethodResponse)
def remove_payment_method(
    pm_id: PaymentMethodPath, caller: CallerDep, key: IdempotencyKeyDep, request_id: RequestIdDep
) -> RemovedPaymentMethodResponse:
    """Remove a saved card (not the default of a subscription that still bills: 409)."""
    result = run_idempotent(
        key,
        "payment_method.remove",
        {"payment_method": pm_id},
        lambda: after_write(
            caller.sub, "payment_method.remove", _service().remove(caller, pm_id, key, request_id), request_id
        ),
    )
    return RemovedPaymentMethodResponse.model_validate(result)


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
    result = run_idempotent(
        key,
        "invoice.pay",
        {"invoice": invoice_id, "payment_method": pm_id},
        lambda: after_write(
            caller.sub, "invoice.pay", _service().pay_invoice(caller, invoice_id, pm_id, key, request_id), request_id
        ),
    )
    return InvoicePaymentResult.model_validate(result)


app = create_app("payment_methods", router)
handler = make_handler(app)
