"""Seats: how many members (plus pending invitations) a team's plan pays for, and the checks that keep it so.

* A per-seat plan (Business) pays for the subscription item's ``quantity``; a plan with ``limits.seats`` (Pro: 5,
  Starter: 1) allows that many; a team without a live subscription has no limit yet (its members are entitled to
  nothing; subscribing, like every quantity change, is refused below the seats in use).
* The count lives on the team's item (``seats_used``) and is raised only by a conditional update in the same
  transaction as the invitation (``AccountStore.invite``): two invitations racing for the last seat, one wins.
* :func:`check_capacity` is the plan change's check: a quantity or plan below the seats in use is refused.
"""

from __future__ import annotations

from billing_core.accounts.store import AccountStore
from billing_core.catalog.model import Catalog
from billing_core.catalog.plans import Plan
from billing_core.entitlements import EntitlementRecord
from billing_core.errors import Conflict
from billing_core.identity import personal_owner

#: Statuses after which a subscription pays for nothing.
_ENDED = frozenset({"none", "canceled", "incomplete_expired", "customer_deleted"})


def plan_of(record: EntitlementRecord | None, catalog: Catalog) -> Plan | None:
    if record is None or record.plan is None or record.status in _ENDED:
        return None
    return catalog.plan(record.plan)


def seat_limit(plan: Plan | None, quantity: int | None) -> int | None:
    """The seats a plan pays for at ``quantity`` (None: no limit)."""
    if plan is None:
        return None
    if plan.per_seat:
        return quantity if quantity is not None else plan.min_seats
    return plan.limits.get("seats")


def limit_of(record: EntitlementRecord | None, catalog: Catalog) -> int | None:
    """The seats a team's current subscription pays for (None: no limit)."""
    return seat_limit(plan_of(record, catalog), record.quantity if record else None)


class SeatsBelowMembers(Conflict):
    code = "seats_below_members"
    message = (
        "This plan or seat count is smaller than the team's members and pending invitations. Remove members first."
    )


def check_capacity(account_id: str, plan: Plan, quantity: int, store: AccountStore) -> None:
    """Refuse a subscription change of a team to fewer seats than it uses (a personal account has one user)."""
    if personal_owner(account_id) is not None:
        return
    limit = seat_limit(plan, quantity)
    account = store.get_account(account_id)
    if limit is not None and account is not None and account.seats_used > limit:
        err = SeatsBelowMembers(seats_used=account.seats_used, limit=limit)
        err.details = {"seats_used": account.seats_used, "seats": limit}
        raise err
