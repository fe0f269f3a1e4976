"""Invitations: invite (or, on a full ``auto`` seat plan, make the invitation wait for its seat), list, revoke,
accept. Routes are in ``app.py``; the rules in ``billing_core.accounts``.

Every route has already resolved its account and checked the caller's role (``app_factory.current_caller``);
what remains here is what the matrix cannot say: a billing admin invites and revokes but may not invite an
owner; anyone may leave but only an owner removes someone else; a personal account has no other members.
Each change is audited on the account with the acting user's ``sub``.
"""

from __future__ import annotations

from billing_core.accounts.context import require
from billing_core.accounts.errors import (
    InvitationExpired,
    InvitationNotFound,
    InvitationRevoked,
    InvitationUsed,
    SeatPurchaseRequired,
    SeatsExhausted,
)
from billing_core.accounts.invitations import OPEN, Invitation
from billing_core.accounts.notifier import InvitationMessage
from billing_core.accounts.roles import Permission
from billing_core.accounts.seats import limit_of, plan_of
from billing_core.entitlements import EntitlementRecord
from billing_core.errors import BillingError, Conflict
from billing_core.identity import Caller
from billing_core.observability import count
from billing_core.store.base import ConditionFailed

from accounts.base import AccountsBase
from accounts.errors import AlreadyInvited, AlreadyMember, InvitationEmailMismatch, PersonalAccount
from accounts.models import (
    AccountView,
    InvitationList,
    InvitationRequest,
    InvitationView,
    SeatPurchase,
)


