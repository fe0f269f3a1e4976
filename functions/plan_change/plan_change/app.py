"""plan_change: the FastAPI app and the Lambda handler (``plan_change.app.handler``). Routes only."""

from __future__ import annotations

from typing import Annotated

from billing_core.app_factory import CallerDep, IdempotencyKeyDep, RequestIdDep, create_app, make_handler
from billing_core.idempotency import run_idempotent
from billing_core.read_your_writes import after_write
from fastapi import APIRouter, Body, Depends, Query

from plan_change.logic import PlanChanger
from plan_change.models import (
    CancelRequest,
    CancelResponse,
    ChangeRequest,
    ChangeResponse,
    PreviewRequest,
    PreviewResponse,
    ResumeResponse,
    RetentionOfferRequest,
    RetentionOfferResponse,
    ScheduledChangeReleased,
    SubscribeRequest,
    SubscribeResponse,
    SubscriptionRef,
)


def plan_changer() -> PlanChanger:
    """The logic with its real adapters (tests override this dependency)."""
    return PlanChanger()


ChangerDep = Annotated[PlanChanger, Depends(plan_changer)]
SubscriptionIdQuery = Annotated[str | None, Query(pattern=r"^sub_[A-Za-z0-9]{1,250}$")]

router = APIRouter(tags=["subscription"])


@router.post("/billing/subscription/preview", response_model=PreviewResponse)
def preview_change(body: PreviewRequest, caller: CallerDep, rid: RequestIdDep, changer: ChangerDep) -> PreviewResponse:
    """Exact proration preview of a change, stored for 10 minutes under ``preview_id``."""
    return changer.preview(caller, body, rid)


@router.post("/billing/subscription/change", response_model=ChangeResponse)
def apply_change(
    body: ChangeRequest, caller: CallerDep, key: IdempotencyKeyDep, rid: RequestIdDep, changer: ChangerDep
) -> ChangeResponse:
    """Apply a previewed change (now, or scheduled at the period end)."""
    result = run_idempotent(
        key,
        "subscription.change",
        body.model_dump(mode="json"),
        lambda: after_write(
            caller.sub, "subscription.change", changer.change(caller, body, key, rid).model_dump(mode="json"), rid
        ),
    )
    return ChangeResponse.model_validate(result)


@router.delete("/billing/subscription/scheduled-change", response_model=ScheduledChangeReleased)
def release_scheduled_change(
    caller: CallerDep,
    key: IdempotencyKeyDep,
    rid: RequestIdDep,
    changer: ChangerDep,
    subscription_id: SubscriptionIdQuery = None,
) -> ScheduledChangeReleased:
    """Undo a change scheduled for the period end."""
    result = run_idempotent(
        key,
        "subscription.scheduled_change.release",
        {"subscription_id": subscription_id},
        lambda: after_write(
            caller.sub,
            "subscription.scheduled_change.release",
            changer.release_scheduled_change(caller, key, rid, subscription_id).model_dump(mode="json"),
            rid,
        ),
    )
    return ScheduledChangeReleased.model_validate(result)


@router.post("/billing/subscription/cancel", response_model=CancelResponse)
def cancel_subscription(
    body: CancelRequest, caller: CallerDep, key: IdempotencyKeyDep, rid: RequestIdDep, changer: ChangerDep
) -> CancelResponse:
    """Cancel with a reason; the first call may answer with the one-time retention offer instead."""
    result = run_idempotent(
        key,
        "subscription.cancel",
        body.model_dump(mode="json"),
        lambda: after_write(
            caller.sub, "subscription.cancel", changer.cancel(caller, body, key, rid).model_dump(mode="json"), rid
        ),
    )
    return CancelResponse.model_validate(result)


@router.post("/billing/subscription/retention-offer", response_model=RetentionOfferResponse)
def accept_retention_offer(
    caller: CallerDep,
    key: IdempotencyKeyDep,
    rid: RequestIdDep,
    changer: ChangerDep,
    body: Annotated[RetentionOfferRequest | None, Body()] = None,
) -> RetentionOfferResponse:
    """Accept the retention offer (its coupon is applied to the subscription) instead of cancelling."""
    req = body or RetentionOfferRequest()
    result = run_idempotent(
        key,
        "subscription.retention_offer",
        req.model_dump(mode="json"),
        lambda: after_write(
            caller.sub,
            "subscription.retention_offer",
            changer.accept_offer(caller, req, key, rid).model_dump(mode="json"),
            rid,
        ),
    )
    return RetentionOfferResponse.model_validate(result)


@router.post("/billing/subscription/resume", response_model=ResumeResponse)
def resume_subscription(
    caller: CallerDep,
    key: IdempotencyKeyDep,
    rid: RequestIdDep,
    changer: ChangerDep,
    body: Annotated[SubscriptionRef | None, Body()] = None,
) -> ResumeResponse:
    """Undo a cancellation before the period ends (409 otherwise)."""
    req = body or SubscriptionRef()
    result = run_idempotent(
        key,
        "subscription.resume",
        req.model_dump(mode="json"),
        lambda: after_write(
            caller.sub,
            "subscription.resume",
            changer.resume(caller, key, rid, req.subscription_id).model_dump(mode="json"),
            rid,
        ),
    )
    return ResumeResponse.model_validate(result)


@router.post("/billing/subscription", response_model=SubscribeResponse)
def subscribe(
    body: SubscribeRequest, caller: CallerDep, key: IdempotencyKeyDep, rid: RequestIdDep, changer: ChangerDep
) -> SubscribeResponse:
    """Subscribe (or resubscribe) when there is no active subscription."""
    result = run_idempotent(
        key,
        "subscription.create",
        body.model_dump(mode="json"),
        lambda: after_write(
            caller.sub, "subscription.create", changer.subscribe(caller, body, key, rid).model_dump(mode="json"), rid
        ),
    )
    return SubscribeResponse.model_validate(result)


app = create_app("plan_change", router)
handler = make_handler(app)
