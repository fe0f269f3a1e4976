"""PortalSessions with in-memory fakes (no sockets): what the server decides, and in which order."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from billing_core.catalog import load_catalog
from billing_core.directory import CustomerMapping
from billing_core.errors import BadInput, Conflict
from billing_core.idempotency import IdempotencyKey
from billing_core.identity import Caller
from billing_core.settings import reset_settings
from portal_session.logic import PortalSessions
from portal_session.models import PortalSessionRequest
from pydantic import ValidationError

SUB = "user-a"
CUSTOMER = "cus_a"
PRICES = {
    "starter_monthly": "price_sm",
    "pro_monthly": "price_pm",
    "pro_yearly": "price_py",
    "business_seat_monthly": "price_bm",
    "business_seat_yearly": "price_by",
    "starter_yearly": "price_sy",
}


class Obj(dict):
    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def subscription(sid: str, lookup_key: str, status: str = "active", quantity: int = 1, **extra: Any) -> Obj:
    item = Obj(id=f"si_{sid}", quantity=quantity, price=Obj(id=PRICES[lookup_key], lookup_key=lookup_key))
    return Obj(id=sid, status=status, created=1, customer=CUSTOMER, items=Obj(data=[item]), **extra)


class FakeStripe:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.subscriptions: list[Obj] = []
        self.customer = Obj(id=CUSTOMER, preferred_locales=["de-DE"])
        self.created: list[tuple[dict[str, Any], dict[str, Any]]] = []
        s = self
        self.v1 = SimpleNamespace(
            customers=SimpleNamespace(retrieve=lambda cid: s._op("customers.retrieve", s.customer)),
            subscriptions=SimpleNamespace(
                list=lambda params: s._op("subscriptions.list", Obj(data=list(s.subscriptions)))
            ),
            prices=SimpleNamespace(
                list=lambda params: s._op(
                    "prices.list", Obj(data=[Obj(id=PRICES[k]) for k in params["lookup_keys"] if k in PRICES])
                )
            ),
            billing_portal=SimpleNamespace(sessions=SimpleNamespace(create=s._create)),
        )

    def _op(self, name: str, value: Any) -> Any:
        self.calls.append(name)
        return value

    def _create(self, params: dict[str, Any], options: dict[str, Any]) -> Obj:
        self.calls.append("billing_portal.sessions.create")
        self.created.append((params, options))
        return Obj(id="bps_1", url="https://billing.stripe.com/p/session/test_secret")


class FakeGateway:
    def __init__(self, stripe: FakeStripe) -> None:
        self.stripe = stripe

    def call(self, operation: str, fn: Any) -> Any:
        return fn(self.stripe)

    def read_concurrently(self, calls: dict[str, Any]) -> dict[str, Any]:
        return {name: fn() for name, fn in calls.items()}


class FakeDirectory:
    def __init__(self) -> None:
        self.calls = 0

    def get_or_create(self, sub: str, contact_sub: str | None = None) -> CustomerMapping:
        self.calls += 1
        return CustomerMapping(account_id=sub, customer_id=CUSTOMER, created_at="")


@pytest.fixture
def world(monkeypatch):
    for name, value in {
        "STAGE": "dev",
        "TABLE_NAME": "t",
        "IDEMPOTENCY_TABLE_NAME": "i",
        "STRIPE_SECRET_NAME": "s",
        "APP_BASE_URL": "https://app.example.test",
        "RETURN_PATH_PREFIXES": "/billing",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("POWERTOOLS_IDEMPOTENCY_DISABLED", raising=False)
    reset_settings()
    stripe = FakeStripe()
    used: set[str] = set()
    audit: list[tuple[Any, ...]] = []
    directory = FakeDirectory()
    logic = PortalSessions(
        directory=directory,  # type: ignore[arg-type]
        gateway=FakeGateway(stripe),  # type: ignore[arg-type]
        catalog=load_catalog(),
        config_store=SimpleNamespace(configuration_id=lambda: "bpc_server"),  # type: ignore[arg-type]
        offers=SimpleNamespace(used=lambda sub, offer_id: offer_id in used),  # type: ignore[arg-type]
        audit=SimpleNamespace(record=lambda *a, **k: audit.append((a, k))),  # type: ignore[arg-type]
    )
    yield SimpleNamespace(logic=logic, stripe=stripe, used=used, audit=audit, directory=directory)
    reset_settings()


def create(world: Any, key: IdempotencyKey | None = None, **body: Any) -> dict[str, Any]:
    world.logic.create(Caller(sub=SUB), PortalSessionRequest.model_validate(body), "req-1", key)
    params, _ = world.stripe.created[-1]
    return params


def test_b1_a_refused_path_provisions_nothing_and_calls_no_one(world):
    with pytest.raises(BadInput):
        world.logic.create(Caller(sub=SUB), PortalSessionRequest(return_path="//evil.example"), "req-1")
    assert world.directory.calls == 0 and world.stripe.calls == [] and world.audit == []


def test_home_session_parameters_are_all_server_chosen(world):
    params = create(world)
    assert params == {
        "customer": CUSTOMER,
        "configuration": "bpc_server",
        "return_url": "https://app.example.test/billing",
        "locale": "de",
    }
    assert world.stripe.created[-1][1] == {}  # no client key: the SDK's own key covers its retries
    ((args, kwargs),) = world.audit
    assert (args[0].account_id, args[0].sub, *args[1:3]) == (f"p_{SUB}", SUB, "portal.session", "req-1")
    assert "https://billing.stripe.com" not in repr(world.audit)


def test_the_pages_locale_is_passed_to_stripe_instead_of_the_customers(world):
    assert create(world, locale="fr")["locale"] == "fr"
    assert create(world, locale="auto")["locale"] == "auto"
    assert create(world)["locale"] == "de"  # the customer's preferred_locales (de-DE) when the page names none


@pytest.mark.parametrize("locale", ["de-DE", "klingon", "FR", "pt-br"])
def test_a_locale_outside_stripes_portal_enum_is_refused_by_the_model(locale):
    with pytest.raises(ValidationError):
        PortalSessionRequest.model_validate({"locale": locale})


def test_idempotency_key_derives_the_stripe_key(world):
    key = IdempotencyKey(sub=SUB, value="click-1")
    create(world, key)
    assert world.stripe.created[-1][1] == {"idempotency_key": key.stripe("portal.session")}


def test_primary_subscription_is_the_live_one(world):
    world.stripe.subscriptions = [
        subscription("sub_old", "pro_monthly", status="canceled"),
        subscription("sub_live", "starter_monthly", status="past_due"),
    ]
    params = create(world, flow="subscription_update")
    assert params["flow_data"]["subscription_update"] == {"subscription": "sub_live"}


@pytest.mark.parametrize("status", ["canceled", "incomplete", "incomplete_expired", "unpaid", "paused", "weird_new"])
def test_a8_no_portable_subscription_is_409_before_any_session(world, status):
    world.stripe.subscriptions = [subscription("sub_x", "pro_monthly", status=status)]
    with pytest.raises(Conflict) as exc:
        create(world, flow="subscription_cancel")
    assert exc.value.code == "no_active_subscription"
    assert "billing_portal.sessions.create" not in world.stripe.calls


def test_retention_offer_rules(world):
    world.stripe.subscriptions = [subscription("sub_p", "pro_monthly")]
    offer = {"type": "coupon_offer", "coupon_offer": {"coupon": "RETENTION_30_OFF_3M"}}
    assert create(world, flow="subscription_cancel")["flow_data"]["subscription_cancel"]["retention"] == offer
    world.used.add("retention_30_off_3_months")
    assert "retention" not in create(world, flow="subscription_cancel")["flow_data"]["subscription_cancel"]
    world.used.clear()
    world.stripe.subscriptions = [subscription("sub_p", "pro_monthly", discounts=["di_1"])]
    assert "retention" not in create(world, flow="subscription_cancel")["flow_data"]["subscription_cancel"]
    world.stripe.subscriptions = [subscription("sub_s", "starter_monthly")]
    assert "retention" not in create(world, flow="subscription_cancel")["flow_data"]["subscription_cancel"]


@pytest.mark.parametrize(
    ("current", "current_qty", "target", "expected"),
    [
        ("pro_monthly", 1, {"price_lookup_key": "business_seat_monthly"}, ("price_bm", 3)),
        ("business_seat_monthly", 7, {"price_lookup_key": "business_seat_yearly"}, ("price_by", 7)),
        ("business_seat_monthly", 7, {"quantity": 9}, ("price_bm", 9)),
        ("starter_monthly", 1, {"price_lookup_key": "pro_monthly"}, ("price_pm", 1)),
    ],
)
def test_update_confirm_items(world, current, current_qty, target, expected):
    world.stripe.subscriptions = [subscription("sub_c", current, quantity=current_qty)]
    params = create(world, flow="subscription_update_confirm", target=target)
    confirm = params["flow_data"]["subscription_update_confirm"]
    assert confirm == {
        "subscription": "sub_c",
        "items": [{"id": "si_sub_c", "price": expected[0], "quantity": expected[1]}],
    }
    assert params["flow_data"]["after_completion"] == {
        "type": "redirect",
        "redirect": {"return_url": "https://app.example.test/billing"},
    }


def test_update_confirm_on_a_multi_item_subscription_is_409(world):
    sub = subscription("sub_m", "pro_monthly")
    sub["items"]["data"].append(Obj(id="si_2", quantity=1, price=Obj(id="price_x", lookup_key=None)))
    world.stripe.subscriptions = [sub]
    with pytest.raises(Conflict) as exc:
        create(world, flow="subscription_update_confirm", target={"price_lookup_key": "pro_yearly"})
    assert exc.value.code == "unsupported_subscription"


@pytest.mark.parametrize(
    "body",
    [
        {"flow": "subscription_update_confirm"},
        {"flow": "subscription_update", "target": {"quantity": 2}},
        {"flow": "subscription_update_confirm", "target": {}},
        {"flow": "subscription_update_confirm", "target": {"quantity": 0}},
        {"flow": "subscription_update_confirm", "target": {"price_lookup_key": "PRO MONTHLY"}},
        {"flow": "customer_update"},
        {"configuration": "bpc_evil"},
        {"return_url": "https://evil.example"},
    ],
)
def test_a4_b3_request_model_rejects(body):
    with pytest.raises(ValidationError):
        PortalSessionRequest.model_validate(body)
