"""A billing account's Stripe customer (``CustomerMapping``), and the read path's answers without I/O.

``known_mapping`` answers a read route (``CustomerDirectory.lookup_caller``) without DynamoDB: from the verified
token's ``stripe_customer_id`` claim when it answers for the account the request acts on, or from the mappings
this process has read in the last 300 s (``MAPPINGS``). A mapping is written once and never changed, so a warm GET
/billing starts its Stripe reads at once instead of after a DynamoDB round trip; a cached (or claimed) customer that
Stripe says is gone is checked against the directory (``CustomerDirectory.recheck``). Entries are keyed by
(table, account id), bounded in number, and emptied by :func:`forget_read_cache` (tests that recreate tables,
and after a SnapStart restore). Only the read routes use them: a write path reads the directory itself.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from billing_core.identity import Caller
from billing_core.process_cache import ProcessCache


@dataclass(frozen=True)
class CustomerMapping:
    account_id: str
    customer_id: str
    created_at: str
    #: ``"directory"`` (read from DynamoDB), ``"token"`` (the verified access token's claim; no created_at) or
    #: ``"cache"`` (read from DynamoDB by an earlier request of this process).
    source: Literal["directory", "token", "cache"] = "directory"


#: The read path's mappings by (table, account id).
MAPPINGS: ProcessCache[tuple[str, str], CustomerMapping] = ProcessCache(ttl_seconds=300.0)


def known_mapping(table: str, caller: Caller) -> CustomerMapping | None:
    """The caller's mapping without I/O (the token's claim, or this process's cache), or None."""
    token_customer = caller.token_customer_id
    if token_customer is not None:
        return CustomerMapping(account_id=caller.account_id, customer_id=token_customer, created_at="", source="token")
    cached = MAPPINGS.get((table, caller.account_id))
    return replace(cached, source="cache") if cached is not None else None


def remember(table: str, mapping: CustomerMapping) -> None:
    MAPPINGS.put((table, mapping.account_id), mapping)


def drop(table: str, account_id: str) -> None:
    MAPPINGS.drop((table, account_id))


def forget_read_cache() -> None:
    MAPPINGS.clear()
