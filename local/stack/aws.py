"""moto server as a child process on loopback, and the AWS resources the template would create, made locally.

`MotoServer(port).start()` runs `python -m local.stack.moto_server -H 127.0.0.1 -p <port>` (moto's server, one
request at a time, plus Cognito's RevokeToken: see that module) from the venv (one port serves every service)
and waits until it answers.
`provision(...)` creates, in that moto: the template's DynamoDB tables (key schema and TTL read from
template.yaml), the Stripe secrets, an EventBridge bus, and a Cognito user pool and app client shaped like the
template's (e-mail usernames, no client secret; USER_PASSWORD_AUTH is allowed locally so tests and the demo page
can sign in without SRP).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from .template import Template

REGION = "us-east-1"
REPO = Path(__file__).resolve().parents[2]
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}

#: Local physical names for the template's resources (others: kebab-case of the logical id + "-local").
LOCAL_TABLE_NAMES = {"BillingTable": "billing-local", "IdempotencyTable": "billing-idempotency-local"}
EVENT_BUS_NAME = "billing-events-local"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def local_table_name(logical_id: str) -> str:
    if logical_id in LOCAL_TABLE_NAMES:
        return LOCAL_TABLE_NAMES[logical_id]
    words = [w.lower() for w in __import__("re").findall(r"[A-Z][a-z0-9]*", logical_id)]
    return "-".join(words) + "-local"


def _die_with_parent() -> None:
    """In the child: ask Linux to SIGTERM it when its parent dies (no orphaned moto after a crash)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class MotoServer:
    """A moto server child process. `stop()` terminates it (SIGTERM, then SIGKILL) and reaps it."""

    def __init__(self, port: int, log_path: Path | None = None) -> None:
        self.port = port
        self.endpoint = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90.0) -> MotoServer:
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        env = os.environ | FAKE_CREDENTIALS | {"AWS_DEFAULT_REGION": REGION}
        env.pop("AWS_ENDPOINT_URL", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "local.stack.moto_server", "-H", "127.0.0.1", "-p", str(self.port)],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            preexec_fn=_die_with_parent,
        )
        if log is not subprocess.DEVNULL:
            log.close()  # type: ignore[union-attr]  # opened above in this branch
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"moto server exited with {self.proc.returncode} (port {self.port} taken?)")
            try:
                with urllib.request.urlopen(f"{self.endpoint}/moto-api/data.json", timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"moto server did not answer on {self.endpoint} within {timeout} s")

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@dataclass
class AwsResources:
    endpoint: str
    region: str
    tables: dict[str, str]  # logical id -> table name
    user_pool_id: str
    user_pool_client_id: str
    stripe_secret_name: str
    stripe_webhook_secret_name: str
    event_bus_name: str
    event_bus_arn: str
    queues: dict[str, str] = field(default_factory=dict)  # logical id -> queue URL
    queue_arns: dict[str, str] = field(default_factory=dict)  # logical id -> queue ARN

    @property
    def table_name(self) -> str:
        return self.tables.get("BillingTable", LOCAL_TABLE_NAMES["BillingTable"])

    @property
    def idempotency_table_name(self) -> str:
        return self.tables.get("IdempotencyTable", LOCAL_TABLE_NAMES["IdempotencyTable"])


