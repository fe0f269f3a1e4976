"""Members and invitations as the accounts routes answer them."""

from __future__ import annotations

from billing_core.accounts.invitations import Invitation
from billing_core.accounts.store import Member
from billing_core.identity import Caller

from accounts.models import InvitationView, MemberView


def member_view(member: Member, caller: Caller) -> MemberView:
    return MemberView(
        sub=member.sub,
        role=member.role,
        email=member.email,
        joined_at=member.joined_at,
        you=member.sub == caller.sub,
    )


def invitation_view(invitation: Invitation, now: float) -> InvitationView:
    """The invitation with its status as of ``now`` (a pending one past its validity reads ``expired``)."""
    return InvitationView(
        id=invitation.invitation_id,
        email=invitation.email,
        role=invitation.role,
        status=invitation.effective_status(now),
        expires_at=invitation.valid_until,
        created_by=invitation.created_by,
    )


def with_status(invitation: Invitation, status: str) -> Invitation:
    return Invitation(**{**invitation.__dict__, "status": status})
