"""Request and response models of buying the seat a team's invitation waits for (``plan_change.seat_purchase``)."""

from __future__ import annotations

from typing import Literal

from billing_core.models import RequestModel, ResponseModel

from plan_change.models import ChangeResponse, PreviewId, PreviewResponse


class SeatConfirmRequest(RequestModel):
    preview_id: PreviewId | None = None
    """The seat preview's ``preview_id`` (``POST .../seat-preview``); absent only when a seat is free now."""


class SeatPreviewResponse(ResponseModel):
    invitation_id: str
    invitation_status: Literal["pending", "needs_seat"]
    seat_available: bool
    """A seat is free now (a member left, an invitation was revoked, a payment finished): confirming sends the
    invitation and buys nothing."""
    preview: PreviewResponse | None = None
    """The exact money of one more seat (Stripe's own proration preview), valid until ``preview.expires_at``."""


class SeatConfirmResponse(ResponseModel):
    invitation_id: str
    status: Literal["sent", "requires_action"]
    """``sent``: the invitation is pending and delivered; ``requires_action``: the seat's payment needs the card
    holder (3-D Secure, ``change.payment``); once it is paid, confirming again (a new Idempotency-Key) sends the
    invitation on the seat it bought."""
    invitation_status: Literal["pending", "needs_seat"]
    expires_at: int | None = None
    """When the sent invitation expires (7 days after it was sent)."""
    seat_bought: bool
    change: ChangeResponse | None = None
    """The seat purchase exactly as applied (the invoice of its proration), when one was bought."""
