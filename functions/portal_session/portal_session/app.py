"""portal_session: the FastAPI app and the Lambda handler (``portal_session.app.handler``)."""

from __future__ import annotations

from typing import Annotated

from billing_core.app_factory import (
    CallerDep,
    IdempotencyKey,
    RequestIdDep,
    create_app,
    idempotency_key,
    make_handler,
)
from fastapi import APIRouter, Depends, Request

from portal_session.logic import PortalSessions
from portal_session.models import PortalSessionRequest, PortalSessionResponse

router = APIRouter(tags=["billing"])


def optional_idempotency_key(request: Request, caller: CallerDep) -> IdempotencyKey | None:
    """Accepted, not required (README): checked like on every mutation (B8) when present."""
    if request.headers.get("idempotency-key") is None:
        return None
    return idempotency_key(request, caller)


OptionalIdempotencyKeyDep = Annotated[IdempotencyKey | None, Depends(optional_idempotency_key)]


@router.post("/billing/portal-sessions", response_model=PortalSessionResponse)
def create_portal_session(
    body: PortalSessionRequest, caller: CallerDep, request_id: RequestIdDep, key: OptionalIdempotencyKeyDep
) -> PortalSessionResponse:
    """A hosted Customer Portal session for the caller, optionally deep-linked to one flow."""
    return PortalSessions().create(caller, body, request_id, key)


app = create_app("portal_session", router)
handler = make_handler(app)
