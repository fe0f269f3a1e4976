"""Powertools idempotency for mutations: D2 replay, D3 in-progress, D4 payload mismatch, D8 user isolation."""

import threading
from typing import Any

import pytest
from billing_core.errors import IdempotencyKeyReused, PaymentFailed, RequestInProgress
from billing_core.idempotency import IdempotencyKey, run_idempotent


def test_d2_retry_with_the_same_key_replays_the_stored_response(aws_env):
    calls = []

    def change():
        calls.append(1)
        return {"subscription": "sub_1", "status": "active", "n": len(calls)}

    key = IdempotencyKey(sub="user-a", value="key-1")
    first = run_idempotent(key, "subscription.change", {"price": "pro_monthly"}, change)
    second = run_idempotent(key, "subscription.change", {"price": "pro_monthly"}, change)
    assert first == second == {"subscription": "sub_1", "status": "active", "n": 1}
    assert len(calls) == 1


def test_d4_same_key_with_a_different_payload_is_422_and_does_not_run(aws_env):
    calls: list[int] = []
    key = IdempotencyKey(sub="user-a", value="key-1")

    def change(n: int, result: dict[str, Any]) -> dict[str, Any]:
        calls.append(n)
        return result

    run_idempotent(key, "subscription.change", {"price": "pro_monthly"}, lambda: change(1, {"ok": 1}))
    with pytest.raises(IdempotencyKeyReused) as err:
        run_idempotent(key, "subscription.change", {"price": "business_seat_monthly"}, lambda: change(2, {}))
    assert err.value.status == 422
    assert calls == [1]


def test_d4_same_key_on_another_route_is_422(aws_env):
    key = IdempotencyKey(sub="user-a", value="key-1")
    run_idempotent(key, "subscription.cancel", {}, lambda: {"ok": 1})
    with pytest.raises(IdempotencyKeyReused):
        run_idempotent(key, "subscription.resume", {}, lambda: {"ok": 2})


def test_d8_two_users_with_the_same_key_are_independent(aws_env):
    a = run_idempotent(IdempotencyKey("user-a", "shared"), "r", {"x": 1}, lambda: {"who": "a"})
    b = run_idempotent(IdempotencyKey("user-b", "shared"), "r", {"x": 1}, lambda: {"who": "b"})
    assert a == {"who": "a"} and b == {"who": "b"}


def test_d3_concurrent_duplicate_gets_409_with_retry_after(aws_env):
    started, release = threading.Event(), threading.Event()
    key = IdempotencyKey("user-a", "dup")
    outcome = {}

    def slow():
        started.set()
        release.wait(10)
        return {"done": True}

    def first():
        outcome["first"] = run_idempotent(key, "r", {"p": 1}, slow)

    t = threading.Thread(target=first)
    t.start()
    assert started.wait(10)
    try:
        with pytest.raises(RequestInProgress) as err:
            run_idempotent(key, "r", {"p": 1}, lambda: {"done": "twice"})
        assert err.value.status == 409
        assert int(err.value.headers()["Retry-After"]) >= 1
    finally:
        release.set()
        t.join()
    assert outcome["first"] == {"done": True}


def test_failure_deletes_the_record_so_a_retry_runs_again(aws_env):
    key = IdempotencyKey("user-a", "fail-once")
    attempts = []

    def flaky():
        attempts.append(1)
        if len(attempts) == 1:
            raise PaymentFailed(decline_code="card_declined")
        return {"ok": True}

    with pytest.raises(PaymentFailed):
        run_idempotent(key, "r", {}, flaky)
    assert run_idempotent(key, "r", {}, flaky) == {"ok": True}
    assert len(attempts) == 2
