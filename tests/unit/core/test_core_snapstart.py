"""SnapStart hooks (billing_core.snapstart): every API function registers them; priming runs each route through
the stack without touching the network or publishing metrics; a restored copy gets its own credentials,
connection pools, Stripe client, caches and random state."""

import importlib
import random

import pytest
import snapshot_restore_py
from billing_core import aws, snapstart, stripe_gateway, stripe_secrets
from billing_core.price_ids import get_price_ids
from botocore.exceptions import ClientError


@pytest.fixture
def no_aws(aws_env, monkeypatch):
    """The functions' environment with no AWS behind it: moto's mock is left, and the endpoint is a closed port, so
    any call that escaped priming would be refused by the socket guard (and counted) instead of answered."""
    from moto.core.models import botocore_stubber

    from tests.helpers.aws import reset_core_caches

    monkeypatch.setattr(botocore_stubber, "enabled", False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("STRIPE_PUBLISHABLE_KEY", "pk_test_priming")
    reset_core_caches()
    yield aws_env
    reset_core_caches()


def _api_functions() -> list[str]:
    """The handler package of every function the template routes an HttpApi event to."""
    from local.stack.template import Template

    template = Template()
    routed = {route.function for route in template.routes()}
    handlers = template.of_type("AWS::Serverless::Function")
    return sorted({str(handlers[name]["Properties"]["Handler"]).split(".")[0] for name in routed})


API_FUNCTIONS = _api_functions()


@pytest.mark.parametrize("function", API_FUNCTIONS)
def test_every_api_function_registers_priming_and_restore_hooks(function):
    module = importlib.import_module(f"{function}.app")
    before = [(fn, args) for fn, args, _ in snapshot_restore_py.get_before_snapshot()]
    after = [fn for fn, _, _ in snapshot_restore_py.get_after_restore()]
    assert (snapstart.prime, (module.handler,)) in before
    assert snapstart.after_restore in after


@pytest.mark.parametrize("function", API_FUNCTIONS)
def test_priming_serves_every_route_offline_without_500s_or_metrics(no_aws, capsys, function):
    module = importlib.import_module(f"{function}.app")
    capsys.readouterr()

    report = snapstart.prime(module.handler)

    assert set(report.statuses) == {f"{m} {p}" for m, p in snapstart.app_routes(module.handler)}
    assert report.statuses, "the app has routes"
    assert all(400 <= status < 500 or status == 503 for status in report.statuses.values()), report.statuses
    assert report.refused_connections == 0, "every AWS call stopped inside botocore, none reached a socket"
    out = capsys.readouterr().out
    assert '"_aws"' not in out, "no metric of a priming request is published"


def test_aws_calls_fail_at_once_while_offline(no_aws):
    dynamodb = aws.client("dynamodb")
    with aws.offline(), pytest.raises(ClientError) as refused:
        dynamodb.get_item(TableName=no_aws.table_name, Key={"pk": {"S": "x"}, "sk": {"S": "y"}})
    assert refused.value.response["Error"]["Code"] == aws.OFFLINE_ERROR
    assert refused.value.response["ResponseMetadata"]["RetryAttempts"] == 0


def test_restore_resolves_credentials_again_for_every_client(no_aws, monkeypatch):
    cached, uncached = aws.client("dynamodb"), aws.new_client("secretsmanager")
    assert cached._request_signer._credentials.access_key != "restored-copy"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "restored-copy")

    snapstart.after_restore()

    for client in (cached, uncached):
        assert client._request_signer._credentials.access_key == "restored-copy"
    assert aws.client("dynamodb") is cached, "clients are kept (their models stay loaded)"


def test_restore_forgets_the_stripe_client_secret_cache_prices_mappings_and_random_state(aws_env):
    from billing_core import customer_mapping
    from billing_core.accounts import migration
    from billing_core.customer_mapping import CustomerMapping

    gateway = stripe_gateway.get_gateway()
    first = gateway.client()
    assert stripe_secrets.secrets_provider().store, "the secret was read and cached"
    get_price_ids()._loaded_at = 1.0
    customer_mapping.remember("billing", CustomerMapping(account_id="p_u", customer_id="cus_1", created_at=""))
    migration.AccountMigration().migrate("u")  # the personal account is now known to this process
    known = ("billing", "p_u")
    assert migration.KNOWN_ACCOUNTS.get((migration.AccountMigration().table, "p_u"))
    assert customer_mapping.MAPPINGS.get(known) is not None
    state = random.getstate()

    snapstart.after_restore()

    assert not stripe_secrets.secrets_provider().store, "no secret survives a restore"
    assert gateway.client() is not first, "a new Stripe client (new HTTP session)"
    assert get_price_ids()._loaded_at is None
    assert customer_mapping.MAPPINGS.get(known) is None, "the read path's mappings go"
    assert not migration.KNOWN_ACCOUNTS.get((migration.AccountMigration().table, "p_u")), "and the known accounts"
    assert random.getstate() != state
