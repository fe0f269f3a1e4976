"""Request and response models of the accounts function (the OpenAPI document is built from these)."""

from __future__ import annotations

from typing import Annotated, Literal

from billing_core.models import RequestModel
from pydantic import BaseModel, Field, StringConstraints

TeamName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, max_length=254, pattern=r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"),
]
RoleName = Literal["owner", "billing_admin", "member"]


class CreateAccountRequest(RequestModel):
    name: TeamName


class InvitationRequest(RequestModel):
    email: Email
    role: RoleName = "member"
    wait_for_seat: bool = False
    """A full team on an ``auto`` seat plan: ``false`` (default) refuses with 409 ``seat_purchase_required`` (the
    quantity to buy and the seat's price); ``true`` makes the invitation wait for its seat (``needs_seat``) until an
    owner or billing admin previews and confirms one more seat (``.../seat-preview``, ``.../confirm-seat``)."""


class RoleRequest(RequestModel):
    role: RoleName


class Seats(BaseModel):
    used: int
    """Members plus pending invitations."""
    limit: int | None
    """The seats the team's plan pays for; None: no limit (no live subscription, or a plan without one)."""


class AccountView(BaseModel):
    id: str
    kind: Literal["personal", "team"]
    name: str
    role: RoleName
    plan: str | None = None
    status: str = "none"
    seats: Seats | None = None


class AccountList(BaseModel):
    accounts: list[AccountView]


class MemberView(BaseModel):
    sub: str
    role: RoleName
    email: str | None = None
    joined_at: str = ""
    you: bool = False


class MemberList(BaseModel):
    members: list[MemberView]
    seats: Seats | None = None


class SeatPrice(BaseModel):
    unit_amount: int
    currency: str
    interval: str
    price_lookup_key: str


class SeatPurchase(BaseModel):
    """What a ``needs_seat`` invitation waits for: one more seat of the team's per-seat plan."""

    quantity: int
    """The seat quantity after buying it."""
    seats: Seats
    seat_price: SeatPrice | None = None
    """The recurring price of one seat; the exact proration now comes from ``POST .../seat-preview``."""


class InvitationView(BaseModel):
    id: str
    email: str
    role: RoleName
    status: Literal["pending", "needs_seat", "accepted", "revoked", "expired"]
    """``needs_seat``: the team is full; an owner or billing admin previews and confirms one more seat, then the
    invitation is sent (``pending``)."""
    expires_at: int
    created_by: str = ""
    seat_purchase: SeatPurchase | None = None
    """Only in the answer that created a ``needs_seat`` invitation."""


class InvitationList(BaseModel):
    invitations: list[InvitationView]


class Removed(BaseModel):
    sub: str
    removed: bool = Field(default=True)


class Deleted(BaseModel):
    id: str
    deleted: bool = Field(default=True)
    members_removed: int
    invitations_revoked: int
