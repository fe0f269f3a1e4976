"""Lazy boto3 clients shared by the core's DynamoDB and Cognito adapters.

Clients are created on first use (never at import) with bounded retries and short timeouts, and
honour ``AWS_ENDPOINT_URL`` (moto server offline) natively. They all come from one boto3 session, which
other boto3 users in the core share too (``new_client()``, e.g. the Secrets Manager provider): a session loads
botocore's endpoint data and service models once, and a second session would load them again (~70 ms of
cold start). ``reset_clients()`` is for tests.

SnapStart (``billing_core.snapstart``): ``offline()`` answers every AWS call made through this session with a
non-retryable ``PrimingOffline`` error instead of sending it (the priming request runs through the stack against
no network), and ``renew_after_restore()`` gives a restored copy its own credentials and connection pools.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
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
#: Every client made from the session, cached or not (``renew_after_restore`` renews them all).
_made: list[Any] = []
_offline = threading.Event()
#: The error code every AWS call gets while ``offline()`` is in force.
OFFLINE_ERROR = "PrimingOffline"


def session() -> boto3.session.Session:
    """The process's boto3 session (created on first use)."""
    global _session
    with _lock:
        if _session is None:
            _session = boto3.session.Session()
            _session.events.register("before-send", _refuse_when_offline)  # type: ignore[arg-type]  # botocore-stubs type the handler narrower than botocore calls it
        return _session


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


def _refuse_when_offline(request: Any, **_: Any) -> AWSResponse | None:
    """botocore's ``before-send`` hook: while offline, a 400 ``PrimingOffline`` instead of the request."""
    if not _offline.is_set():
        return None
    body = json.dumps({"__type": OFFLINE_ERROR, "message": "no network while priming"}).encode()
    headers = {"content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "priming"}
    return AWSResponse(request.url, 400, HTTPHeaders.from_dict(headers), _Body(body))


@contextmanager
def offline() -> Iterator[None]:
    """Within this block no AWS call leaves the process (each fails at once, no retries)."""
    _offline.set()
    try:
        yield
    finally:
        _offline.clear()


def renew_after_restore() -> None:
    """After a SnapStart restore: credentials resolved again for every client this session made, and their
    connection pools closed (re-opened on the next call). Re-creating the session and clients would cost
    ~100 ms of CPU; this costs one credential resolution.

    botocore keeps the resolved credentials in ``Session._credentials`` and each client's request signer;
    ``tests/unit/core/test_core_snapstart.py`` pins both against the pinned botocore."""
    with _lock:
        if _session is None:
            return
        core = _session._session  # noqa: SLF001 - see the docstring
        core._credentials = None  # type: ignore[attr-defined]  # noqa: SLF001
        credentials = core.get_credentials()
        for made in _made:
            made._request_signer._credentials = credentials  # noqa: SLF001
            made.close()


def client(service: str) -> Any:
    """A cached boto3 client for ``service`` ("dynamodb", "cognito-idp", ...)."""
    with _lock:
        if service not in _clients:
            _clients[service] = session().client(service, config=AWS_CONFIG)  # type: ignore[call-overload]  # the service name is a run-time str
            _made.append(_clients[service])
        return _clients[service]


def new_client(service: str, config: Config | None = None) -> Any:
    """An uncached client from the same session, botocore's defaults unless ``config`` is given (for libraries
    that keep their own client, e.g. Powertools' SecretsProvider). Clients are made under the lock: a boto3
    session is not thread-safe."""
    with _lock:
        made = session().client(service, config=config)  # type: ignore[call-overload]  # the service name is a run-time str
        _made.append(made)
        return made


def reset_clients() -> None:
    global _session
    with _lock:
        _clients.clear()
        _made.clear()
        _session = None
