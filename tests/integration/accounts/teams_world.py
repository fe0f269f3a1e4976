"""A small world of billing accounts on moto: team A (an owner, a billing admin, a member), team B (its own
owner) and an outsider, all real Cognito users with verified e-mail addresses, plus calls through the
functions' real Lambda handlers."""

from __future__ import annotations

import functools
import importlib
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from billing_core.accounts.invitations import InvitationStore as AccountStore

from tests.helpers import aws as h
from tests.helpers.apigw import http_event, invoke

#: Every function with HTTP routes: its area (the handler is ``<area>.app.handler``).
AREAS = ("accounts", "billing_read", "plan_change", "payment_methods", "billing_details", "portal_session", "webhook")
ROLES = ("owner", "billing_admin", "member")


def app_of(area: str) -> Any:
    return importlib.import_module(f"{area}.app")


def call(
    area: str,
    method: str,
    path: str,
    sub: str,
    *,
    body: Any = None,
    account: str | None = None,
    key: bool | str = False,
) -> dict[str, Any]:
    """One request through the area's Lambda handler, signed in as ``sub``."""
    headers: dict[str, str] = {}
    if account is not None:
        headers["x-billing-account"] = account
    if key:
        headers["idempotency-key"] = key if isinstance(key, str) else str(uuid.uuid4())
    if body is None and method in {"POST", "PATCH", "PUT"}:
        body = {}
    event = http_event(method, path, sub=sub, body=body, headers=headers)
    return invoke(app_of(area).handler, event)


@dataclass
class World:
    pool: Any
    team_a: str = ""
    team_b: str = ""
    subs: dict[str, str] = field(default_factory=dict)
    """role in team A -> sub"""
    emails: dict[str, str] = field(default_factory=dict)
    owner_b: str = ""
    outsider: str = ""

    def user(self, name: str) -> tuple[str, str]:
        email = f"{name}-{uuid.uuid4().hex[:6]}@example.com"
        return self.pool.add_user(email, email=email, name=name.title()), email


def join(store: AccountStore, account_id: str, sub: str, email: str, role: str) -> None:
    """Add a member the way an accepted invitation does (one seat, no limit)."""
    invitation, _ = store.invite(account_id, email, role, "seed", None)
    store.accept(account_id, invitation, sub, email, "")


def build_world(aws_env: Any) -> World:
    world = World(pool=aws_env.user_pool)
    store = AccountStore()
    owner, owner_email = aws_env.user_sub, aws_env.user_email
    world.subs["owner"], world.emails["owner"] = owner, owner_email
    world.team_a = store.new_team_id()
    store.create_team(world.team_a, "Team A", owner, owner_email)
    for role in ("billing_admin", "member"):
        sub, email = world.user(role)
        world.subs[role], world.emails[role] = sub, email
        join(store, world.team_a, sub, email, role)
    world.owner_b, email_b = world.user("bea")
    world.team_b = store.new_team_id()
    store.create_team(world.team_b, "Team B", world.owner_b, email_b)
    world.outsider, _ = world.user("olaf")
    return world


def partition(account_id: str) -> list[dict[str, Any]]:
    """Every item of an account, for before/after comparisons."""
    return sorted(h.query_pk(f"ACCOUNT#{account_id}"), key=lambda item: item["sk"]["S"])


def atomic_dynamodb(monkeypatch: Any) -> None:
    """Make each in-process moto DynamoDB call atomic, as each request is in DynamoDB itself (moto's in-memory
    backend is not thread-safe: two transactions at once can fail inside moto instead of on their conditions).
    The race stays a race: which request's call runs first is still up to the threads."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    for name in ("get_item", "put_item", "update_item", "delete_item", "query", "transact_write_items", "scan"):
        original = getattr(DynamoDBBackend, name)

        @functools.wraps(original)
        def atomic(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return __original(self, *args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, atomic)


def race[T](count: int, action: Any) -> list[T]:
    """Run ``action()`` on ``count`` threads released together; their answers (the handler gives each thread an
    event loop, closed here when the thread is done)."""
    import asyncio

    barrier = threading.Barrier(count)
    answers: list[T] = []

    def run() -> None:
        barrier.wait()
        try:
            answers.append(action())
        finally:
            asyncio.get_event_loop_policy().get_event_loop().close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers
