"""Shared fixtures. The Stripe emulator's fixtures come from its pytest plugin (the stripe-emulator package's
pytest11 entry point)."""

pytest_plugins = ["tests.aws_model_cache_plugin", "tests.log_scrub_plugin"]

# --- AWS (moto) environment for handler and core tests (owner: core helper) --------------------------------
from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import pytest  # noqa: E402


@dataclass
class AwsEnv:
    """What ``aws_env`` created: table names, secret names, the user pool and one signed-up user."""

    table_name: str
    idempotency_table_name: str
    stripe_secret_name: str
    user_pool: object  # tests.helpers.aws.UserPool
    user_sub: str
    user_email: str


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsEnv]:
    """moto (DynamoDB, Secrets Manager, Cognito) with the billing and idempotency tables, the Stripe secret
    (a fake ``sk_test_`` key; ``stripe_env`` swaps in the emulator's), a user pool with one verified user, and
    the environment variables of billing_core.settings. billing_core caches are reset before and after."""
    from moto import mock_aws

    from tests.helpers import aws as h

    for name, value in {
        "AWS_DEFAULT_REGION": h.REGION,
        "AWS_REGION": h.REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "STAGE": "local",
        "TABLE_NAME": h.TABLE_NAME,
        "IDEMPOTENCY_TABLE_NAME": h.IDEMPOTENCY_TABLE_NAME,
        "STRIPE_SECRET_NAME": h.STRIPE_SECRET_NAME,
        "STRIPE_WEBHOOK_SECRET_NAME": h.STRIPE_WEBHOOK_SECRET_NAME,
        "STRIPE_LIVEMODE": "false",
        "APP_BASE_URL": "https://app.example.test",
        "RETURN_PATH_PREFIXES": "/billing,/account",
        "GRACE_PERIOD_DAYS": "7",
        "POWERTOOLS_METRICS_NAMESPACE": "BillingSelfService",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "STRIPE_API_BASE", "CATALOG_PATH", "POWERTOOLS_IDEMPOTENCY_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    h.reset_core_caches()
    with mock_aws():
        h.create_billing_table()
        h.create_idempotency_table()
        h.put_secret(h.STRIPE_SECRET_NAME, "sk_test_aws_env_placeholder")
        h.put_secret(h.STRIPE_WEBHOOK_SECRET_NAME, "whsec_aws_env_placeholder")
        pool = h.create_user_pool()
        email = "ada@example.com"
        sub = pool.add_user(email, email=email, name="Ada Lovelace")
        monkeypatch.setenv("USER_POOL_ID", pool.pool_id)
        yield AwsEnv(
            table_name=h.TABLE_NAME,
            idempotency_table_name=h.IDEMPOTENCY_TABLE_NAME,
            stripe_secret_name=h.STRIPE_SECRET_NAME,
            user_pool=pool,
            user_sub=sub,
            user_email=email,
        )
    h.reset_core_caches()


@pytest.fixture
def stripe_env(aws_env: AwsEnv, stripe_emulator, monkeypatch: pytest.MonkeyPatch) -> AwsEnv:
    """``aws_env`` pointed at the Stripe emulator: its secret key in Secrets Manager, STRIPE_API_BASE set."""
    import boto3

    from tests.helpers import aws as h

    boto3.client("secretsmanager", region_name=h.REGION).put_secret_value(
        SecretId=h.STRIPE_SECRET_NAME, SecretString=stripe_emulator.secret_key
    )
    monkeypatch.setenv("STRIPE_API_BASE", stripe_emulator.api_base)
    monkeypatch.setenv("STRIPE_PUBLISHABLE_KEY", stripe_emulator.publishable_key)
    h.reset_core_caches()
    return aws_env
