"""``billing_core.routing`` answers every request as FastAPI answered the same declarations.

One router declares routes the way the functions do (a body model with an alias and a nested list, ``Query`` and
``Path`` constraints, an optional body, dependencies that depend on each other, the raw request); the app that
``create_app`` builds and its FastAPI twin (``admin.openapi_fastapi``, given the same middleware and error
handlers) get the same requests, and status, body and content type must be the same. Then what the comparison
cannot see: a shared dependency runs once per request, overrides, ``scope["route"]``, build-time refusals.
"""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from billing_core import errors
from billing_core.accounts.roles import signed_in_rules
from billing_core.app_factory import CallerDep, IdempotencyKeyDep, RequestIdDep, create_app, current_caller
from billing_core.http_errors import billing_error_handler, http_error_handler, validation_error_handler
from billing_core.identity import Caller
from billing_core.lambda_handler import make_handler
from billing_core.models import RequestModel, ResponseModel
from billing_core.request_middleware import RequestMiddleware
from billing_core.routing import APIRouter, Body, Depends, Path, Query, RequestValidationError
from fastapi.exceptions import RequestValidationError as FastAPIValidationError
from pydantic import Field
from starlette.exceptions import HTTPException
from starlette.requests import Request

from admin.openapi_fastapi import fastapi_app
from tests.helpers.apigw import http_event, invoke

router = APIRouter(tags=["things"])
calls: list[str] = []


class Line(RequestModel):
    price: str = Field(pattern=r"^price_[a-z0-9]+$")
    quantity: int = Field(default=1, ge=1, le=10)


class ThingIn(RequestModel):
    name: str = Field(min_length=1, max_length=20)
    lines: list[Line] = Field(default_factory=list, max_length=3)
    coupon: str | None = None


class ThingOut(ResponseModel):
    id: str
    name: str
    display_name: str = Field(serialization_alias="displayName")
    note: str | None = None
    secret: str = Field(default="hidden", exclude=True)


def counted_caller(caller: CallerDep) -> str:
    calls.append("counted")
    return caller.sub


def shout(sub: Annotated[str, Depends(counted_caller)], request: Request) -> str:
    return f"{sub}:{request.method}"


ThingId = Annotated[str, Path(min_length=4, max_length=12, pattern=r"^th_[a-z0-9]+$")]


@router.get("/things", response_model=list[ThingOut])
def list_things(
    caller: CallerDep,
    loud: Annotated[str, Depends(shout)],
    sub: Annotated[str, Depends(counted_caller)],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    after: Annotated[str | None, Query(pattern=r"^th_[a-z0-9]+$")] = None,
) -> list[ThingOut]:
    """Things, newest first."""
    return [ThingOut(id=f"th_{i}", name=loud, display_name=sub, note=after) for i in range(limit)]


@router.post("/things", response_model=ThingOut)
def create_thing(body: ThingIn, caller: CallerDep, key: IdempotencyKeyDep, rid: RequestIdDep) -> ThingOut:
    return ThingOut(id="th_new", name=body.name, display_name=key.value, note=str(len(body.lines)))


@router.post("/things/{id}/touch", response_model=ThingOut)
def touch_thing(
    thing_id: Annotated[ThingId, Path(alias="id")],
    caller: CallerDep,
    body: Annotated[Line | None, Body()] = None,
) -> dict[str, Any]:
    return {"id": thing_id, "name": body.price if body else "none", "display_name": caller.sub, "secret": "x"}


@router.patch("/things/{id}", response_model=ThingOut)
async def rename_thing(id: str, caller: CallerDep, request: Request) -> ThingOut:  # noqa: A002 - the path's name
    raw = await request.body()
    return ThingOut(id=id, name=raw.decode()[:20], display_name=caller.sub)


@router.delete("/things/{id}/broken", response_model=ThingOut)
def broken(id: str, caller: CallerDep) -> dict[str, Any]:  # noqa: A002
    return {"id": id}  # misses required fields: a bug, the fixed 500


def numbers() -> Any:
    """A dependency with ``yield`` (FastAPI's teardown form), which the routing layer refuses."""
    yield 1


app = create_app("things", router, route_rules=signed_in_rules(router))
handler = make_handler(app)


async def _fastapi_validation(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, FastAPIValidationError)
    return await validation_error_handler(request, RequestValidationError(list(exc.errors())))


def _twin() -> Any:
    twin = fastapi_app(app)
    twin.state.route_rules = app.state.route_rules
    twin.add_exception_handler(errors.BillingError, billing_error_handler)
    twin.add_exception_handler(FastAPIValidationError, _fastapi_validation)
    twin.add_exception_handler(HTTPException, http_error_handler)
    twin.add_middleware(RequestMiddleware, require_identity=True)
    return make_handler(twin)


twin_handler = _twin()
KEY = {"Idempotency-Key": "k-1"}

