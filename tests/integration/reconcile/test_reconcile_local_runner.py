"""The offline path of the scheduled reconcile: `python -m local.reconcile_runner` plans a run and drains the
template's queue on moto with the deployed handler, against the Stripe emulator."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from billing_core.settings import reset_settings

from local import reconcile_runner
from local.stack.aws import provision_queues
from local.stack.template import Template
from tests.helpers import aws as h


def test_the_local_runner_reconciles_every_customer_through_the_deployed_handler(
    stripe_env: Any, stripe_client: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    urls, _ = provision_queues(boto3.client("sqs", region_name=h.REGION), Template())
    monkeypatch.setenv("RECONCILE_QUEUE_URL", urls["ReconcileQueue"])
    monkeypatch.setenv("RECONCILE_BATCH_SIZE", "2")
    reset_settings()
    for n in range(5):
        customer = stripe_client.v1.customers.create({"metadata": {"user_sub": f"user-{n}"}})
        h.put_mapping(f"user-{n}", customer.id)
    assert reconcile_runner.main(["--run-id", "offline-1"]) == 0
    out = capsys.readouterr().out
    assert '"checked": 5' in out and '"complete": true' in out and '"failed": []' in out
