"""Lambda SnapStart: what a function does before its snapshot is taken and after a copy is restored.

Every API function's handler module registers both hooks with ``snapshot_restore_py`` (the runtime's own
library; see docs/adr/0008-lean-cold-start-and-snapstart.md)::

    from snapshot_restore_py import register_after_restore, register_before_snapshot
    from billing_core import snapstart

    handler = make_handler(app)
    register_before_snapshot(snapstart.prime, handler)
    register_after_restore(snapstart.after_restore)

``prime(handler)`` (before the snapshot) creates the clients the first request needs, imports stripe-python's
object classes (it imports each on first sight otherwise: ~0.5 s of a first response) and runs one request per
route of the app through the whole stack (Mangum, middleware, routing, dependencies, validation, logic up to
its first I/O, error mapping) against no network: AWS calls fail at once inside botocore (``aws.offline()``),
the Stripe secret is never read so no Stripe call starts, and any other socket connection is refused and
counted. Nothing is written anywhere; the metrics and log keys of the priming requests are discarded.

``after_restore()`` resets what restored copies must not share: the AWS clients' credentials and connection
pools, the Stripe client (its HTTP session and key), the secret cache, the price-id cache and the read path's
mapping cache (all keyed by time), the known personal accounts, the metrics buffer, and the ``random`` generator's
state.
"""

from __future__ import annotations

import importlib
import random
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from billing_core import aws
from billing_core.accounts.migration import forget_known_accounts
from billing_core.customer_mapping import forget_read_cache
from billing_core.observability import logger, metrics, muted
from billing_core.price_ids import reset_price_ids
from billing_core.stripe_client import build_stripe_client
from billing_core.stripe_gateway import forget_stripe_client
from billing_core.stripe_secrets import secrets_provider

#: The caller of the priming requests (no such user exists; nothing is looked up for it over the network).
PRIMING_SUB = "snapstart-priming"
#: A syntactically valid test key for warming stripe-python's client classes; it is never sent anywhere.
PRIMING_STRIPE_KEY = "sk_test_snapstartpriming"
#: The cached AWS clients a function's first requests use (created before the snapshot, renewed after restore);
#: the Secrets Manager client is the secrets provider's own.
PRIMED_AWS_CLIENTS = ("dynamodb", "cognito-idp")


@dataclass
class PrimingReport:
    """What ``prime`` did: one status per route (``"GET /billing": 503``), refused connections, duration."""

    statuses: dict[str, int] = field(default_factory=dict)
    refused_connections: int = 0
    seconds: float = 0.0


class _PrimingContext:
    function_name = "snapstart-priming"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:snapstart-priming"
    memory_limit_in_mb = 1024
    aws_request_id = "snapstart-priming"
    log_group_name = "/aws/lambda/snapstart-priming"
    log_stream_name = "snapstart-priming"

    def get_remaining_time_in_millis(self) -> int:
        return 20_000


def priming_event(method: str, path: str, *, claims: bool = True) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event for ``method path`` from the priming caller."""
    raw_path = path.replace("{", "").replace("}", "")
    headers = {
        "host": "priming.invalid",
        "content-type": "application/json",
        "idempotency-key": "snapstart-priming",
        "stripe-signature": "t=0,v1=priming",
    }
    body = "{}" if method != "GET" else ""
    if body:
        headers["content-length"] = str(len(body))
    context: dict[str, Any] = {
        "accountId": "000000000000",
        "apiId": "priming",
        "domainName": "priming.invalid",
        "http": {"method": method, "path": raw_path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1"},
        "requestId": "snapstart-priming",
        "routeKey": f"{method} {path}",
        "stage": "$default",
        "time": "01/Jan/2026:00:00:00 +0000",
        "timeEpoch": 0,
    }
    if claims:
        now = int(time.time())
        context["authorizer"] = {
            "jwt": {
                "claims": {"sub": PRIMING_SUB, "token_use": "access", "iat": now, "exp": now + 60},
                "scopes": None,
            }
        }
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": raw_path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": False,
    }


def app_routes(handler: Any) -> list[tuple[str, str]]:
    """``(method, path)`` of every route of the handler's app, included routers too (HEAD, OPTIONS left out)."""
    return _routes(getattr(getattr(handler, "app", None), "routes", []), "")


