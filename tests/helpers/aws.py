"""moto resources for tests: the billing table, the idempotency table, secrets and a Cognito user pool.

Use inside ``mock_aws`` (the ``aws_env`` fixture in tests/conftest.py does it all and sets the env vars).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import boto3

REGION = "us-east-1"
TABLE_NAME = "billing-test"
IDEMPOTENCY_TABLE_NAME = "billing-idempotency-test"
STRIPE_SECRET_NAME = "billing/test/stripe-secret-key"
STRIPE_WEBHOOK_SECRET_NAME = "billing/test/stripe-webhook-secret"
TTL_ATTRIBUTE = "expires_at"


def create_billing_table(name: str = TABLE_NAME) -> None:
    """The single table: pk/sk strings, on-demand, TTL on ``expires_at``."""
    ddb = boto3.client("dynamodb", region_name=REGION)
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE})


def create_idempotency_table(name: str = IDEMPOTENCY_TABLE_NAME) -> None:
    """The Powertools idempotency table: hash key ``id``, TTL on ``expiration``."""
    ddb = boto3.client("dynamodb", region_name=REGION)
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"})


def put_secret(name: str, value: str) -> None:
    boto3.client("secretsmanager", region_name=REGION).create_secret(Name=name, SecretString=value)


@dataclass
class UserPool:
    pool_id: str
    client_id: str
    users: dict[str, str] = field(default_factory=dict)
    """username -> sub"""

    def add_user(self, username: str, email: str | None = None, name: str | None = None, verified: bool = True) -> str:
        """Create a confirmed user; returns its ``sub``."""
        cognito = boto3.client("cognito-idp", region_name=REGION)
        attributes: list[Any] = []
        if email:
            attributes += [
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true" if verified else "false"},
            ]
        if name:
            attributes.append({"Name": "name", "Value": name})
        user = cognito.admin_create_user(
            UserPoolId=self.pool_id, Username=username, UserAttributes=attributes, MessageAction="SUPPRESS"
        )["User"]
        sub = next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub")
        self.users[username] = sub
        return sub


def create_user_pool(name: str = "billing-test-users") -> UserPool:
    cognito = boto3.client("cognito-idp", region_name=REGION)
    pool_id = cognito.create_user_pool(PoolName=name, UsernameAttributes=["email"])["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="web")["UserPoolClient"]["ClientId"]
    return UserPool(pool_id=pool_id, client_id=client_id)


def get_item(pk: str, sk: str, table: str = TABLE_NAME) -> dict[str, Any] | None:
    item = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=table, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True
    )
    return item.get("Item")


def query_pk(pk: str, table: str = TABLE_NAME) -> list[dict[str, Any]]:
    return boto3.client("dynamodb", region_name=REGION).query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
        ConsistentRead=True,
    )["Items"]


def put_mapping(sub: str, customer_id: str, table: str = TABLE_NAME) -> None:
    """Seed a user's personal account <-> customer mapping directly (as get_or_create would write it)."""
    ddb = boto3.client("dynamodb", region_name=REGION)
    ddb.put_item(
        TableName=table,
        Item={
            "pk": {"S": f"ACCOUNT#p_{sub}"},
            "sk": {"S": "CUSTOMER"},
            "customer_id": {"S": customer_id},
            "created_at": {"S": "2026-01-01T00:00:00+00:00"},
        },
    )
    ddb.put_item(
        TableName=table,
        Item={"pk": {"S": f"CUSTOMER#{customer_id}"}, "sk": {"S": "ACCOUNT"}, "account_id": {"S": f"p_{sub}"}},
    )


def reset_core_caches() -> None:
    """Forget every lazily created client, secret, setting and catalog of billing_core."""
    from billing_core import aws, idempotency, settings, stripe_gateway
    from billing_core.accounts.migration import forget_known_accounts
    from billing_core.catalog.model import reset_catalog
    from billing_core.customer_mapping import forget_read_cache
    from billing_core.price_ids import reset_price_ids
    from billing_core.read_your_writes import set_refresher

    settings.reset_settings()
    aws.reset_clients()
    stripe_gateway.reset_gateway()
    idempotency.reset_idempotency()
    reset_catalog()
    reset_price_ids()
    set_refresher(None)
    forget_known_accounts()
    forget_read_cache()
