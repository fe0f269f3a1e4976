"""Teams: what every action of the accounts function shares (collaborators, the account view). Routes are in
``app.py``; the rules in ``billing_core.accounts``; the actions in ``accounts.logic`` and ``accounts.invitations``.

Every route has already resolved its account and checked the caller's role (``app_factory.current_caller``);
what remains here is what the matrix cannot say: a billing admin invites and revokes but may not invite an
owner; anyone may leave but only an owner removes someone else; a personal account has no other members.
Each change is audited on the account with the acting user's ``sub``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from billing_core.accounts.notifier import InvitationNotifier, get_notifier
from billing_core.accounts.seat_purchase import SeatPurchaseStore
from billing_core.accounts.seats import limit_of
from billing_core.accounts.store import Account
from billing_core.audit import AuditLog
from billing_core.catalog.model import Catalog, get_catalog
from billing_core.entitlements import EntitlementStore
from billing_core.user_pool import CognitoUserPool

from accounts.models import (
    AccountView,
    Seats,
)


class AccountsBase:
    """The collaborators of the accounts function's logic. Every one is optional (tests pass their own)."""

    def __init__(
        self,
        store: SeatPurchaseStore | None = None,
        entitlements: EntitlementStore | None = None,
        audit: AuditLog | None = None,
        catalog: Catalog | None = None,
        user_pool: CognitoUserPool | None = None,
        notifier: InvitationNotifier | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store or SeatPurchaseStore(clock=clock)
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