def _routes(routes: Any, prefix: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:  # a router included into an app (a FastAPI app keeps it as one entry)
            context = getattr(route, "include_context", None)
            found += _routes(included.routes, prefix + str(getattr(context, "prefix", "") or ""))
            continue
        for method in sorted(getattr(route, "methods", None) or ()):
            if method not in {"HEAD", "OPTIONS"}:
                found.append((method, prefix + str(route.path)))
    return found


@contextmanager
def _no_connections(refused: list[str]) -> Iterator[None]:
    """Refuse every outgoing socket connection in this process (a net under ``aws.offline()``)."""
    original_connect, original_lookup = socket.socket.connect, socket.getaddrinfo

    def refuse(sock: socket.socket, address: Any) -> None:
        refused.append(repr(address))
        raise ConnectionRefusedError(f"no network while priming: {address!r}")

    def refuse_lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        refused.append(repr(host))
        raise socket.gaierror(f"no network while priming: {host!r}")

    socket.socket.connect = refuse  # type: ignore[method-assign,assignment]  # patched while priming, restored below
    socket.getaddrinfo = refuse_lookup
    try:
        yield
    finally:
        socket.socket.connect = original_connect  # type: ignore[method-assign]  # the original restored
        socket.getaddrinfo = original_lookup


#: A nested Stripe response (a list of invoices with lines, prices, a subscription and its customer): turning it
#: into objects warms stripe-python's conversion path (its type-hint caches) the way a first real response would.
_SAMPLE_RESPONSE: dict[str, Any] = {
    "object": "list",
    "url": "/v1/invoices",
    "has_more": False,
    "data": [
        {
            "object": "invoice",
            "id": "in_priming",
            "customer": {"object": "customer", "id": "cus_priming", "invoice_settings": {}, "metadata": {}},
            "lines": {
                "object": "list",
                "url": "/v1/invoices/in_priming/lines",
                "has_more": False,
                "data": [
                    {
                        "object": "line_item",
                        "id": "il_priming",
                        "pricing": {"price_details": {"price": "price_priming", "product": "prod_priming"}},
                        "period": {"start": 0, "end": 0},
                    }
                ],
            },
            "parent": {
                "subscription_details": {
                    "subscription": {
                        "object": "subscription",
                        "id": "sub_priming",
                        "items": {
                            "object": "list",
                            "url": "/v1/subscription_items",
                            "has_more": False,
                            "data": [
                                {
                                    "object": "subscription_item",
                                    "id": "si_priming",
                                    "price": {
                                        "object": "price",
                                        "id": "price_priming",
                                        "product": {"object": "product", "id": "prod_priming"},
                                        "recurring": {"interval": "month"},
                                    },
                                }
                            ],
                        },
                        "default_payment_method": {
                            "object": "payment_method",
                            "id": "pm_priming",
                            "card": {"brand": "visa", "last4": "4242"},
                        },
                    }
                }
            },
        }
    ],
}


def warm_libraries() -> None:
    """The AWS clients (service models loaded), every stripe-python v1 object class (imported on first sight of
    its object type otherwise), one throwaway Stripe client and one converted sample response."""
    from stripe import ListObject
    from stripe._object_classes import OBJECT_CLASSES

    for service in PRIMED_AWS_CLIENTS:
        aws.client(service)
    secrets_provider()
    for module in sorted({module for module, _ in OBJECT_CLASSES.values()}):
        importlib.import_module(module)
    stripe_client = build_stripe_client(PRIMING_STRIPE_KEY)
    for service in ("customers", "subscriptions", "invoices", "payment_methods", "setup_intents", "prices"):
        getattr(stripe_client.v1, service)
    ListObject.construct_from(_SAMPLE_RESPONSE, PRIMING_STRIPE_KEY)


def prime(handler: Callable[[Mapping[str, Any], Any], Mapping[str, Any]]) -> PrimingReport:
    """Before the snapshot: clients created, then one offline request per route through the whole stack."""
    started = time.monotonic()
    report = PrimingReport()
    warm_libraries()
    refused: list[str] = []
    with aws.offline(), _no_connections(refused), muted():
        for method, path in app_routes(handler):
            event = priming_event(method, path, claims=not path.startswith("/webhooks/"))
            response = handler(event, _PrimingContext())
            report.statuses[f"{method} {path}"] = int(response.get("statusCode", 0))
    report.refused_connections = len(refused)
    report.seconds = time.monotonic() - started
    logger.info(
        "snapstart primed",
        extra={"routes": len(report.statuses), "refused_connections": report.refused_connections},
    )
    return report


def after_restore() -> None:
    """After a restore: nothing this copy must not share with other copies of the same snapshot survives."""
    aws.renew_after_restore()
    forget_stripe_client()
    reset_price_ids()
    forget_read_cache()
    forget_known_accounts()
    metrics.clear_metrics()
    random.seed()
