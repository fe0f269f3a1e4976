"""The seat a team's invitation waits for (``auto`` seat policy): preview it, then confirm it (G16-G19).

A full team on a per-seat plan whose catalog ``seat_policy`` is ``auto`` gets its invitation as ``needs_seat``
(the accounts function). An owner or billing admin then:

* ``POST /accounts/{id}/invitations/{invitation_id}/seat-preview``: the exact proration of one more seat, made by
  the plan change's own preview (``plan_change.preview``: Stripe's invoice preview, stored under ``preview_id``)
  for the subscription's current quantity + 1; its id is kept on the invitation;
* ``POST .../confirm-seat`` ``{"preview_id"}`` with an Idempotency-Key: holds a seat for the invitation under the
  quantity it buys (``SeatPurchaseStore.hold_seat``: of two confirmations for the last purchase exactly one gets
  it), applies the stored preview with the plan change's own ``change`` (same checks: a subscription changed since
  is 409 ``preview_stale``, a card before any charge, a declined invoice voided), and only then turns the invitation
  ``pending`` with a fresh token and delivers it. A failed purchase gives the seat back; a seat that is free by
  now is used without buying anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from billing_core.accounts.errors import (
    InvitationExpired,
    InvitationNotFound,
    InvitationRevoked,
    InvitationUsed,
    SeatPurchaseRequired,
    SeatsExhausted,
)
from billing_core.accounts.invitations import Invitation
from billing_core.accounts.notifier import InvitationMessage, get_notifier
from billing_core.accounts.seat_purchase import NEEDS_SEAT, SeatPurchaseStore
from billing_core.accounts.seats import limit_of, plan_of
from billing_core.entitlements import EntitlementStore
from billing_core.errors import BillingError
from billing_core.idempotency import IdempotencyKey
from billing_core.identity import Caller
from billing_core.observability import count
from billing_core.store.plan_change import ChangeInProgress, request_fingerprint

from plan_change import change
from plan_change.change import stale_preview
from plan_change.models import ChangeRequest, ChangeResponse, PreviewRequest
from plan_change.preview import preview_change
from plan_change.seat_models import SeatConfirmRequest, SeatConfirmResponse, SeatPreviewResponse

if TYPE_CHECKING:
    from plan_change.logic import PlanChanger


def _open(ch: PlanChanger, caller: Caller, invitation: Invitation | None) -> Invitation:
    """The invitation while it can still get a seat (``pending`` or ``needs_seat``), else its refusal."""
    if invitation is None or caller.personal:
        raise InvitationNotFound()
    status = invitation.effective_status(ch.clock())
    if status == "accepted":
        raise InvitationUsed()
    if status == "revoked":
        raise InvitationRevoked()
    if status == "expired":
        raise InvitationExpired()
    return invitation


def seat_preview(ch: PlanChanger, caller: Caller, invitation_id: str, request_id: str) -> SeatPreviewResponse:
    seats = ch.store.sibling(SeatPurchaseStore)
    account_id = caller.account_id
    invitation = _open(ch, caller, seats.invitation(account_id, invitation_id))
    if invitation.status != NEEDS_SEAT:
        return SeatPreviewResponse(invitation_id=invitation_id, invitation_status="pending", seat_available=True)
    record = ch.store.sibling(EntitlementStore).get(account_id)
    limit = limit_of(record, ch.catalog)
    account = seats.get_account(account_id)
    if limit is None or (account is not None and account.seats_used < limit):
        return SeatPreviewResponse(invitation_id=invitation_id, invitation_status=NEEDS_SEAT, seat_available=True)
    plan = plan_of(record, ch.catalog)
    if (
        record is None
        or plan is None
        or plan.seat_policy != "auto"
        or limit >= plan.max_seats
        or not record.price_lookup_key
    ):
        err = SeatsExhausted(account_id=account_id)
        err.details = {"seats": {"used": account.seats_used if account else limit, "limit": limit}}
        raise err
    request = PreviewRequest(price_lookup_key=record.price_lookup_key, quantity=limit + 1)
    preview = preview_change(ch, caller, request, request_id)
    stored = ch.store.get_preview(account_id, preview.preview_id)
    if (
        stored.kind != "seats_increase"
        or stored.to_quantity != stored.from_quantity + 1
        or stored.to_lookup_key != stored.from_lookup_key
        or stored.timing != "immediate"
    ):
        raise stale_preview()  # the subscription's seats moved away from the team's record: preview again
    if not seats.attach_preview(account_id, invitation_id, preview.preview_id):
        current = _open(ch, caller, seats.invitation(account_id, invitation_id))
        if current.status == NEEDS_SEAT:
            raise ChangeInProgress()  # a confirmation is buying its seat right now
        return SeatPreviewResponse(invitation_id=invitation_id, invitation_status="pending", seat_available=True)
    return SeatPreviewResponse(
        invitation_id=invitation_id, invitation_status=NEEDS_SEAT, seat_available=False, preview=preview
    )


def confirm_seat(
    ch: PlanChanger,
    caller: Caller,
    invitation_id: str,
    req: SeatConfirmRequest,
    key: IdempotencyKey,
    request_id: str,
) -> SeatConfirmResponse:
    seats = ch.store.sibling(SeatPurchaseStore)
    account_id = caller.account_id
    fingerprint = request_fingerprint(key.base)
    found = seats.invitation(account_id, invitation_id)
    if found is not None and found.status == "pending" and found.confirmed_by == fingerprint:
        return _sent(found, bool(found.seat_bought_with), None)  # this request sent it already (a retry)
    invitation = _open(ch, caller, found)
    if invitation.status != NEEDS_SEAT:
        return _sent(invitation, False, None)  # it has its seat already: nothing to buy
    if invitation.seat_held_by is None:
        bought_with = _hold(ch, seats, caller, invitation, req, fingerprint)
    elif invitation.seat_held_by == fingerprint:
        bought_with = invitation.seat_bought_with or ""  # a retry of this confirmation: carry on
    else:
        raise ChangeInProgress()  # another confirmation is buying this invitation's seat
    applied = None
    if bought_with:
        try:
            applied = change.change(ch, caller, ChangeRequest(preview_id=bought_with), key, request_id)
        except Exception:
            seats.release_seat(account_id, invitation_id, fingerprint)  # nothing bought: the seat goes back
            raise
        if applied.status != "applied":
            seats.release_seat(account_id, invitation_id, fingerprint)
            return SeatConfirmResponse(
                invitation_id=invitation_id,
                status="requires_action",
                invitation_status=NEEDS_SEAT,
                seat_bought=False,
                change=applied,
            )
    sent = seats.send(account_id, invitation_id, fingerprint)
    if sent is None:
        # Revoked or expired while its seat was bought: the paid seat stays with the team, free for the next one.
        _open(ch, caller, seats.invitation(account_id, invitation_id))
        raise InvitationRevoked()
    invitation, token = sent
    account = seats.get_account(account_id)
    message = InvitationMessage(
        account_id=account_id,
        account_name=account.name if account else "",
        invitation_id=invitation_id,
        email=invitation.email,
        role=invitation.role,
        token=token,
        expires_at=invitation.valid_until,
    )
    try:
        get_notifier().send(message)
    except BillingError:
        seats.unsend(account_id, invitation_id, token, fingerprint)  # waits again; a retry uses the seat bought
        raise
    ch.audit.record(caller, "invitation.seat_confirm", request_id, after={
        "invitation_id": invitation_id, "seat_bought": bool(bought_with), "preview_id": bought_with or None,
        "invoice_id": applied.invoice_id if applied else None})  # fmt: skip
    count("InvitationSeatBought" if bought_with else "InvitationSeatFree")
    return _sent(invitation, bool(bought_with), applied)


def _hold(
    ch: PlanChanger,
    seats: SeatPurchaseStore,
    caller: Caller,
    invitation: Invitation,
    req: SeatConfirmRequest,
    fingerprint: str,
) -> str:
    """Hold a seat for the invitation: a free one (returns ``""``), else one of the previewed purchase (returns the
    preview id to apply). Refused before any Stripe write when neither is possible."""
    account_id = caller.account_id
    limit = limit_of(ch.store.sibling(EntitlementStore).get(account_id), ch.catalog)
    if seats.hold_seat(account_id, invitation, fingerprint, limit, bought_with=""):
        return ""
    if req.preview_id is None:
        raise SeatPurchaseRequired(account_id=account_id)
    if req.preview_id != invitation.seat_preview_id:
        raise stale_preview()  # not this invitation's seat preview (or a newer one replaced it)
    preview = ch.store.get_preview(account_id, req.preview_id)  # missing -> 404, expired -> 409
    if not seats.hold_seat(account_id, invitation, fingerprint, preview.to_quantity, bought_with=preview.preview_id):
        current = _open(ch, caller, seats.invitation(account_id, invitation.invitation_id))
        if current.status == NEEDS_SEAT and current.seat_held_by is not None:
            raise ChangeInProgress()
        raise stale_preview()  # the seats this preview buys went to another invitation meanwhile
    return preview.preview_id


def _sent(invitation: Invitation, bought: bool, applied: ChangeResponse | None) -> SeatConfirmResponse:
    return SeatConfirmResponse(
        invitation_id=invitation.invitation_id,
        status="sent",
        invitation_status="pending",
        expires_at=invitation.valid_until,
        seat_bought=bought,
        change=applied,
    )
