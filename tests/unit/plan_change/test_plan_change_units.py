"""Unit tests (no sockets): request models and plan_change's DynamoDB items (moto in-process)."""

from __future__ import annotations

import pytest
from plan_change.models import CancelRequest, ChangeRequest, PreviewRequest
from pydantic import ValidationError


def test_b3_request_models_forbid_server_only_fields() -> None:
    extras: list[dict[str, object]] = [
        {"proration_behavior": "none"},
        {"coupon": "X"},
        {"trial_end": 1},
        {"metadata": {}},
    ]
    for extra in extras:
        with pytest.raises(ValidationError):
            PreviewRequest.model_validate({"price_lookup_key": "pro_monthly", **extra})
    with pytest.raises(ValidationError):
        ChangeRequest.model_validate({"preview_id": "pv_" + "a" * 20, "proration_date": 1})


def test_b4_cancel_comment_limits() -> None:
    assert CancelRequest(feedback="other", comment="  fine  ").comment == "fine"
    assert CancelRequest(feedback="other", comment="x" * 500).comment == "x" * 500
    for bad in (
        {"feedback": "bored"},
        {"feedback": "other", "comment": "x" * 501},
        {"feedback": "other", "comment": "a\x07"},
    ):
        with pytest.raises(ValidationError):
            CancelRequest.model_validate(bad)


def _preview(expires_at: int):
    from billing_core.store.plan_change import StoredPreview

    return StoredPreview(
        preview_id="pv_" + "b" * 24,
        subscription_id="sub_1",
        item_id="si_1",
        from_lookup_key="starter_monthly",
        from_quantity=1,
        to_lookup_key="pro_monthly",
        to_price_id="price_1",
        to_quantity=1,
        kind="upgrade",
        timing="immediate",
        proration_date=100,
        period_end=200,
        reset_anchor=False,
        amount_due_now=5,
        created_at=0,
        expires_at=expires_at,
    )


def test_b9_preview_is_per_user_expires_and_is_consumed_once(aws_env) -> None:
    from billing_core.errors import Conflict, NotFound
    from billing_core.store.plan_change import PlanChangeStore

    now = {"t": 1000.0}
    store = PlanChangeStore(clock=lambda: now["t"])
    preview = _preview(expires_at=1600)
    store.put_preview("user-a", preview)
    assert store.get_preview("user-a", preview.preview_id).to_price_id == "price_1"
    with pytest.raises(NotFound):
        store.get_preview("user-b", preview.preview_id)  # foreign preview id
    store.consume_preview("user-a", preview.preview_id, "req-1")
    store.consume_preview("user-a", preview.preview_id, "req-1")  # the same request may retry
    with pytest.raises(Conflict) as used:
        store.consume_preview("user-a", preview.preview_id, "req-2")
    assert used.value.code == "preview_used"
    store.release_preview("user-a", preview.preview_id, "req-1")
    store.consume_preview("user-a", preview.preview_id, "req-2")
    now["t"] = 1601.0
    with pytest.raises(Conflict) as expired:
        store.get_preview("user-a", preview.preview_id)
    assert expired.value.code == "preview_expired"


def test_d5_lease_is_exclusive_and_expires(aws_env) -> None:
    from billing_core.store.plan_change import LOCK_TTL_S, ChangeInProgress, PlanChangeStore

    now = {"t": 1000.0}
    store = PlanChangeStore(clock=lambda: now["t"])
    token = store.acquire_lock("user-a")
    with pytest.raises(ChangeInProgress) as busy:
        store.acquire_lock("user-a")
    assert busy.value.headers() == {"Retry-After": "2"}
    store.acquire_lock("user-b")  # other users are independent
    now["t"] += LOCK_TTL_S + 1
    store.release_lock("user-a", token)  # a stale token releases nothing it does not own
    store.acquire_lock("user-a")


def test_retention_offer_is_claimed_once(aws_env) -> None:
    from billing_core.errors import Conflict
    from billing_core.retention_offer import RetentionOfferStore

    store = RetentionOfferStore()
    assert store.claimed_by("user-a", "offer") is None
    store.claim("user-a", "offer", "req-1", "sub_1", "COUPON")
    store.claim("user-a", "offer", "req-1", "sub_1", "COUPON")  # replay of the same request
    with pytest.raises(Conflict):
        store.claim("user-a", "offer", "req-2", "sub_1", "COUPON")
    assert store.claimed_by("user-a", "offer") == "req-1"
