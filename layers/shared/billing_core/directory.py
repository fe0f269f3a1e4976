"""Which Stripe customer belongs to which billing account: the customer directory on DynamoDB.

Items (one table, see docs/architecture.md): ``ACCOUNT#<id>``/``CUSTOMER`` -> ``customer_id``, ``created_at``;
``CUSTOMER#<cus_id>``/``ACCOUNT`` -> ``account_id`` (reverse lookup for webhooks). A reverse item from before
billing accounts (``CUSTOMER#<cus_id>``/``USER`` -> ``sub``) still answers, with the user's personal account.

``get_or_create`` is race-safe (ADR 0005, D1): it creates the Stripe customer with an
idempotency key derived from the account (for a personal account: from ``sub``, as before; concurrent first
actions get the same customer), then claims both items in one conditional transaction; a lost race reuses the
winner. If an older attempt created a customer but never wrote the mapping, it is found again by
``metadata['billing_account']`` search (``metadata['user_sub']`` for a personal account). Read routes use
``lookup_caller`` only and never create customers (A6).

``lookup_caller`` answers from the caller's verified access token when it carries the mapping (the
``stripe_customer_id`` claim of the pre-token trigger) and the request acts on the account the token's claims
answer for (its ``billing_account`` claim, the personal account when absent): no DynamoDB read. For a team
account or a header naming another account it reads the directory, so a member never gets their personal
customer while acting on a team. A mapping is written once and never changed, so the claim cannot name another
account's customer; when Stripe says the claimed customer is gone, the reader asks the directory again
(``recheck``).

Both answers without I/O (the claim, and the mappings this process has read) are :mod:`billing_core.customer_mapping`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from billing_core import customer_mapping as read_cache
from billing_core.customer_mapping import CustomerMapping
from billing_core.errors import Conflict, RequestInProgress
from billing_core.identity import Caller, personal_account_id, personal_owner
from billing_core.observability import count, logger
from billing_core.store.base import TRANSACTION_ATTEMPTS, ConditionFailed, DynamoDBClient, TableStore
from billing_core.store.keys import ACCOUNT_SK, CUSTOMER_SK, USER_SK, account_pk, customer_pk, user_pk
from billing_core.store.keys import key as _key
from billing_core.stripe_fields import as_dict
from billing_core.stripe_gateway import StripeGateway, get_gateway
from billing_core.stripe_ownership import derive_key
from billing_core.user_pool import CognitoUserPool, UserProfile

if TYPE_CHECKING:
    from stripe.params import CustomerCreateParams

#: How long a first action waits, between looks at the directory, while a concurrent one creates the same
#: customer (Stripe answers 409 `idempotency_key_in_use` until it is done), before answering 409 itself.
CREATE_IN_PROGRESS_WAITS_S: tuple[float, ...] = (0.25, 0.5, 1.0)

#: The Scan of the ``CUSTOMER`` items (every mapped billing account, and mappings not yet moved from ``USER#<sub>``),
#: for the reconcile run.
_MAPPING_SCAN: dict[str, Any] = {
    # A deleted team's mapping (``deleted_at``) is not reconciled.
    "FilterExpression": (
        "sk = :sk AND (begins_with(pk, :account) OR begins_with(pk, :user)) AND attribute_not_exists(deleted_at)"
    ),
    "ExpressionAttributeValues": {
        ":sk": {"S": CUSTOMER_SK},
        ":account": {"S": account_pk("")},
        ":user": {"S": user_pk("")},
    },
    "ProjectionExpression": "pk, customer_id",
}


class CustomerDirectory(TableStore):
    """The billing account <-> Stripe customer mapping. Adapters are optional arguments for tests."""

    def __init__(
        self,
        table_name: str | None = None,
        dynamodb: DynamoDBClient | None = None,
        gateway: StripeGateway | None = None,
        user_pool: CognitoUserPool | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(table_name, dynamodb, clock)
        self._gateway = gateway
        self._pool = user_pool
        self.sleep = sleep

    @property
    def gateway(self) -> StripeGateway:
        return self._gateway or get_gateway()

    @property
    def user_pool(self) -> CognitoUserPool:
        return self._pool or CognitoUserPool()

    # -- reads ---------------------------------------------------------------------------------
    def lookup(self, account_id: str) -> CustomerMapping | None:
        """The account's mapping, or None. Strongly consistent. DynamoDB failure -> 503."""
        item = self._get(account_pk(account_id), CUSTOMER_SK, "directory.lookup")
        if item is None or "deleted_at" in item:
            return None  # none yet, or a deleted team's (its key stays taken: no new customer is mapped)
        customer_id = item.get("customer_id", {}).get("S", "")
        if not customer_id.startswith("cus_"):
            logger.error("invalid customer mapping item", extra={"reason": "customer_id"})
            return None
        return CustomerMapping(
            account_id=account_id, customer_id=customer_id, created_at=item.get("created_at", {}).get("S", "")
        )

    def lookup_caller(self, caller: Caller) -> CustomerMapping | None:
        """The mapping of the caller's resolved account for read routes: from the verified token's claim when it
        answers for that very account (``Caller.token_customer_id``), else ``lookup``."""
        known = self.known_mapping(caller)
        if known is not None:
            return known
        found = self.lookup(caller.account_id)
        if found is not None:
            read_cache.remember(self.table, found)
        return found

    def known_mapping(self, caller: Caller) -> CustomerMapping | None:
        """The caller's mapping without I/O (``billing_core.customer_mapping``); None: read the directory."""
        return read_cache.known_mapping(self.table, caller)

    def recheck(self, stale: CustomerMapping | None) -> CustomerMapping | None:
        """After Stripe said a token-given (or cached) customer is gone: the directory's mapping when it names
        another customer (the token or cache was stale), else None (nothing better to try)."""
        if stale is None or stale.source == "directory":
            return None
        read_cache.drop(self.table, stale.account_id)
        fresh = self.lookup(stale.account_id)
        if fresh is None or fresh.customer_id == stale.customer_id:
            return None
        count("CustomerClaimStale")
        logger.warning("customer mapping from the token or cache is stale", extra={"claimed": stale.customer_id})
        return fresh

    def lookup_account(self, customer_id: str) -> str | None:
        """The billing account that owns a Stripe customer (webhooks), or None."""
        item = self._get(customer_pk(customer_id), ACCOUNT_SK, "directory.lookup_account")
        if item is not None and "deleted_at" in item:
            return None  # a deleted team's customer: its events change nothing
        account_id = item.get("account_id", {}).get("S") if item else None
        if account_id:
            return str(account_id)
        legacy = self._get(customer_pk(customer_id), USER_SK, "directory.lookup_account")
        sub = legacy.get("sub", {}).get("S") if legacy else None
        return personal_account_id(sub) if sub else None

    def mapped_customers(self) -> Iterator[tuple[str, str]]:
        """Every (account id, customer id) in the directory (a paginated Scan of the ``CUSTOMER`` items; a mapping
        not yet moved from ``USER#<sub>`` answers with the user's personal account)."""
        return self._mappings(self._scan("reconcile.scan", **_MAPPING_SCAN))

    def mapped_page(
        self, start: dict[str, Any] | None, limit: int
    ) -> tuple[list[tuple[str, str]], dict[str, Any] | None]:
        """One page of the same Scan from ``start`` (``limit`` items read): the mappings and where to go on."""
        items, following = self._scan_page("reconcile.scan", start, limit, **_MAPPING_SCAN)
        return list(self._mappings(items)), following

    @staticmethod
    def _mappings(items: Iterable[dict[str, Any]]) -> Iterator[tuple[str, str]]:
        for item in items:
            customer_id = item.get("customer_id", {}).get("S", "")
            pk = item["pk"]["S"]
            if pk.startswith(user_pk("")):
                account_id = personal_account_id(pk.removeprefix(user_pk("")))
            else:
                account_id = pk.removeprefix(account_pk(""))
            if customer_id.startswith("cus_"):
                yield account_id, customer_id

    # -- provisioning ----------------------------------------------------------------------------
    def get_or_create(self, account_id: str, contact_sub: str | None = None) -> CustomerMapping:
        """The account's mapping, creating the Stripe customer and the mapping on first use (D1).

        The new customer's e-mail and name come from the personal account's owner, or for a team from
        ``contact_sub`` (the member whose billing action created it)."""
        existing = self.lookup(account_id)
        if existing is not None:
            return existing
        customer_id = self._find_orphan(account_id)
        if customer_id is None:
            for wait in (*CREATE_IN_PROGRESS_WAITS_S, None):
                try:
                    customer_id = self._create_customer(account_id, contact_sub)
                    break
                except RequestInProgress:
                    # A concurrent first action holds the same idempotency key (Stripe's 409
                    # `idempotency_key_in_use`, already retried by stripe-python): its mapping is moments away.
                    if wait is None:
                        raise
                    count("CustomerCreateInProgress")
                    self.sleep(wait)
                    existing = self.lookup(account_id)
                    if existing is not None:
                        return existing
        assert customer_id is not None
        return self._claim(account_id, customer_id)

    def _find_orphan(self, account_id: str) -> str | None:
        """A customer created by an earlier attempt whose mapping write never happened."""
        owner = personal_owner(account_id)
        field, value = ("user_sub", owner) if owner is not None else ("billing_account", account_id)
        query = f"metadata['{field}']:'{_quote(value)}'"
        result = self.gateway.call(
            "customers.search", lambda c: c.v1.customers.search(params={"query": query, "limit": 10})
        )
        for customer in result.data:
            metadata = as_dict(getattr(customer, "metadata", None))  # a StripeObject is not a dict: no .get()
            if not getattr(customer, "deleted", False) and metadata.get(field) == value:
                count("CustomerRecovered")
                return str(customer.id)
        return None

    def _create_customer(self, account_id: str, contact_sub: str | None) -> str:
        owner = personal_owner(account_id)
        contact = owner if owner is not None else contact_sub
        profile = self.user_pool.profile(contact) if contact else UserProfile(email=None, name=None)
        metadata = {"user_sub": owner} if owner is not None else {"billing_account": account_id}
        params: CustomerCreateParams = {"metadata": metadata}
        if profile.email:
            params["email"] = profile.email
        if profile.name:
            params["name"] = profile.name
        # A personal account keeps the key it had before billing accounts (a retry across the change is safe).
        key = derive_key(f"user:{owner}" if owner is not None else f"account:{account_id}", "customer.create")
        customer = self.gateway.call(
            "customers.create",
            lambda c: c.v1.customers.create(params=params, options={"idempotency_key": key}),
        )
        count("CustomerCreated")
        return str(customer.id)

    def _claim(self, account_id: str, customer_id: str) -> CustomerMapping:
        created_at = datetime.fromtimestamp(self.clock(), UTC).isoformat(timespec="seconds")
        try:
            self._write_mapping(account_id, customer_id, created_at, "directory.claim", attempts=TRANSACTION_ATTEMPTS)
        except ConditionFailed:
            return self._lost_race(account_id, customer_id)
        return CustomerMapping(account_id=account_id, customer_id=customer_id, created_at=created_at)

    def link(self, account_id: str, customer_id: str) -> Literal["linked", "exists", "conflict", "deleted"]:
        """Write the mapping when neither side exists yet (webhook-side provisioning; no Stripe call).

        ``"exists"`` when it is already this mapping; ``"conflict"`` when either side is mapped to something
        else: nothing is overwritten and the ``CustomerMappingConflict`` metric is counted; ``"deleted"`` when the
        account is a deleted team.
        """
        now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        try:
            self._write_mapping(account_id, customer_id, now, "directory.link")
        except ConditionFailed:
            existing = self.lookup(account_id)
            if existing is not None and existing.customer_id == customer_id:
                return "exists"
            if existing is None and self._deleted(account_id):
                return "deleted"  # a deleted team: nothing is mapped to it again
            count("CustomerMappingConflict")
            logger.warning("customer mapping conflict; nothing overwritten", extra={"customer_id": customer_id})
            return "conflict"
        count("CustomerLinked")
        return "linked"

    def _deleted(self, account_id: str) -> bool:
        item = self._get(account_pk(account_id), CUSTOMER_SK, "directory.lookup")
        return item is not None and "deleted_at" in item

    def _write_mapping(
        self, account_id: str, customer_id: str, created_at: str, operation: str, attempts: int = 1
    ) -> None:
        """Both items of the mapping, each only if its key is free (one transaction)."""
        free = "attribute_not_exists(pk)"
        account_item = {"customer_id": {"S": customer_id}, "created_at": {"S": created_at}}
        customer_item = {"account_id": {"S": account_id}, "created_at": {"S": created_at}}
        self._transact(
            [
                {"Item": {**_key(account_pk(account_id), CUSTOMER_SK), **account_item}, "ConditionExpression": free},
                {"Item": {**_key(customer_pk(customer_id), ACCOUNT_SK), **customer_item}, "ConditionExpression": free},
            ],
            operation,
            attempts=attempts,
        )

    def _lost_race(self, account_id: str, customer_id: str) -> CustomerMapping:
        winner = self.lookup(account_id)
        if winner is not None:
            if winner.customer_id != customer_id:
                count("CustomerOrphaned")
                logger.warning("lost provisioning race with a different customer", extra={"orphan": customer_id})
            return winner
        # The user item is free but the customer item is taken: that customer belongs to someone else.
        count("CustomerMappingConflict")
        logger.error("customer already mapped to another account", extra={"customer_id": customer_id})
        raise Conflict(code="customer_mapping_conflict")


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")
