"""The accounts function's refusals (each code has a message in the page's catalogs)."""

from __future__ import annotations

from billing_core.errors import Conflict, Forbidden, NotFound


class PersonalAccount(Conflict):
    code = "personal_account"
    message = "A personal billing account has no other members. Create a team to invite people."


class MemberNotFound(NotFound):
    code = "member_not_found"
    message = "This member was not found in this billing account."


class InvitationEmailMismatch(Forbidden):
    code = "invitation_email_mismatch"
    message = "This invitation was sent to another e-mail address. Sign in with the verified address it was sent to."


class AlreadyMember(Conflict):
    code = "already_member"
    message = "This person is already a member of the team."


class AlreadyInvited(Conflict):
    code = "already_invited"
    message = "This address already has a pending invitation. Revoke it to send a new one."


class PersonalAccountNotDeletable(Conflict):
    code = "personal_account_not_deletable"
    message = "A personal billing account cannot be deleted. Only teams can be deleted."


class TeamSubscriptionActive(Conflict):
    code = "team_subscription_active"
    message = "This team still has a subscription. Cancel it first; the team can be deleted once it has ended."
