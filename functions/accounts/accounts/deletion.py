"""DELETE /accounts/{id}: an owner deletes a team (ADR 0010, "Deleting a team").

* A personal account cannot be deleted (409 ``personal_account_not_deletable``).
* A team whose Stripe customer has any subscription that has not ended (active, trialing, past due, unpaid,
  paused, incomplete, or set to cancel at the period end) is refused with 409 ``team_subscription_active``: its
  owners cancel first, so nothing keeps billing a team nobody can manage. Stripe is asked, not the entitlement
  record, under the subscription lease, so a subscription being created at the same moment is either seen or
  refused afterwards (the mapping is gone).
* Otherwise the mapping is marked deleted (the Stripe customer stays, with its invoices), the team stamped, open
  invitations revoked and every membership deleted (``billing_core.accounts.deletion``); the deletion is audited on
  the team with the acting owner. Each step can be repeated, so an interrupted deletion finishes on a retry.
"""

from __future__ import annotations

from billing_core.accounts.deletion import AccountDeletion
from billing_core.directory import CustomerDirectory
from billing_core.entitlement_sync import StripeBillingStateReader
from billing_core.identity import Caller
from billing_core.observability import count
from billing_core.store.plan_change import PlanChangeStore
from billing_core.stripe_fields import field as g

from accounts.base import AccountsBase
from accounts.errors import PersonalAccountNotDeletable, TeamSubscriptionActive
from accounts.models import Deleted

#: Subscription statuses after which nothing is billed any more.
ENDED = frozenset({"canceled", "incomplete_expired"})


def delete_team(
    accounts: AccountsBase, caller: Caller, request_id: str, stripe: StripeBillingStateReader | None = None
) -> Deleted:
    if caller.personal:
        raise PersonalAccountNotDeletable()
    account_id = caller.account_id
    store = accounts.store.sibling(AccountDeletion)
    leases = accounts.store.sibling(PlanChangeStore)
    token = leases.acquire_lock(account_id)  # no subscription is created or changed meanwhile
    try:
        mapping = accounts.store.sibling(CustomerDirectory).lookup(account_id)
        if mapping is not None:
            state = (stripe or StripeBillingStateReader()).read(mapping.customer_id, check_customer=False)
            live = sorted({str(g(s, "status")) for s in state.subscriptions} - ENDED)
            if live:
                count("AccountDeleteRefused")
                err = TeamSubscriptionActive(account_id=account_id)
                err.details = {"subscription_statuses": live}
                raise err
        store.tombstone_mapping(account_id, mapping.customer_id if mapping else None)
        store.mark_deleted(account_id, caller.sub)
    finally:
        leases.release_lock(account_id, token)
    revoked = store.revoke_open_invitations(account_id)
    accounts.audit.record(caller, "account.delete", request_id,
                          after={"customer_id": mapping.customer_id if mapping else None,
                                 "invitations_revoked": revoked})  # fmt: skip
    removed = store.remove_memberships(account_id, last=caller.sub)
    count("AccountDeleted")
    return Deleted(id=account_id, members_removed=removed, invitations_revoked=revoked)
