"""Teams: create, list, members, roles, invitations. Routes are in ``app.py``; the rules in ``billing_core.accounts``.

Every route has already resolved its account and checked the caller's role (``app_factory.current_caller``);
what remains here is what the matrix cannot say: a billing admin invites and revokes but may not invite an
owner; anyone may leave but only an owner removes someone else; a personal account has no other members.
Each change is audited on the account with the acting user's ``sub``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from billing_core.accounts.context import require
from billing_core.accounts.invitations import Invitation, InvitationStore
from billing_core.accounts.migration import AccountMigration
from billing_core.accounts.roles import Permission
from billing_core.accounts.seats import limit_of, plan_of
from billing_core.accounts.store import Account, Member
from billing_core.audit import AuditLog
from billing_core.catalog.model import Catalog, get_catalog
from billing_core.entitlements import EntitlementRecord, EntitlementStore
from billing_core.errors import BillingError, Conflict
from billing_core.identity import Caller, personal_account_id
from billing_core.observability import count
from billing_core.store.base import ConditionFailed
from billing_core.user_pool import CognitoUserPool

from accounts.errors import (
    AlreadyInvited,
    AlreadyMember,
    InvitationEmailMismatch,
    InvitationExpired,
    InvitationNotFound,
    InvitationRevoked,
    InvitationUsed,
    MemberNotFound,
    PersonalAccount,
    SeatPurchaseRequired,
    SeatsExhausted,
)
from accounts.models import (
    AccountList,
    AccountView,
    CreateAccountRequest,
    InvitationList,
    InvitationRequest,
    InvitationView,
    MemberList,
    MemberView,
    Removed,
    RoleRequest,
    Seats,
)
from accounts.notifier import InvitationMessage, InvitationNotifier, get_notifier
from accounts.views import invitation_view, member_view, with_status


class Accounts:
    """The accounts function's logic. Every collaborator is optional (tests pass their own)."""

    def __init__(
        self,
        store: InvitationStore | None = None,
        entitlements: EntitlementStore | None = None,
        audit: AuditLog | None = None,
        catalog: Catalog | None = None,
        user_pool: CognitoUserPool | None = None,
        notifier: InvitationNotifier | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store or InvitationStore(clock=clock)
        self.entitlements = entitlements or self.store.sibling(EntitlementStore)
        self.audit = audit or self.store.sibling(AuditLog)
        self._catalog = catalog
        self.user_pool = user_pool or CognitoUserPool()
        self._notifier = notifier
        self.clock = clock

    @property
    def catalog(self) -> Catalog:
        return self._catalog or get_catalog()

    @property
    def notifier(self) -> InvitationNotifier:
        return self._notifier or get_notifier()

    # -- accounts --------------------------------------------------------------------------------------
    def create(self, caller: Caller, body: CreateAccountRequest, request_id: str) -> AccountView:
        account_id = self.store.new_team_id()
        email = self.user_pool.profile(caller.sub).email
        self.store.create_team(account_id, body.name, caller.sub, email)
        self.audit.record(account_id, "account.create", request_id, after={"name_length": len(body.name)},
                          actor=caller.sub)  # fmt: skip
        return AccountView(id=account_id, kind="team", name=body.name, role="owner", seats=Seats(used=1, limit=None))

    def list(self, caller: Caller) -> AccountList:
        self.store.sibling(AccountMigration).migrate(caller.sub)
        personal = personal_account_id(caller.sub)
        views = [self._view(personal, "personal", "", "owner", None)]
        for membership in self.store.memberships(caller.sub):
            account = self.store.get_account(membership.account_id)
            if account is not None:
                views.append(self._view(account.account_id, "team", account.name, membership.role, account))
        return AccountList(accounts=views)

    def _view(self, account_id: str, kind: str, name: str, role: str, account: Account | None) -> AccountView:
        record = self.entitlements.get(account_id)
        seats = None
        if account is not None:
            seats = Seats(used=account.seats_used, limit=limit_of(record, self.catalog))
        return AccountView(
            id=account_id,
            kind=kind,
            name=name,
            role=role,
            plan=record.plan if record else None,
            status=record.status if record else "none",
            seats=seats,
        )

    # -- members ---------------------------------------------------------------------------------------
    def members(self, caller: Caller) -> MemberList:
        if caller.personal:
            me = MemberView(sub=caller.sub, role="owner", you=True)
            return MemberList(members=[me], seats=None)
        members = [member_view(m, caller) for m in self.store.members(caller.account_id)]
        return MemberList(members=members, seats=self._seats(caller.account_id))

    def set_role(self, caller: Caller, sub: str, body: RoleRequest, request_id: str) -> MemberView:
        target = self._team_member(caller, sub)
        if target.role != body.role:
            self.store.set_role(caller.account_id, target, body.role)
            self.audit.record(caller, "member.role", request_id, before={"sub": sub, "role": target.role},
                              after={"sub": sub, "role": body.role})  # fmt: skip
        updated = Member(sub=target.sub, role=body.role, email=target.email, joined_at=target.joined_at)
        return member_view(updated, caller)

    def remove(self, caller: Caller, sub: str, request_id: str) -> Removed:
        if sub != caller.sub:
            require(caller, Permission.MEMBERS_MANAGE)
        target = self._team_member(caller, sub)
        self.store.remove_member(caller.account_id, target)
        action = "member.leave" if sub == caller.sub else "member.remove"
        self.audit.record(caller, action, request_id, before={"sub": sub, "role": target.role})
        return Removed(sub=sub)

    def _team_member(self, caller: Caller, sub: str) -> Member:
        if caller.personal:
            raise PersonalAccount()
        target = self.store.member(caller.account_id, sub)
        if target is None:
            raise MemberNotFound()
        return target

    # -- invitations -----------------------------------------------------------------------------------
    def invitations(self, caller: Caller) -> InvitationList:
        if caller.personal:
            return InvitationList(invitations=[])
        self.store.sweep_expired(caller.account_id)
        return InvitationList(
            invitations=[invitation_view(i, self.clock()) for i in self.store.invitations(caller.account_id)]
        )

    def invite(self, caller: Caller, body: InvitationRequest, request_id: str) -> InvitationView:
        if caller.personal:
            raise PersonalAccount()
        if body.role == "owner":
            require(caller, Permission.MEMBERS_MANAGE)
        account_id = caller.account_id
        if any(m.email == body.email for m in self.store.members(account_id)):
            raise AlreadyMember()
        now = self.clock()
        if any(
            i.email == body.email and i.effective_status(now) == "pending" for i in self.store.invitations(account_id)
        ):
            raise AlreadyInvited()
        record = self.entitlements.get(account_id)
        limit = limit_of(record, self.catalog)
        invitation, token = self._reserve_seat(caller, body, record, limit)
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
        return invitation_view(invitation, self.clock())

    def _reserve_seat(
        self, caller: Caller, body: InvitationRequest, record: EntitlementRecord | None, limit: int | None
    ) -> tuple[Invitation, str]:
        for attempt in range(2):
            try:
                return self.store.invite(caller.account_id, body.email, body.role, caller.sub, limit)
            except ConditionFailed:
                if attempt == 0 and self.store.sweep_expired(caller.account_id):
                    continue  # expired invitations gave seats back
        raise self._no_seat(caller.account_id, record, limit)

    def _no_seat(self, account_id: str, record: EntitlementRecord | None, limit: int | None) -> Conflict:
        count("SeatsExhausted")
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
        if invitation.status == "pending" and self.store.settle(caller.account_id, invitation, "revoked"):
            self.audit.record(caller, "invitation.revoke", request_id, before={"invitation_id": invitation_id})
            return invitation_view(with_status(invitation, "revoked"), self.clock())
        current = self.store.invitation(caller.account_id, invitation_id) or invitation
        if current.status == "accepted":
            raise InvitationUsed()
        return invitation_view(current, self.clock())

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

    # -- views -----------------------------------------------------------------------------------------
    def _seats(self, account_id: str) -> Seats | None:
        account = self.store.get_account(account_id)
        if account is None:
            return None
        return Seats(used=account.seats_used, limit=limit_of(self.entitlements.get(account_id), self.catalog))
