"""plan_change: the app and the Lambda handler (``plan_change.app.handler``). Routes only."""

from __future__ import annotations

from typing import Annotated

from billing_core import snapstart
from billing_core.app_factory import CallerDep, IdempotencyKeyDep, RequestIdDep, create_app
from billing_core.idempotency import idempotent_route
from billing_core.lambda_handler import make_handler
from billing_core.routing import APIRouter, Body, Depends, Path, Query
from snapshot_restore_py import register_after_restore, register_before_snapshot

from plan_change import pause, pause_resume, seat_purchase
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
from plan_change.pause_models import PausePreviewResponse, PauseRequest, PauseResponse, ResumePreviewResponse
from plan_change.seat_models import SeatConfirmRequest, SeatConfirmResponse, SeatPreviewResponse


def plan_changer() -> PlanChanger:
    """The logic with its real adapters (tests override this dependency)."""
    return PlanChanger()


ChangerDep = Annotated[PlanChanger, Depends(plan_changer)]
SubscriptionIdQuery = Annotated[str | None, Query(pattern=r"^sub_[A-Za-z0-9]{1,250}$")]
AccountId = Annotated[str, Path(min_length=3, max_length=140)]
InvitationId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]

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
    return idempotent_route(
        key,
        "subscription.change",
        body.model_dump(mode="json"),
        lambda: changer.change(caller, body, key, rid),
        ChangeResponse,
        refresh=True,
        request_id=rid,
    )


@router.delete("/billing/subscription/scheduled-change", response_model=ScheduledChangeReleased)
def release_scheduled_change(
    caller: CallerDep,
    key: IdempotencyKeyDep,
    rid: RequestIdDep,
    changer: ChangerDep,
    subscription_id: SubscriptionIdQuery = None,
) -> ScheduledChangeReleased:
    """Undo a change scheduled for the period end."""
    return idempotent_route(
        key,
        "subscription.scheduled_change.release",
        {"subscription_id": subscription_id},
        lambda: changer.release_scheduled_change(caller, key, rid, subscription_id),
        ScheduledChangeReleased,
        refresh=True,
        request_id=rid,
    )


@router.post("/billing/subscription/cancel", response_model=CancelResponse)
def cancel_subscription(
    body: CancelRequest, caller: CallerDep, key: IdempotencyKeyDep, rid: RequestIdDep, changer: ChangerDep
) -> CancelResponse:
    """Cancel with a reason; the first call may answer with the offer matched to the reason instead (a pause, a
    cheaper plan with its exact preview, or the coupon); ``decline_offer`` cancels."""
    return idempotent_route(
        key,
        "subscription.cancel",
        body.model_dump(mode="json"),
        lambda: changer.cancel(caller, body, key, rid),
        CancelResponse,
        refresh=True,
        request_id=rid,
    )


@router.post("/billing/subscription/retention-offer", response_model=RetentionOfferResponse)
def accept_retention_offer(
    caller: CallerDep,
    key: IdempotencyKeyDep,
    rid: RequestIdDep,
    changer: ChangerDep,
    body: Annotated[RetentionOfferRequest | None, Body()] = None,
) -> RetentionOfferResponse:
    """Take the coupon (applied to the subscription) or the cheaper plan (its ``preview_id``, applied exactly as
    previewed) instead of cancelling; each once per customer."""
    req = body or RetentionOfferRequest()
    return idempotent_route(
        key,
        "subscription.retention_offer",
        req.model_dump(mode="json"),
        lambda: changer.accept_offer(caller, req, key, rid),
        RetentionOfferResponse,
        refresh=True,
        request_id=rid,
    )


@router.post("/billing/subscription/resume", response_model=ResumeResponse)
def resume_subscription(
    caller: CallerDep,
    key: IdempotencyKeyDep,
    rid: RequestIdDep,
    changer: ChangerDep,
    body: Annotated[SubscriptionRef | None, Body()] = None,
) -> ResumeResponse:
    """Resume a paused subscription now, or undo a cancellation before the period ends (409 otherwise)."""
    req = body or SubscriptionRef()
    return idempotent_route(
        key,
        "subscription.resume",
        req.model_dump(mode="json"),
        lambda: changer.resume(caller, key, rid, req.subscription_id),
        ResumeResponse,
        refresh=True,
        request_id=rid,
    )


