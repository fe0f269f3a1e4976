"""Refusals about invitations and seats that more than one function answers (the accounts function, and
plan_change's seat purchase); each code has a message in the page's catalogs."""

from __future__ import annotations

from billing_core.errors import Conflict, NotFound


class InvitationNotFound(NotFound):
    code = "invitation_not_found"
    message = "This invitation was not found."


class InvitationUsed(Conflict):
    code = "invitation_used"
    message = "This invitation has already been accepted."


class InvitationRevoked(Conflict):
    code = "invitation_revoked"
    message = "This invitation was withdrawn. Ask the team for a new one."


class InvitationExpired(Conflict):
    code = "invitation_expired"
    message = "This invitation has expired. Ask the team for a new one."


class SeatsExhausted(Conflict):
    code = "seats_exhausted"
    message = "Every seat of this plan is taken. Remove a member, revoke an invitation or change the plan."


class SeatPurchaseRequired(Conflict):
    code = "seat_purchase_required"
    message = "Every paid seat is taken. An owner or billing admin can add a seat after previewing its price."