class InvitationActions(AccountsBase):
    def invitations(self, caller: Caller) -> InvitationList:
        if caller.personal:
            return InvitationList(invitations=[])
        self.store.sweep_expired(caller.account_id)
        return InvitationList(invitations=[self._invitation_view(i) for i in self.store.invitations(caller.account_id)])

    def invite(self, caller: Caller, body: InvitationRequest, request_id: str) -> InvitationView:
        if caller.personal:
            raise PersonalAccount()
        if body.role == "owner":
            require(caller, Permission.MEMBERS_MANAGE)
        account_id = caller.account_id
        if any(m.email == body.email for m in self.store.members(account_id)):
            raise AlreadyMember()
        now = self.clock()
        if any(i.email == body.email and i.effective_status(now) in OPEN for i in self.store.invitations(account_id)):
            raise AlreadyInvited()
        record = self.entitlements.get(account_id)
        limit = limit_of(record, self.catalog)
        reserved = self._reserve_seat(caller, body, record, limit, request_id)
        if isinstance(reserved, InvitationView):
            return reserved  # waits for a seat an owner or billing admin buys (nothing is delivered yet)
        invitation, token = reserved
        account = self.store.get_account(account_id)
        message = InvitationMessage(
            account_id=account_id,
            account_name=account.name if account else "",
            invitation_id=invitation.invitation_id,
            email=invitation.email,
            role=invitation.role,
            token=token,
            expires_at=invitation.valid_until,
        )
        try:
            self.notifier.send(message)
        except BillingError:
            self.store.settle(account_id, invitation, "revoked")  # the seat goes back; the client may retry
            raise
        self.audit.record(caller, "invitation.create", request_id,
                          after={"invitation_id": invitation.invitation_id, "role": invitation.role})  # fmt: skip
        count("InvitationCreated")
        return self._invitation_view(invitation)

    def _reserve_seat(
        self,
        caller: Caller,
        body: InvitationRequest,
        record: EntitlementRecord | None,
        limit: int | None,
        request_id: str,
    ) -> tuple[Invitation, str] | InvitationView:
        for attempt in range(2):
            try:
                return self.store.invite(caller.account_id, body.email, body.role, caller.sub, limit)
            except ConditionFailed:
                if attempt == 0 and self.store.sweep_expired(caller.account_id):
                    continue  # expired invitations gave seats back
        refusal = self._no_seat(caller.account_id, record, limit)
        if not isinstance(refusal, SeatPurchaseRequired) or not body.wait_for_seat:
            count("SeatsExhausted")
            raise refusal
        # ``auto``: the invitation waits for its seat; the answer says what one more seat costs per period, and
        # ``POST .../seat-preview`` gives the exact proration to confirm (plan_change.seat_purchase).
        waiting = self.store.invite_waiting(caller.account_id, body.email, body.role, caller.sub)
        self.audit.record(caller, "invitation.create", request_id, after={
            "invitation_id": waiting.invitation_id, "role": waiting.role, "status": waiting.status})  # fmt: skip
        count("InvitationNeedsSeat")
        view = self._invitation_view(waiting)
        view.seat_purchase = SeatPurchase.model_validate(refusal.details)
        return view

    def _no_seat(self, account_id: str, record: EntitlementRecord | None, limit: int | None) -> Conflict:
        plan = plan_of(record, self.catalog)
        found = self.catalog.find_price(record.price_lookup_key) if record else None
        price = found[1] if found and plan is not None and plan.per_seat else None
        account = self.store.get_account(account_id)
        details: dict[str, object] = {"seats": {"used": account.seats_used if account else limit, "limit": limit}}
        if price is not None:
            details["seat_price"] = {
                "unit_amount": price.unit_amount,
                "currency": self.catalog.currency,
                "interval": price.interval,
                "price_lookup_key": price.lookup_key,
            }
        err: Conflict
        if plan is not None and plan.seat_policy == "auto" and price is not None and (limit or 0) < plan.max_seats:
            err = SeatPurchaseRequired(account_id=account_id)
            details["quantity"] = (limit or 0) + 1
        else:
            err = SeatsExhausted(account_id=account_id)
        err.details = details
        return err

    def revoke(self, caller: Caller, invitation_id: str, request_id: str) -> InvitationView:
        invitation = None if caller.personal else self.store.invitation(caller.account_id, invitation_id)
        if invitation is None:
            raise InvitationNotFound()
        if invitation.status == "accepted":
            raise InvitationUsed()
        for _ in range(3):  # a confirmation may hold or send its seat meanwhile: settle what is there now
            if invitation.status not in OPEN:
                break
            if self.store.settle(caller.account_id, invitation, "revoked"):
                self.audit.record(caller, "invitation.revoke", request_id, before={"invitation_id": invitation_id})
                return self._invitation_view(_with_status(invitation, "revoked"))
            invitation = self.store.invitation(caller.account_id, invitation_id) or invitation
        if invitation.status == "accepted":
            raise InvitationUsed()
        return self._invitation_view(invitation)

    def accept(self, caller: Caller, token: str, request_id: str) -> AccountView:
        found = self.store.invitation_by_token(token) if 16 <= len(token) <= 128 else None
        if found is None:
            raise InvitationNotFound()
        account_id, invitation = found
        self._check_acceptable(account_id, invitation, caller)
        email = self.user_pool.profile(caller.sub).email
        if email is None or email.lower() != invitation.email:
            count("InvitationEmailMismatch")
            raise InvitationEmailMismatch()
        if self.store.member(account_id, caller.sub) is not None:
            self.store.settle(account_id, invitation, "accepted")  # already in: the invitation's seat goes back
        else:
            account = self.store.get_account(account_id)
            try:
                self.store.accept(account_id, invitation, caller.sub, email, account.name if account else "")
            except ConditionFailed:
                current = self.store.invitation(account_id, invitation.invitation_id) or invitation
                self._check_acceptable(account_id, current, caller)
                raise InvitationUsed() from None  # still pending: this user joined meanwhile another way
            self.audit.record(account_id, "member.join", request_id,
                              after={"invitation_id": invitation.invitation_id, "role": invitation.role},
                              actor=caller.sub)  # fmt: skip
        member = self.store.member(account_id, caller.sub)
        account = self.store.get_account(account_id)
        role = member.role if member else invitation.role
        return self._view(account_id, "team", account.name if account else "", role, account)

    def _check_acceptable(self, account_id: str, invitation: Invitation, caller: Caller) -> None:
        """Raise for an invitation that can no longer be accepted; pass for a pending one or one ``caller`` took."""
        if invitation.status == "accepted":
            if invitation.accepted_by == caller.sub:
                return
            raise InvitationUsed()
        if invitation.status == "revoked":
            raise InvitationRevoked()
        if invitation.effective_status(self.clock()) == "expired":
            self.store.settle(account_id, invitation, "expired", require_expired=True)
            raise InvitationExpired()

    def _invitation_view(self, invitation: Invitation) -> InvitationView:
        return InvitationView(
            id=invitation.invitation_id,
            email=invitation.email,
            role=invitation.role,
            status=invitation.effective_status(self.clock()),
            expires_at=invitation.valid_until,
            created_by=invitation.created_by,
        )


def _with_status(invitation: Invitation, status: str) -> Invitation:
    return Invitation(**{**invitation.__dict__, "status": status})
