"""Who did what: ``ACCOUNT#<id>``/``AUDIT#<iso time>#<action>`` items with a TTL.

``AuditLog().record(caller, "subscription.change", request_id, before={...}, after={...})``: the entry goes to
the caller's billing account and names the acting user (``actor``, their ``sub``); a plain account id may be
given with ``actor=`` instead. ``before`` and
``after`` hold small summaries (ids, plan, status, codes) — never Stripe objects, e-mails or secrets.
Audit is best effort for denied actions (``outcome="denied"``) but raises ``DependencyUnavailable`` when
DynamoDB fails, so mutations can decide whether to proceed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from billing_core.identity import Caller
from billing_core.store.base import TableStore
from billing_core.store.keys import AUDIT_PREFIX, TTL_ATTRIBUTE, account_pk, audit_sk, key

AUDIT_RETENTION_DAYS = 400
__all__ = ["AUDIT_RETENTION_DAYS", "TTL_ATTRIBUTE", "AuditLog"]


class AuditLog(TableStore):
    """The audit entries of the billing table."""

    def record(
        self,
        account: Caller | str,
        action: str,
        request_id: str,
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
        outcome: str = "ok",
        *,
        actor: str | None = None,
    ) -> str:
        """Write one audit entry; returns its sort key."""
        if isinstance(account, Caller):
            account_id, actor = account.account_id, actor or account.sub
        else:
            account_id = account
        now = self.clock()
        iso = datetime.fromtimestamp(now, UTC).isoformat(timespec="microseconds")
        sk = audit_sk(iso, action)
        item = {
            **key(account_pk(account_id), sk),
            "action": {"S": action},
            "outcome": {"S": outcome},
            "request_id": {"S": request_id},
            **({"actor": {"S": actor}} if actor else {}),
            "before": {"S": json.dumps(dict(before or {}), sort_keys=True, default=str)},
            "after": {"S": json.dumps(dict(after or {}), sort_keys=True, default=str)},
            TTL_ATTRIBUTE: {"N": str(int(now) + AUDIT_RETENTION_DAYS * 86400)},
        }
        self._put(item, "audit.record")
        return sk

    def entries(self, account_id: str, limit: int = 50) -> list[dict[str, Any]]:
        """The newest audit entries of a user (support tooling and tests)."""
        items = self._query(account_pk(account_id), AUDIT_PREFIX, "audit.entries", newest_first=True, limit=limit)
        return [
            {
                "action": item["action"]["S"],
                "outcome": item["outcome"]["S"],
                "request_id": item["request_id"]["S"],
                "actor": item.get("actor", {}).get("S"),
                "before": json.loads(item["before"]["S"]),
                "after": json.loads(item["after"]["S"]),
                "sk": item["sk"]["S"],
            }
            for item in items
        ]
