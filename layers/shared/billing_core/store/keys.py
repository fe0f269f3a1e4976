"""Every item key of the billing table, in one place (one table; ``pk``/``sk`` strings).

===========================  ================================  ==========================================
pk                           sk                                what
===========================  ================================  ==========================================
``ACCOUNT#<id>``             ``ACCOUNT``                       the billing account: kind, name, seat and owner
                                                               counters (accounts)
``ACCOUNT#<id>``             ``MEMBER#<sub>``                  one member of a team and their role (accounts)
``USER#<sub>``               ``MEMBERSHIP#<account id>``       the same membership, listed per user (accounts)
``ACCOUNT#<id>``             ``INVITATION#<invitation id>``    an invitation: e-mail, role, status (accounts)
``INVITE#<token hash>``      ``INVITATION``                    the invitation a token accepts (accounts)
``ACCOUNT#<id>``             ``CUSTOMER``                      the account's Stripe customer (directory)
``CUSTOMER#<cus_id>``        ``ACCOUNT``                       reverse lookup for webhooks (directory)
``ACCOUNT#<id>``             ``ENTITLEMENTS``                  the entitlement record (entitlements)
``ACCOUNT#<id>``             ``AUDIT#<iso time>#<action>``     one audit entry, TTL ``expires_at`` (audit)
``ACCOUNT#<id>``             ``PREVIEW#<preview id>``          a plan-change preview, TTL (plan_change)
``ACCOUNT#<id>``             ``OFFER#<offer id>``              the retention offer was taken (retention_offer)
``ACCOUNT#<id>``             ``RETENTION#flow``                the latest cancellation flow (retention.steps)
``RETENTION#<yyyy-mm-dd>``   ``STEP#<flow id>#<step key>``     one step of a cancellation flow, by the flow's
                                                               start day, TTL (retention.steps)
``ACCOUNT#<id>``             ``LOCK#subscription``             the subscription lease, TTL (plan_change)
``USER#<sub>``               ``CUSTOMER`` ...                  before billing accounts: the same items under the
                                                               user; moved by ``billing_core.accounts.migration``
``CUSTOMER#<cus_id>``        ``USER``                          before billing accounts: the reverse lookup
``EVENT#<evt_id>``           ``EVENT``                         the webhook ledger, TTL (event_ledger)
``CONFIG#portal``            ``CONFIG``                        the portal configuration id (portal_config)
``RECONCILE#<run id>``       ``RUN``                           a reconcile run: cursor, batches (reconcile_run)
``RECONCILE#<run id>``       ``BATCH#<n>``                     one batch done, its counts, TTL (reconcile_run)
``RECONCILE#<run id>``       ``RETRY#<account id>``            a customer retried alone, TTL (reconcile_run)
===========================  ================================  ==========================================
"""

from __future__ import annotations

from typing import Any

#: The table's TTL attribute (epoch seconds). The template enables TTL on this name.
TTL_ATTRIBUTE = "expires_at"

CUSTOMER_SK = "CUSTOMER"
USER_SK = "USER"
ACCOUNT_SK = "ACCOUNT"
INVITATION_SK = "INVITATION"
MEMBER_PREFIX = "MEMBER#"
MEMBERSHIP_PREFIX = "MEMBERSHIP#"
INVITATION_PREFIX = "INVITATION#"
ENTITLEMENTS_SK = "ENTITLEMENTS"
AUDIT_PREFIX = "AUDIT#"
LOCK_SK = "LOCK#subscription"
EVENT_SK = "EVENT"
PORTAL_CONFIG_PK = "CONFIG#portal"
PORTAL_CONFIG_SK = "CONFIG"
RETENTION_FLOW_SK = "RETENTION#flow"
RETENTION_STEP_PREFIX = "STEP#"
RUN_SK = "RUN"
BATCH_PREFIX = "BATCH#"
RETRY_PREFIX = "RETRY#"


def user_pk(sub: str) -> str:
    return f"USER#{sub}"


def account_pk(account_id: str) -> str:
    return f"ACCOUNT#{account_id}"


def member_sk(sub: str) -> str:
    return f"{MEMBER_PREFIX}{sub}"


def membership_sk(account_id: str) -> str:
    return f"{MEMBERSHIP_PREFIX}{account_id}"


def invitation_sk(invitation_id: str) -> str:
    return f"{INVITATION_PREFIX}{invitation_id}"


def invite_token_pk(token_hash: str) -> str:
    return f"INVITE#{token_hash}"


def customer_pk(customer_id: str) -> str:
    return f"CUSTOMER#{customer_id}"


def event_pk(event_id: str) -> str:
    return f"EVENT#{event_id}"


def reconcile_pk(run_id: str) -> str:
    return f"RECONCILE#{run_id}"


def batch_sk(number: int) -> str:
    return f"{BATCH_PREFIX}{number:07d}"


def retry_sk(account_id: str) -> str:
    return f"{RETRY_PREFIX}{account_id}"


def audit_sk(iso_time: str, action: str) -> str:
    return f"{AUDIT_PREFIX}{iso_time}#{action}"


def preview_sk(preview_id: str) -> str:
    return f"PREVIEW#{preview_id}"


def offer_sk(offer_id: str) -> str:
    return f"OFFER#{offer_id}"


def retention_day_pk(day: str) -> str:
    """``day`` is an ISO date (``YYYY-MM-DD``, UTC): the day the flow started."""
    return f"RETENTION#{day}"


def retention_step_sk(flow_id: str, step_key: str) -> str:
    return f"{RETENTION_STEP_PREFIX}{flow_id}#{step_key}"


def key(pk: str, sk: str) -> dict[str, Any]:
    """The DynamoDB key of one item."""
    return {"pk": {"S": pk}, "sk": {"S": sk}}
