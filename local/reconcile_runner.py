"""The reconcile fan-out offline: the planner, then Lambda's SQS event source played by a loop over moto's SQS.

It calls the handler the template deploys (``reconcile.app.handler``: a scheduler event plans, an SQS event is
worked), the way Lambda's SQS event source does: up to ``concurrency`` invocations at once (the
``MaximumConcurrency`` of the template), one message per invocation (``BatchSize: 1``), the partial batch response
deciding which messages are deleted. A failed message is made visible again at once (offline, the visibility
timeout need not be waited out), and moto's redrive policy moves it to the dead-letter queue after the queue's
``maxReceiveCount`` receives, as SQS does.

    python -m local.reconcile_runner [--run-id ID]   # against the offline stack's moto (AWS_ENDPOINT_URL)
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass
class DrainStats:
    invocations: int = 0
    failed_receipts: int = 0


def sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """One record of a Lambda SQS event, from a ReceiveMessage message."""
    attributes = message.get("Attributes", {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {"ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1")},
        "messageAttributes": {},
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": queue_arn.split(":")[3] if queue_arn.count(":") >= 5 else "us-east-1",
    }


def drain(sqs: Any, queue_url: str, handler: Handler, *, concurrency: int = 2, idle_s: float = 0.5) -> DrainStats:
    """Invoke ``handler`` for every message until the queue stays empty for ``idle_s`` with nothing in flight."""
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    stats = DrainStats()
    lock = threading.Lock()
    busy = [0]
    idle_since = [time.monotonic()]

    def poll() -> None:
        while True:
            response = sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=1, AttributeNames=["ApproximateReceiveCount"]
            )
            messages = response.get("Messages", [])
            if not messages:
                with lock:
                    if busy[0] == 0 and time.monotonic() - idle_since[0] >= idle_s:
                        return
                time.sleep(0.01)
                continue
            with lock:
                busy[0] += 1
            try:
                message = messages[0]
                result = handler({"Records": [sqs_record(message, arn)]}, None)
                failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
                if message["MessageId"] in failed:
                    sqs.change_message_visibility(
                        QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                    )
                else:
                    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
                with lock:
                    stats.invocations += 1
                    stats.failed_receipts += len(failed)
            finally:
                with lock:
                    busy[0] -= 1
                    idle_since[0] = time.monotonic()

    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="reconcile-worker") as pool:
        for future in [pool.submit(poll) for _ in range(concurrency)]:
            future.result()
    return stats


def dead_letters(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """The bodies in a dead-letter queue (read and left there)."""
    out: list[dict[str, Any]] = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=60).get(
            "Messages", []
        )
        if not messages:
            return out
        out += [json.loads(m["Body"]) for m in messages]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.reconcile_runner", description=__doc__.splitlines()[0])
    parser.add_argument("--run-id", help="the run to plan and work (default: today, UTC)")
    args = parser.parse_args(argv)
    root = Path(__file__).resolve().parents[1]
    for path in (root / "layers" / "shared", root / "functions" / "reconcile"):  # the code Lambda runs
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    from billing_core import aws
    from billing_core.settings import get_settings
    from reconcile.app import build_planner, handler

    settings = get_settings()
    planned = handler({"run_id": args.run_id} if args.run_id else {}, None)
    sqs = aws.client("sqs")
    drain(sqs, settings.reconcile_queue_url, handler, concurrency=settings.reconcile_concurrency)
    report = build_planner().runs.report(planned["run_id"])
    print(json.dumps(report.to_dict() if report else planned, indent=2))
    return 0 if report is not None and report.complete and not report.failed else 1


if __name__ == "__main__":
    sys.exit(main())
