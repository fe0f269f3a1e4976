"""Teams: create, list, members, roles, invitations. Routes are in ``app.py``; the rules in ``billing_core.accounts``.

Every route has already resolved its account and checked the caller's role (``app_factory.current_caller``);
what remains here is what the matrix cannot say: a billing admin invites and revokes but may not invite an
owner; anyone may leave but only an owner removes someone else; a personal account has no other members.
Each change is audited on the account with the acting user's ``sub``.
"""

from __future__ import annotations

from billing_core.accounts.context import require
from billing_core.accounts.migration import AccountMigration
from billing_core.accounts.roles import Permission
from billing_core.accounts.seats import limit_of
from billing_core.accounts.store import Member
from billing_core.identity import Caller, personal_account_id

from accounts.errors import MemberNotFound, PersonalAccount
from accounts.invitations import InvitationActions
from accounts.models import (
    AccountList,
    AccountView,
    CreateAccountRequest,
    MemberList,
    MemberView,
    Removed,
    RoleRequest,
    Seats,
)


class Accounts(InvitationActions):
    """The accounts function's logic: accounts and members here, invitations in ``accounts.invitations``."""

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

    # -- members ---------------------------------------------------------------------------------------
    def members(self, caller: Caller) -> MemberList:
        if caller.personal:
            me = MemberView(sub=caller.sub, role="owner", you=True)
            return MemberList(members=[me], seats=None)
        members = [self._member_view(m, caller) for m in self.store.members(caller.account_id)]
        return MemberList(members=members, seats=self._seats(caller.account_id))

    def set_role(self, caller: Caller, sub: str, body: RoleRequest, request_id: str) -> MemberView:
        target = self._team_member(caller, sub)
        if target.role != body.role:
            self.store.set_role(caller.account_id, target, body.role)
            self.audit.record(caller, "member.role", request_id, before={"sub": sub, "role": target.role},
                              after={"sub": sub, "role": body.role})  # fmt: skip
        updated = Member(sub=target.sub, role=body.role, email=target.email, joined_at=target.joined_at)
        return self._member_view(updated, caller)

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

    # -- views -----------------------------------------------------------------------------------------
    def _seats(self, account_id: str) -> Seats | None:
        account = self.store.get_account(account_id)
        if account is None:
            return None
        return Seats(used=account.seats_used, limit=limit_of(self.entitlements.get(account_id), self.catalog))

    @staticmethod
    def _member_view(member: Member, caller: Caller) -> MemberView:
        return MemberView(
            sub=member.sub,
            role=member.role,
            email=member.email,
            joined_at=member.joined_at,
            you=member.sub == caller.sub,
        )
