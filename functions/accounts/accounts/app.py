"""accounts: the app and the Lambda handler (``accounts.app.handler``).

Billing accounts (teams), their members and invitations. Who may call which route is decided by the core's one
matrix (``billing_core.accounts.roles.ROUTE_RULES``), before these functions run.
"""

from __future__ import annotations

from typing import Annotated

from billing_core import snapstart
from billing_core.app_factory import CallerDep, IdempotencyKeyDep, RequestIdDep, create_app
from billing_core.idempotency import idempotent_route
from billing_core.lambda_handler import make_handler
from billing_core.routing import APIRouter, Path
from snapshot_restore_py import register_after_restore, register_before_snapshot

from accounts.deletion import delete_team
from accounts.logic import Accounts
from accounts.models import (
    AccountList,
    AccountView,
    CreateAccountRequest,
    Deleted,
    InvitationList,
    InvitationRequest,
    InvitationView,
    MemberList,
    MemberView,
    Removed,
    RoleRequest,
)

router = APIRouter(tags=["accounts"])

AccountId = Annotated[str, Path(min_length=3, max_length=140)]
Sub = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9\-_:.]+$")]
InvitationId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]
Token = Annotated[str, Path(min_length=1, max_length=128)]


@router.post("/accounts", response_model=AccountView)
def create_account(
    body: CreateAccountRequest, caller: CallerDep, key: IdempotencyKeyDep, request_id: RequestIdDep
) -> AccountView:
    """Create a team billing account; the caller becomes its owner."""
    payload = body.model_dump(mode="json")
    return idempotent_route(
        key, "account.create", payload, lambda: Accounts().create(caller, body, request_id), AccountView
    )


@router.get("/accounts", response_model=AccountList)
def list_accounts(caller: CallerDep) -> AccountList:
    """The caller's billing accounts (the personal one first) with their role, plan, status and seats."""
    return Accounts().list(caller)


@router.delete("/accounts/{id}", response_model=Deleted)
def delete_account(id: AccountId, caller: CallerDep, request_id: RequestIdDep) -> Deleted:  # noqa: A002
    """Delete a team (owners; refused while it has a subscription that has not ended): its invitations are revoked,
    its members lose its billing and entitlements at once; the Stripe customer and its invoices stay in Stripe."""
    return delete_team(Accounts(), caller, request_id)


@router.get("/accounts/{id}/members", response_model=MemberList)
def list_members(id: AccountId, caller: CallerDep) -> MemberList:  # noqa: A002 - the path's name
    """The members of an account the caller belongs to, with the seats in use."""
    return Accounts().members(caller)


@router.patch("/accounts/{id}/members/{sub}", response_model=MemberView)
def change_role(
    id: AccountId,  # noqa: A002
    sub: Sub,
    body: RoleRequest,
    caller: CallerDep,
    request_id: RequestIdDep,
) -> MemberView:
    """Change a member's role (owners only; making someone an owner transfers ownership)."""
    return Accounts().set_role(caller, sub, body, request_id)


@router.delete("/accounts/{id}/members/{sub}", response_model=Removed)
def remove_member(id: AccountId, sub: Sub, caller: CallerDep, request_id: RequestIdDep) -> Removed:  # noqa: A002
    """Remove a member (owners), or leave (anyone, their own ``sub``); the last owner can do neither."""
    return Accounts().remove(caller, sub, request_id)


@router.post("/accounts/{id}/invitations", response_model=InvitationView)
def invite(
    id: AccountId,  # noqa: A002
    body: InvitationRequest,
    caller: CallerDep,
    key: IdempotencyKeyDep,
    request_id: RequestIdDep,
) -> InvitationView:
    """Invite an e-mail address (one seat is held until the invitation is accepted, revoked or expires)."""
    payload = body.model_dump(mode="json")
    return idempotent_route(
        key, "invitation.create", payload, lambda: Accounts().invite(caller, body, request_id), InvitationView
    )


@router.get("/accounts/{id}/invitations", response_model=InvitationList)
def list_invitations(id: AccountId, caller: CallerDep) -> InvitationList:  # noqa: A002
    """The account's invitations, newest first (expired ones give their seat back here)."""
    return Accounts().invitations(caller)


@router.delete("/accounts/{id}/invitations/{invitation_id}", response_model=InvitationView)
def revoke_invitation(
    id: AccountId,  # noqa: A002
    invitation_id: InvitationId,
    caller: CallerDep,
    request_id: RequestIdDep,
) -> InvitationView:
    """Revoke a pending invitation (its seat is freed); revoking twice answers the revoked invitation."""
    return Accounts().revoke(caller, invitation_id, request_id)


@router.post("/invitations/{token}/accept", response_model=AccountView)
def accept_invitation(token: Token, caller: CallerDep, request_id: RequestIdDep) -> AccountView:
    """Join the team with the invitation's token (the caller's verified e-mail must be the invited one)."""
    return Accounts().accept(caller, token, request_id)


app = create_app("accounts", router)
handler = make_handler(app)
register_before_snapshot(snapstart.prime, handler)
register_after_restore(snapstart.after_restore)
