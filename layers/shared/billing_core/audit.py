"""Who did what: ``USER#<sub>``/``AUDIT#<iso time>#<action>`` items with a TTL.

``AuditLog().record(sub, "subscription.change", request_id, before={...}, after={...})``. ``before`` and
``after`` hold small summaries (ids, plan, status, codes) — never Stripe objects, e-mails or secrets.
Audit is best effort for denied actions (``outcome="denied"``) but raises ``DependencyUnavailable`` when
DynamoDB fails, so mutations can decide whether to proceed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from billing_core import aws
from billing_core.directory import dynamo_error, user_pk
from billing_core.settings import get_settings

#: The table's TTL attribute (epoch seconds). The template enables TTL on this name.
TTL_ATTRIBUTE = "expires_at"
AUDIT_RETENTION_DAYS = 400


class AuditLog:
    def __init__(
        self,
        table_name: str | None = None,
        dynamodb: Any | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._table = table_name
        self._dynamodb = dynamodb
        self._clock = clock

    def record(
        self,
        sub: str,
        action: str,
        request_id: str,
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
        outcome: str = "ok",
    ) -> str:
        """Write one audit entry; returns its sort key."""
        now = self._clock()
        iso = datetime.fromtimestamp(now, UTC).isoformat(timespec="microseconds")
        sk = f"AUDIT#{iso}#{action}"
        item = {
            "pk": {"S": user_pk(sub)},
            "sk": {"S": sk},
            "action": {"S": action},
            "outcome": {"S": outcome},
            "request_id": {"S": request_id},
            "before": {"S": json.dumps(dict(before or {}), sort_keys=True, default=str)},
            "after": {"S": json.dumps(dict(after or {}), sort_keys=True, default=str)},
            TTL_ATTRIBUTE: {"N": str(int(now) + AUDIT_RETENTION_DAYS * 86400)},
        }
        try:
            (self._dynamodb or aws.client("dynamodb")).put_item(
                TableName=self._table or get_settings().table_name, Item=item
            )
        except (ClientError, BotoCoreError) as exc:
            raise dynamo_error(exc, "audit.record") from None
        return sk

    def entries(self, sub: str, limit: int = 50) -> list[dict[str, Any]]:
        """The newest audit entries of a user (support tooling and tests)."""
        try:
            response = (self._dynamodb or aws.client("dynamodb")).query(
                TableName=self._table or get_settings().table_name,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
                ExpressionAttributeValues={":pk": {"S": user_pk(sub)}, ":prefix": {"S": "AUDIT#"}},
                ScanIndexForward=False,
                Limit=limit,
            )
        except (ClientError, BotoCoreError) as exc:
            raise dynamo_error(exc, "audit.entries") from None
        return [
            {
                "action": item["action"]["S"],
                "outcome": item["outcome"]["S"],
                "request_id": item["request_id"]["S"],
                "before": json.loads(item["before"]["S"]),
                "after": json.loads(item["after"]["S"]),
                "sk": item["sk"]["S"],
            }
            for item in response.get("Items", [])
        ]
