"""Portal session rules that need no Stripe at all: which subscription the flows act on, which locale the portal
gets, and what the request model refuses. Everything that talks to Stripe runs on the emulator in
``tests/integration/portal_session``."""

from __future__ import annotations

from typing import Any

import pytest
from billing_core.errors import Conflict
from portal_session.logic import portable_subscription, portal_locale
from portal_session.models import PortalSessionRequest
from pydantic import ValidationError


def subscription(sid: str, status: str, created: int = 1) -> dict[str, Any]:
    return {"id": sid, "status": status, "created": created}


def test_the_flows_act_on_the_live_subscription_not_an_older_canceled_one():
    chosen = portable_subscription(
        [subscription("sub_old", "canceled", created=2), subscription("sub_live", "past_due", created=1)]
    )
    assert chosen["id"] == "sub_live"


@pytest.mark.parametrize("status", ["active", "trialing", "past_due"])
def test_the_portal_accepts_live_statuses(status):
    assert portable_subscription([subscription("sub_x", status)])["id"] == "sub_x"


@pytest.mark.parametrize("status", ["canceled", "incomplete", "incomplete_expired", "unpaid", "paused", "weird_new"])
def test_a8_no_portable_subscription_is_409(status):
    with pytest.raises(Conflict) as exc:
        portable_subscription([subscription("sub_x", status)])
    assert exc.value.code == "no_active_subscription"


def test_no_subscription_at_all_is_409():
    with pytest.raises(Conflict) as exc:
        portable_subscription([])
    assert exc.value.code == "no_active_subscription"


@pytest.mark.parametrize(
    ("preferred", "expected"),
    [(["de-DE"], "de"), (["pt_BR"], "pt-BR"), (["xx", "fr-CA"], "fr-CA"), (["xx"], "auto"), (None, "auto")],
)
def test_the_customers_preferred_locale_maps_onto_the_portals_locales(preferred, expected):
    assert portal_locale(preferred) == expected


@pytest.mark.parametrize("locale", ["de-DE", "klingon", "FR", "pt-br"])
def test_a_locale_outside_stripes_portal_enum_is_refused_by_the_model(locale):
    with pytest.raises(ValidationError):
        PortalSessionRequest.model_validate({"locale": locale})


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
        {"return_url": "myapp://billing", "return_path": "/billing"},
        {"return_url": "myapp://billing/" + "a" * 3000},
    ],
)
def test_a4_b3_request_model_rejects(body):
    with pytest.raises(ValidationError):
        PortalSessionRequest.model_validate(body)
