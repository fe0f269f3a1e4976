"""webhook: ``POST /webhooks/stripe`` (no authorizer, no CORS) and the Lambda handler ``webhook.app.handler``.

The route only reads the raw bytes (Mangum hands them over exactly; base64 bodies arrive decoded), the
``Stripe-Signature`` header and the Lambda deadline, and calls :class:`WebhookProcessor`.
"""

from __future__ import annotations

import threading
from typing import Annotated

from billing_core import snapstart
from billing_core.app_factory import create_app
from billing_core.entitlement_sync import EntitlementSync, StripeBillingStateReader
from billing_core.lambda_context import remaining_seconds
from billing_core.lambda_handler import make_handler
from billing_core.models import ResponseModel
from billing_core.rate_budget import RateBudget
from billing_core.routing import APIRouter, Depends
from billing_core.settings import get_settings
from billing_core.stripe_client import FUNCTION_TIMEOUT_S
from billing_core.stripe_gateway import StripeGateway
from snapshot_restore_py import register_after_restore, register_before_snapshot
from starlette.requests import Request

from webhook.processor import (
    STRIPE_BUDGET_BURST,
    STRIPE_BUDGET_WAIT_S,
    WEBHOOK_BUDGET_S,
    Budget,
    InvalidPayload,
    WebhookProcessor,
)

#: Stripe events are small; anything above this is refused before it is hashed or parsed (C16).
MAX_EVENT_BYTES = 512 * 1024
#: The app-level cap (API Gateway's own limit is 10 MB); between the two the route answers 400.
APP_BODY_CAP = 10 * 1024 * 1024
#: Time kept back from the Lambda deadline to answer.
DEADLINE_MARGIN_S = 2.0

router = APIRouter(tags=["webhook"])

_lock = threading.Lock()
_processor: WebhookProcessor | None = None


def get_processor() -> WebhookProcessor:
    """The process-wide processor (lazy: no clients or secrets at import)."""
    global _processor
    with _lock:
        if _processor is None:
            _processor = WebhookProcessor(sync=paced_sync())
        return _processor


def paced_sync() -> EntitlementSync:
    """Stripe reads paced to this instance's share of the webhook's budget; a delivery that would wait longer
    than ``STRIPE_BUDGET_WAIT_S`` answers 503 and Stripe retries it later (docs/scale.md)."""
    settings = get_settings()
    rate, instances = settings.webhook_stripe_rate, settings.webhook_concurrency
    budget = RateBudget.share(rate, instances, burst=STRIPE_BUDGET_BURST, max_wait_s=STRIPE_BUDGET_WAIT_S)
    return EntitlementSync(reader=StripeBillingStateReader(StripeGateway(budget=budget)))


def reset_processor() -> None:
    global _processor
    with _lock:
        _processor = None


class WebhookAck(ResponseModel):
    received: bool = True
    outcome: str


def _budget(request: Request) -> Budget:
    seconds = remaining_seconds(request.scope.get("aws.context"), FUNCTION_TIMEOUT_S)
    return Budget(max(0.0, min(WEBHOOK_BUDGET_S, seconds - DEADLINE_MARGIN_S)))


@router.post("/webhooks/stripe", response_model=WebhookAck)
async def stripe_webhook(
    request: Request, processor: Annotated[WebhookProcessor, Depends(get_processor)]
) -> WebhookAck:
    """Receive one Stripe event: 200 when handled, ignored or a duplicate; 400 when not authentic."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_EVENT_BYTES:
        raise InvalidPayload(reason="too_large")
    body = await request.body()
    if len(body) > MAX_EVENT_BYTES:
        raise InvalidPayload(reason="too_large")
    result = processor.handle(body, request.headers.get("stripe-signature"), _budget(request))
    return WebhookAck(outcome=result.outcome)


app = create_app("webhook", router, require_identity=False, max_body_bytes=APP_BODY_CAP)
handler = make_handler(app)
register_before_snapshot(snapstart.prime, handler)
register_after_restore(snapstart.after_restore)
