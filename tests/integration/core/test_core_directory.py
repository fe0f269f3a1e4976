"""Customer directory against moto and the Stripe emulator: lookups, race-safe provisioning (D1), DynamoDB faults
(E8)."""

import threading

import boto3
import pytest
from billing_core.directory import CREATE_IN_PROGRESS_WAITS_S, CustomerDirectory
from billing_core.errors import Conflict, DependencyUnavailable, RequestInProgress
from billing_core.stripe_gateway import StripeGateway
from billing_core.user_pool import CognitoUserPool
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from tests.helpers import aws as h
from tests.helpers.stripe_recording import recording_client

CREATE = ("POST", "/v1/customers")


@pytest.fixture
def stripe(stripe_emulator):
    """(gateway, client, recorder): a StripeGateway on the emulator whose requests are recorded."""
    client, http = recording_client(stripe_emulator)
    return StripeGateway(client=client), client, http


def customers(client) -> list:
    return list(client.v1.customers.list(params={"limit": 100}).data)


def test_lookup_without_mapping_is_none_and_creates_nothing(aws_env, stripe):
    gateway, client, http = stripe
    directory = CustomerDirectory(gateway=gateway)
    assert directory.lookup(f"p_{aws_env.user_sub}") is None
    assert CREATE not in http.sent and customers(client) == []
    assert h.query_pk(f"ACCOUNT#p_{aws_env.user_sub}") == []


def test_get_or_create_uses_the_verified_email_and_name_from_the_user_pool(aws_env, stripe):
    gateway, client, http = stripe
    mapping = CustomerDirectory(gateway=gateway).get_or_create(f"p_{aws_env.user_sub}")
    customer = client.v1.customers.retrieve(mapping.customer_id)
    assert customer["email"] == aws_env.user_email
    assert customer["name"] == "Ada Lovelace"
    assert customer["metadata"].to_dict() == {"user_sub": aws_env.user_sub}
    assert CustomerDirectory().lookup(f"p_{aws_env.user_sub}").customer_id == mapping.customer_id
    assert CustomerDirectory().lookup_account(mapping.customer_id) == f"p_{aws_env.user_sub}"


def test_unverified_email_is_not_copied_to_stripe(aws_env, stripe):
    sub = aws_env.user_pool.add_user("bob@example.com", email="bob@example.com", verified=False)
    gateway, client, _ = stripe
    mapping = CustomerDirectory(gateway=gateway).get_or_create(f"p_{sub}")
    assert client.v1.customers.retrieve(mapping.customer_id).email is None


def test_second_call_reuses_the_mapping(aws_env, stripe):
    gateway, client, http = stripe
    directory = CustomerDirectory(gateway=gateway)
    first = directory.get_or_create(f"p_{aws_env.user_sub}")
    second = directory.get_or_create(f"p_{aws_env.user_sub}")
    assert first.customer_id == second.customer_id
    assert http.sent.count(CREATE) == 1 and len(customers(client)) == 1


def test_d1_concurrent_first_actions_create_one_customer_and_one_mapping(aws_env, stripe, stripe_emulator):
    # Given a new user and a slow Stripe, when eight first billing actions race
    gateway, client, _ = stripe
    stripe_emulator.faults.set_latency(50)
    directory = CustomerDirectory(gateway=gateway)
    results, errors = [], []
    barrier = threading.Barrier(8)

    def first_action():
        barrier.wait()
        try:
            results.append(directory.get_or_create(f"p_{aws_env.user_sub}").customer_id)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=first_action) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Then there is one Stripe customer and one mapping, and every caller got it
    assert errors == []
    assert len(results) == 8
    assert set(results) == {c.id for c in customers(client)} and len(customers(client)) == 1
    items = h.query_pk(f"ACCOUNT#p_{aws_env.user_sub}")
    assert [i["sk"]["S"] for i in items] == ["CUSTOMER"]
    assert h.get_item(f"CUSTOMER#{results[0]}", "ACCOUNT")["account_id"]["S"] == f"p_{aws_env.user_sub}"


