"""The app factory's error model: B7 (malformed/wrong/oversize bodies), B8 (Idempotency-Key), A1/A5, 500s."""

import pytest
from billing_core.accounts.roles import signed_in_rules
from billing_core.app_factory import CallerDep, IdempotencyKeyDep, create_app
from billing_core.errors import Conflict, DependencyUnavailable
from billing_core.lambda_handler import make_handler
from billing_core.models import RequestModel
from billing_core.request_middleware import MAX_BODY_BYTES
from billing_core.routing import APIRouter

from tests.helpers.apigw import http_event, invoke

router = APIRouter()
touched: list[str] = []


class Body(RequestModel):
    price: str
    quantity: int = 1


@router.post("/things")
def post_thing(body: Body, caller: CallerDep, key: IdempotencyKeyDep) -> dict:
    touched.append(caller.sub)
    return {"price": body.price, "sub": caller.sub, "stripe_key": key.stripe("thing.create")}


@router.get("/things/conflict")
def conflict(caller: CallerDep) -> dict:
    raise Conflict(code="subscription_canceled", message="This subscription is canceled.")


@router.get("/things/down")
def down(caller: CallerDep) -> dict:
    raise DependencyUnavailable(retry_after=7)


@router.get("/things/bug")
def bug(caller: CallerDep) -> dict:
    raise RuntimeError("internal detail sk_test_should_not_leak")


@router.get("/things/no-caller")
def no_caller() -> dict:
    touched.append("no-caller")
    return {"ok": True}


handler = make_handler(create_app("test", router, route_rules=signed_in_rules(router)))
KEY = {"Idempotency-Key": "k-1"}


@pytest.fixture(autouse=True)
def _clear():
    touched.clear()


def assert_error(resp, status, code):
    assert resp["statusCode"] == status, resp["body"]
    err = resp["json"]["error"]
    assert err["code"] == code
    assert err["message"] and err["request_id"]
    assert resp["headers"]["cache-control"] == "no-store"
    return err


def test_valid_request_passes_and_derives_a_namespaced_stripe_key():
    resp = invoke(handler, http_event("POST", "/things", body={"price": "pro_monthly"}, headers=KEY))
    assert resp["statusCode"] == 200
    other = invoke(handler, http_event("POST", "/things", sub="user-2", body={"price": "pro_monthly"}, headers=KEY))
    assert resp["json"]["stripe_key"] != other["json"]["stripe_key"]
    assert len(resp["json"]["stripe_key"]) <= 255


def test_a1_no_claims_is_401_before_the_route_runs_even_without_caller_dependency():
    resp = invoke(handler, http_event("GET", "/things/no-caller", claims=None))
    assert_error(resp, 401, "unauthenticated")
    assert touched == []


def test_a5_id_token_is_403():
    resp = invoke(handler, http_event("POST", "/things", token_use="id", body={"price": "x"}, headers=KEY))
    assert_error(resp, 403, "forbidden")
    assert touched == []


def test_b7_malformed_json_is_400():
    resp = invoke(handler, http_event("POST", "/things", raw_body='{"price": ', headers=KEY))
    assert_error(resp, 400, "malformed_json")


def test_b7_wrong_content_type_is_415():
    resp = invoke(handler, http_event("POST", "/things", raw_body="price=x", content_type="text/plain", headers=KEY))
    assert_error(resp, 415, "unsupported_media_type")


def test_b7_base64_body_is_decoded_and_handled():
    resp = invoke(handler, http_event("POST", "/things", body={"price": "pro_monthly"}, base64_body=True, headers=KEY))
    assert resp["statusCode"] == 200
    assert resp["json"]["price"] == "pro_monthly"


def test_b7_base64_garbage_is_a_client_error_not_500():
    event = http_event("POST", "/things", raw_body="not json at all", headers=KEY)
    event["body"] = "bm90IGpzb24="  # "not json"
    event["isBase64Encoded"] = True
    resp = invoke(handler, event)
    assert resp["statusCode"] == 400


def test_b7_oversize_body_is_413():
    big = {"price": "x" * (MAX_BODY_BYTES + 10)}
    resp = invoke(handler, http_event("POST", "/things", body=big, headers=KEY))
    assert_error(resp, 413, "payload_too_large")
    assert touched == []


def test_b7_oversize_body_with_lying_content_length_is_413():
    event = http_event("POST", "/things", body={"price": "x" * (MAX_BODY_BYTES + 10)}, headers=KEY)
    event["headers"]["content-length"] = "20"
    resp = invoke(handler, event)
    assert resp["statusCode"] == 413


def test_b3_a4_extra_fields_are_422_with_the_field_named():
    resp = invoke(
        handler,
        http_event("POST", "/things", body={"price": "p", "customer": "cus_evil"}, headers=KEY),
    )
    err = assert_error(resp, 422, "validation_error")
    assert err["param"] == "customer"
    assert touched == []


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Idempotency-Key": ""},
        {"Idempotency-Key": "k" * 256},
        {"Idempotency-Key": "bad\x01key"},
        {"Idempotency-Key": "has space"},
    ],
)
def test_b8_bad_idempotency_key_is_400(headers):
    resp = invoke(handler, http_event("POST", "/things", body={"price": "p"}, headers=headers))
    err = assert_error(resp, 400, resp["json"]["error"]["code"])
    assert err["code"] in {"idempotency_key_missing", "idempotency_key_invalid"}
    assert touched == []


def test_b8_key_of_255_characters_is_accepted():
    resp = invoke(handler, http_event("POST", "/things", body={"price": "p"}, headers={"Idempotency-Key": "k" * 255}))
    assert resp["statusCode"] == 200


def test_domain_conflict_maps_to_409_with_its_code():
    err = assert_error(invoke(handler, http_event("GET", "/things/conflict")), 409, "subscription_canceled")
    assert err["message"] == "This subscription is canceled."


def test_dependency_down_is_503_with_retry_after():
    resp = invoke(handler, http_event("GET", "/things/down"))
    assert_error(resp, 503, "dependency_unavailable")
    assert resp["headers"]["retry-after"] == "7"


def test_unexpected_error_is_fixed_500_without_internals(capsys):
    resp = invoke(handler, http_event("GET", "/things/bug"))
    assert_error(resp, 500, "internal_error")
    assert "sk_test" not in resp["body"] and "RuntimeError" not in resp["body"]
    assert "sk_test_should_not_leak" not in capsys.readouterr().out


def test_unknown_route_and_method_use_the_error_shape():
    assert_error(invoke(handler, http_event("GET", "/nope")), 404, "not_found")
    assert_error(invoke(handler, http_event("DELETE", "/things")), 405, "method_not_allowed")


def test_request_id_comes_from_the_lambda_context():
    from tests.helpers.apigw import LambdaContext

    ctx = LambdaContext(aws_request_id="req-from-lambda")
    resp = invoke(handler, http_event("GET", "/things/conflict"), ctx)
    assert resp["json"]["error"]["request_id"] == "req-from-lambda"
    assert resp["headers"]["x-request-id"] == "req-from-lambda"


def test_no_docs_routes_are_exposed():
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert invoke(handler, http_event("GET", path))["statusCode"] == 404