@router.post("/billing/subscription/pause/preview", response_model=PausePreviewResponse)
def preview_pause(
    body: PauseRequest, caller: CallerDep, rid: RequestIdDep, changer: ChangerDep
) -> PausePreviewResponse:
    """What pausing now credits, when it resumes and what the resumption bills (nothing is written)."""
    return pause.pause_preview(changer, caller, body, rid)


@router.post("/billing/subscription/pause", response_model=PauseResponse)
def pause_subscription(
    body: PauseRequest, caller: CallerDep, key: IdempotencyKeyDep, rid: RequestIdDep, changer: ChangerDep
) -> PauseResponse:
    """Pause for ``periods`` of the catalog's durations or until ``resume_at``; resumed automatically then."""
    return idempotent_route(
        key,
        "subscription.pause",
        body.model_dump(mode="json"),
        lambda: pause.pause(changer, caller, body, key, rid),
        PauseResponse,
        refresh=True,
        request_id=rid,
    )


@router.post("/billing/subscription/resume/preview", response_model=ResumePreviewResponse)
def preview_resume(
    caller: CallerDep,
    rid: RequestIdDep,
    changer: ChangerDep,
    body: Annotated[SubscriptionRef | None, Body()] = None,
) -> ResumePreviewResponse:
    """The resumption invoice "Resume now" would create and charge (a paused subscription only)."""
    return pause_resume.resume_preview(changer, caller, rid, (body or SubscriptionRef()).subscription_id)


@router.post("/billing/subscription", response_model=SubscribeResponse)
def subscribe(
    body: SubscribeRequest, caller: CallerDep, key: IdempotencyKeyDep, rid: RequestIdDep, changer: ChangerDep
) -> SubscribeResponse:
    """Subscribe (or resubscribe) when there is no active subscription."""
    return idempotent_route(
        key,
        "subscription.create",
        body.model_dump(mode="json"),
        lambda: changer.subscribe(caller, body, key, rid),
        SubscribeResponse,
        refresh=True,
        request_id=rid,
    )


@router.post("/accounts/{id}/invitations/{invitation_id}/seat-preview", response_model=SeatPreviewResponse)
def preview_invitation_seat(
    id: AccountId,  # noqa: A002 - the path's name
    invitation_id: InvitationId,
    caller: CallerDep,
    rid: RequestIdDep,
    changer: ChangerDep,
) -> SeatPreviewResponse:
    """The exact proration of the one more seat a ``needs_seat`` invitation waits for (stored 10 minutes)."""
    return seat_purchase.seat_preview(changer, caller, invitation_id, rid)


@router.post("/accounts/{id}/invitations/{invitation_id}/confirm-seat", response_model=SeatConfirmResponse)
def confirm_invitation_seat(
    id: AccountId,  # noqa: A002
    invitation_id: InvitationId,
    caller: CallerDep,
    key: IdempotencyKeyDep,
    rid: RequestIdDep,
    changer: ChangerDep,
    body: Annotated[SeatConfirmRequest | None, Body()] = None,
) -> SeatConfirmResponse:
    """Buy the previewed seat (charged exactly as previewed) and send the invitation; a free seat buys nothing."""
    req = body or SeatConfirmRequest()
    return idempotent_route(
        key,
        "invitation.confirm_seat",
        {"invitation_id": invitation_id, **req.model_dump(mode="json")},
        lambda: seat_purchase.confirm_seat(changer, caller, invitation_id, req, key, rid),
        SeatConfirmResponse,
        refresh=True,
        request_id=rid,
    )


app = create_app("plan_change", router)
handler = make_handler(app)
register_before_snapshot(snapstart.prime, handler)
register_after_restore(snapstart.after_restore)