def client(service: str, endpoint: str, region: str = REGION) -> Any:
    return boto3.client(  # type: ignore[call-overload]  # the service name is a run-time str
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def provision(
    endpoint: str,
    template: Template,
    *,
    stripe_secret_key: str,
    stripe_webhook_secret: str,
    stripe_secret_name: str,
    stripe_webhook_secret_name: str,
    region: str = REGION,
) -> AwsResources:
    """Create the tables, secrets, bus, user pool and app client in moto."""
    ddb = client("dynamodb", endpoint, region)
    tables: dict[str, str] = {}
    for table in template.tables():
        name = local_table_name(table.logical_id)
        ddb.create_table(
            TableName=name,
            KeySchema=table.key_schema,
            AttributeDefinitions=table.attribute_definitions,
            BillingMode="PAY_PER_REQUEST",
        )
        if table.ttl_attribute:
            ddb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute}
            )
        tables[table.logical_id] = name

    sm = client("secretsmanager", endpoint, region)
    sm.create_secret(Name=stripe_secret_name, SecretString=stripe_secret_key)
    sm.create_secret(Name=stripe_webhook_secret_name, SecretString=stripe_webhook_secret)

    events = client("events", endpoint, region)
    bus_arn = events.create_event_bus(Name=EVENT_BUS_NAME)["EventBusArn"]
    queues, queue_arns = provision_queues(client("sqs", endpoint, region), template)

    pool_spec = next(iter(template.of_type("AWS::Cognito::UserPool").values()), {}).get("Properties", {})
    idp = client("cognito-idp", endpoint, region)
    pool = idp.create_user_pool(
        PoolName="billing-local-users",
        UsernameAttributes=pool_spec.get("UsernameAttributes", ["email"]),
        AutoVerifiedAttributes=pool_spec.get("AutoVerifiedAttributes", ["email"]),
        Policies={"PasswordPolicy": pool_spec.get("Policies", {}).get("PasswordPolicy", {"MinimumLength": 12})},
    )["UserPool"]
    client_spec = next(iter(template.of_type("AWS::Cognito::UserPoolClient").values()), {}).get("Properties", {})
    spec_flows = client_spec.get("ExplicitAuthFlows", [])
    if isinstance(spec_flows, dict) and "Fn::If" in spec_flows:  # flows per condition: offline allows them all
        spec_flows = [flow for branch in spec_flows["Fn::If"][1:] for flow in branch]
    flows = sorted(set(spec_flows) | {"ALLOW_USER_PASSWORD_AUTH"})
    app_client = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="billing-local-web", GenerateSecret=False, ExplicitAuthFlows=flows
    )["UserPoolClient"]
    return AwsResources(
        endpoint=endpoint,
        region=region,
        tables=tables,
        user_pool_id=pool["Id"],
        user_pool_client_id=app_client["ClientId"],
        stripe_secret_name=stripe_secret_name,
        stripe_webhook_secret_name=stripe_webhook_secret_name,
        event_bus_name=EVENT_BUS_NAME,
        event_bus_arn=bus_arn,
        queues=queues,
        queue_arns=queue_arns,
    )


def provision_queues(sqs: Any, template: Template) -> tuple[dict[str, str], dict[str, str]]:
    """The template's SQS queues in moto, dead-letter queues first, with their redrive policies (moto moves a
    message to the dead-letter queue after ``maxReceiveCount`` receives, as SQS does)."""
    specs = template.of_type("AWS::SQS::Queue")
    urls: dict[str, str] = {}
    arns: dict[str, str] = {}
    for logical in sorted(specs, key=lambda name: "RedrivePolicy" in specs[name].get("Properties", {})):
        props = specs[logical].get("Properties", {})
        attributes = {"VisibilityTimeout": str(props.get("VisibilityTimeout", 30))}
        redrive = props.get("RedrivePolicy")
        if redrive:
            target = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": arns[target], "maxReceiveCount": str(redrive["maxReceiveCount"])}
            )
        url = sqs.create_queue(QueueName=local_table_name(logical), Attributes=attributes)["QueueUrl"]
        urls[logical] = url
        arns[logical] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return urls, arns


def create_user(endpoint: str, pool_id: str, email: str, password: str, name: str, region: str = REGION) -> str:
    """A confirmed user with a permanent password and a verified e-mail; returns its `sub`."""
    idp = client("cognito-idp", endpoint, region)
    user = idp.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "name", "Value": name},
        ],
        MessageAction="SUPPRESS",
    )["User"]
    idp.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=password, Permanent=True)
    attrs = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
    return str(attrs["sub"])
