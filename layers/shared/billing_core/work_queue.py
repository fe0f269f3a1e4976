"""Messages onto an SQS queue (the reconcile fan-out): JSON bodies, sent ten per request as SQS allows.

Lambda's SQS event source delivers them to the consumer function; a message the consumer reports as failed
(``batchItemFailures``) comes back after the queue's visibility timeout, and after the queue's
``maxReceiveCount`` receives SQS moves it to the dead-letter queue (the redrive policy in ``template.yaml``).
Failures to send are a 503 (``DependencyUnavailable``) naming how many messages were refused, so the caller
retries (the planner's progress is only recorded after its messages are on the queue).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from billing_core import aws
from billing_core.errors import DependencyUnavailable
from billing_core.observability import count, logger
from billing_core.settings import get_settings

#: SQS accepts at most 10 entries per SendMessageBatch.
SQS_BATCH = 10


class WorkQueue:
    def __init__(self, queue_url: str | None = None, sqs: Any | None = None) -> None:
        self._url = queue_url
        self._sqs = sqs

    @property
    def url(self) -> str:
        return self._url or get_settings().reconcile_queue_url

    @property
    def sqs(self) -> Any:
        return self._sqs or aws.client("sqs")

    def send(self, bodies: Sequence[dict[str, Any]]) -> int:
        """Put every body on the queue; returns how many were sent. Raises 503 when any was refused."""
        sent = 0
        for start in range(0, len(bodies), SQS_BATCH):
            chunk = bodies[start : start + SQS_BATCH]
            entries = [
                {"Id": str(n), "MessageBody": json.dumps(body, separators=(",", ":"))} for n, body in enumerate(chunk)
            ]
            try:
                response = self.sqs.send_message_batch(QueueUrl=self.url, Entries=entries)
            except (ClientError, BotoCoreError) as exc:
                count("QueueUnavailable")
                logger.warning("sqs send failed", extra={"error_type": type(exc).__name__})
                raise DependencyUnavailable(retry_after=5, operation="sqs.send", sent=sent) from None
            failed = response.get("Failed") or []
            sent += len(chunk) - len(failed)
            if failed:
                count("QueueUnavailable")
                raise DependencyUnavailable(retry_after=5, operation="sqs.send", sent=sent, refused=len(failed))
        return sent
