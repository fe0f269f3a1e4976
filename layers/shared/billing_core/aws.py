"""Lazy boto3 clients shared by the core's DynamoDB and Cognito adapters.

Clients are created on first use (never at import) with bounded retries and short timeouts, and
honour ``AWS_ENDPOINT_URL`` (moto server offline) natively. They all come from one boto3 session, which
other boto3 users in the core share too (``new_client()``, e.g. the Secrets Manager provider): a session loads
botocore's endpoint data and service models once, and a second session would load them again (~70 ms of
cold start). ``reset_clients()`` is for tests.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config

#: Bounded retries (E8): botocore's standard mode backs off on throttling and transaction conflicts.
AWS_MAX_ATTEMPTS = 3
AWS_CONFIG = Config(
    retries={"max_attempts": AWS_MAX_ATTEMPTS, "mode": "standard"},
    connect_timeout=2,
    read_timeout=3,
)

_lock = threading.RLock()
_session: boto3.session.Session | None = None
_clients: dict[str, Any] = {}


def session() -> boto3.session.Session:
    """The process's boto3 session (created on first use)."""
    global _session
    with _lock:
        if _session is None:
            _session = boto3.session.Session()
        return _session


def client(service: str) -> Any:
    """A cached boto3 client for ``service`` ("dynamodb", "cognito-idp", ...)."""
    with _lock:
        if service not in _clients:
            _clients[service] = session().client(service, config=AWS_CONFIG)  # type: ignore[call-overload]
        return _clients[service]


def new_client(service: str, config: Config | None = None) -> Any:
    """An uncached client from the same session, botocore's defaults unless ``config`` is given (for libraries
    that keep their own client, e.g. Powertools' SecretsProvider). Clients are made under the lock: a boto3
    session is not thread-safe."""
    with _lock:
        return session().client(service, config=config)  # type: ignore[call-overload]


def reset_clients() -> None:
    global _session
    with _lock:
        _clients.clear()
        _session = None