def test_d1_a_create_held_by_a_concurrent_first_action_waits_for_its_mapping(aws_env, stripe, stripe_emulator):
    # Given a concurrent first action whose customers.create holds the idempotency key (Stripe answers 409
    # `idempotency_key_in_use` to ours) and writes the mapping while we wait
    gateway, client, _ = stripe
    account = f"p_{aws_env.user_sub}"
    winner = CustomerDirectory(gateway=gateway)
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            winner.get_or_create(account)

    directory = CustomerDirectory(gateway=gateway, sleep=sleep)
    held = []

    def create_in_progress(account_id, contact_sub):
        held.append(account_id)
        raise RequestInProgress(retry_after=1)

    directory._create_customer = create_in_progress  # type: ignore[method-assign]
    # When our first action runs, Then it answers the winner's customer after two looks, and creates nothing
    mapping = directory.get_or_create(account)
    assert waits == list(CREATE_IN_PROGRESS_WAITS_S[:2])
    assert len(held) == 2
    assert [c.id for c in customers(client)] == [mapping.customer_id]


def test_d1_a_create_held_past_every_wait_is_a_clean_retryable_409(aws_env, stripe):
    gateway, client, _ = stripe
    directory = CustomerDirectory(gateway=gateway, sleep=lambda s: None)

    def create_in_progress(account_id, contact_sub):
        raise RequestInProgress(retry_after=1)

    directory._create_customer = create_in_progress  # type: ignore[method-assign]
    with pytest.raises(RequestInProgress) as err:
        directory.get_or_create(f"p_{aws_env.user_sub}")
    assert err.value.retry_after == 1
    assert customers(client) == [] and h.query_pk(f"ACCOUNT#p_{aws_env.user_sub}") == []


def test_customer_already_mapped_to_another_user_is_a_conflict(aws_env, stripe):
    # Given a customer an earlier attempt created for this user, already mapped to someone else
    gateway, client, _ = stripe
    orphan = client.v1.customers.create(params={"metadata": {"user_sub": aws_env.user_sub}})
    h.put_mapping("someone-else", orphan.id)
    with pytest.raises(Conflict) as err:
        CustomerDirectory(gateway=gateway).get_or_create(f"p_{aws_env.user_sub}")
    assert err.value.code == "customer_mapping_conflict"
    assert h.get_item(f"ACCOUNT#p_{aws_env.user_sub}", "CUSTOMER") is None


def _stubbed_dynamodb():
    client = boto3.client("dynamodb", region_name=h.REGION)
    return client, Stubber(client)


def test_e8_throttled_lookup_is_503_and_no_stripe_call(aws_env, stripe):
    client, stub = _stubbed_dynamodb()
    stub.add_client_error("get_item", "ProvisionedThroughputExceededException", http_status_code=400)
    gateway, stripe_client, http = stripe
    with stub, pytest.raises(DependencyUnavailable) as err:
        CustomerDirectory(dynamodb=client, gateway=gateway).get_or_create("p_u1")
    assert err.value.status == 503 and err.value.headers()["Retry-After"]
    assert http.sent == [] and customers(stripe_client) == []


def test_e8_transaction_conflicts_are_retried_then_503(aws_env, stripe):
    client, stub = _stubbed_dynamodb()
    stub.add_response("get_item", {})
    for _ in range(3):
        stub.add_client_error(
            "transact_write_items",
            "TransactionCanceledException",
            http_status_code=400,
            response_meta={},
        )
    gateway = stripe[0]
    with stub, pytest.raises(DependencyUnavailable):
        CustomerDirectory(dynamodb=client, gateway=gateway, user_pool=CognitoUserPool("")).get_or_create("p_u1")
    stub.assert_no_pending_responses()


def test_e8_transaction_conflict_then_success(aws_env, stripe):
    client, stub = _stubbed_dynamodb()
    stub.add_response("get_item", {})
    stub.add_client_error("transact_write_items", "TransactionConflictException", http_status_code=400)
    stub.add_response("transact_write_items", {})
    gateway = stripe[0]
    with stub:
        mapping = CustomerDirectory(dynamodb=client, gateway=gateway, user_pool=CognitoUserPool("")).get_or_create(
            "p_u1"
        )
    assert mapping.customer_id.startswith("cus_")


def test_cognito_outage_is_503(aws_env):
    client = boto3.client("cognito-idp", region_name=h.REGION)
    stub = Stubber(client)
    stub.add_client_error("list_users", "InternalErrorException", http_status_code=500)
    with stub, pytest.raises(DependencyUnavailable):
        CognitoUserPool("us-east-1_x", client=client).profile("u1")


def test_client_error_type_is_not_leaked(aws_env):
    err = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "arn:aws:..."}}, "GetItem")
    from billing_core.store.base import dynamo_error

    mapped = dynamo_error(err, "x")
    assert "arn" not in mapped.message