CASES: list[tuple[str, dict[str, Any]]] = [
    ("GET", {"path": "/things"}),
    ("GET", {"path": "/things", "query": {"limit": "2", "after": "th_a1"}}),
    ("GET", {"path": "/things", "query": {"limit": "0"}}),
    ("GET", {"path": "/things", "query": {"limit": "abc"}}),
    ("GET", {"path": "/things", "query": {"limit": ""}}),
    ("GET", {"path": "/things", "query": {"limit": "1", "after": "nope"}}),
    ("GET", {"path": "/things/"}),
    ("GET", {"path": "/nowhere"}),
    ("HEAD", {"path": "/things"}),
    ("PUT", {"path": "/things", "body": {"name": "a"}}),
    (
        "POST",
        {"path": "/things", "body": {"name": "a", "lines": [{"price": "price_1", "quantity": 2}]}, "headers": KEY},
    ),
    ("POST", {"path": "/things", "body": {"name": "a", "lines": [{"price": "x"}]}, "headers": KEY}),
    ("POST", {"path": "/things", "body": {"name": "a", "lines": [{"price": "price_1", "qty": 2}]}, "headers": KEY}),
    ("POST", {"path": "/things", "body": {"name": "a", "extra": True}, "headers": KEY}),
    ("POST", {"path": "/things", "body": {"name": ""}, "headers": KEY}),
    ("POST", {"path": "/things", "body": [1, 2], "headers": KEY}),
    ("POST", {"path": "/things", "body": None, "raw_body": "null", "headers": KEY}),
    ("POST", {"path": "/things", "raw_body": "{bad json", "headers": KEY}),
    ("POST", {"path": "/things", "raw_body": "", "headers": KEY}),
    ("POST", {"path": "/things", "body": {"name": ""}}),  # no key: the dependency refuses before the body is checked
    ("POST", {"path": "/things", "raw_body": "{bad json"}),  # malformed JSON is refused before the dependencies
    ("POST", {"path": "/things/th_1/touch"}),
    ("POST", {"path": "/things/th_1/touch", "raw_body": "null"}),
    ("POST", {"path": "/things/th_1/touch", "body": {"price": "price_9"}}),
    ("POST", {"path": "/things/th_1/touch", "body": {"price": 9}}),
    ("POST", {"path": "/things/x/touch"}),
    ("POST", {"path": "/things/th_1234567890/touch"}),
    ("PATCH", {"path": "/things/th_1", "raw_body": '"renamed"'}),
    ("DELETE", {"path": "/things/th_1/broken"}),
]


def _answer(response: dict[str, Any]) -> tuple[Any, ...]:
    body = response.get("json")
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = {**body, "error": {k: v for k, v in body["error"].items() if k != "request_id"}}
    headers = {k.lower(): v for k, v in response["headers"].items()}
    return response["statusCode"], body, headers.get("content-type"), headers.get("cache-control")


@pytest.mark.parametrize(
    ("method", "request_args"), CASES, ids=[f"{m} {a['path']} {i}" for i, (m, a) in enumerate(CASES)]
)
def test_the_routing_layer_answers_like_fastapi(method: str, request_args: dict[str, Any]) -> None:
    args = dict(request_args)
    path = args.pop("path")
    ours = invoke(handler, http_event(method, path, sub="user-1", **args))
    theirs = invoke(twin_handler, http_event(method, path, sub="user-1", **args))
    assert _answer(ours) == _answer(theirs)


def test_query_errors_name_the_parameter_and_bodies_the_field() -> None:
    response = invoke(handler, http_event("GET", "/things", query={"limit": "51"}))
    assert (response["statusCode"], response["json"]["error"]["param"]) == (422, "limit")
    response = invoke(
        handler, http_event("POST", "/things", body={"name": "a", "lines": [{"price": "x"}]}, headers=KEY)
    )
    assert (response["statusCode"], response["json"]["error"]["param"]) == (422, "lines.0.price")


def test_the_response_model_serialises_aliases_and_leaves_out_excluded_fields() -> None:
    response = invoke(handler, http_event("POST", "/things/th_1/touch", body={"price": "price_9"}))
    assert response["statusCode"] == 200
    assert response["json"] == {"id": "th_1", "name": "price_9", "displayName": "user-1", "note": None}


def test_a_dependency_used_twice_runs_once_per_request() -> None:
    calls.clear()
    response = invoke(handler, http_event("GET", "/things", query={"limit": "1"}))
    assert response["json"][0]["name"] == "user-1:GET" and response["json"][0]["displayName"] == "user-1"
    assert calls == ["counted"]
    invoke(handler, http_event("GET", "/things", query={"limit": "1"}))
    assert calls == ["counted", "counted"]


def test_dependency_overrides_replace_a_dependency_for_every_route_that_uses_it() -> None:
    app.dependency_overrides[counted_caller] = lambda: "stand-in"
    try:
        response = invoke(handler, http_event("GET", "/things", query={"limit": "1"}))
    finally:
        app.dependency_overrides.clear()
    assert (response["json"][0]["name"], response["json"][0]["displayName"]) == ("stand-in:GET", "stand-in")


def test_the_matched_route_is_in_the_scope_for_the_caller_dependency() -> None:
    seen: list[str] = []

    def route_path(request: Request) -> Caller:
        seen.append(request.scope["route"].path)
        return Caller(sub="user-1", account_id="u_user-1")

    app.dependency_overrides[current_caller] = route_path
    try:
        invoke(handler, http_event("POST", "/things/th_1/touch"))
    finally:
        app.dependency_overrides.clear()
    assert seen == ["/things/{id}/touch"]


def test_declarations_the_layer_does_not_serve_are_refused_when_the_route_is_declared() -> None:
    other = APIRouter()
    with pytest.raises(TypeError, match="one body parameter"):

        @other.post("/two-bodies")
        def two(a: ThingIn, b: Line) -> None: ...

    with pytest.raises(TypeError, match="must be a scalar"):  # FastAPI reads a repeated query key as a list

        @other.get("/tags")
        def tags(tag: Annotated[list[str], Query()]) -> None: ...

    with pytest.raises(TypeError, match="yield"):

        @other.get("/gen")
        def uses_gen(value: Annotated[int, Depends(numbers)]) -> None: ...


def test_an_idempotency_key_reaches_the_route_checked() -> None:
    response = invoke(handler, http_event("POST", "/things", body={"name": "a"}, headers={"Idempotency-Key": "k 1"}))
    assert (response["statusCode"], response["json"]["error"]["code"]) == (400, "idempotency_key_invalid")
