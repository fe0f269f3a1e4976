"""portal_session: the app and the Lambda handler (``portal_session.app.handler``)."""

from __future__ import annotations

from billing_core import snapstart
from billing_core.app_factory import CallerDep, OptionalIdempotencyKeyDep, RequestIdDep, create_app
from billing_core.lambda_handler import make_handler
from billing_core.routing import APIRouter
from snapshot_restore_py import register_after_restore, register_before_snapshot

from portal_session.logic import PortalSessions
from portal_session.models import PortalSessionRequest, PortalSessionResponse

router = APIRouter(tags=["billing"])


@router.post("/billing/portal-sessions", response_model=PortalSessionResponse)
def create_portal_session(
    body: PortalSessionRequest, caller: CallerDep, request_id: RequestIdDep, key: OptionalIdempotencyKeyDep
) -> PortalSessionResponse:
    """A hosted Customer Portal session for the caller, optionally deep-linked to one flow."""
    return PortalSessions().create(caller, body, request_id, key)


app = create_app("portal_session", router)
handler = make_handler(app)
register_before_snapshot(snapstart.prime, handler)
register_after_restore(snapstart.after_restore)
