"""The billing account's cost per request: the personal account from the token vs a team named by the header.

Every request with an identity resolves its billing account in the core (``billing_core.accounts.context``): the
personal account reads its own item (the lazy migration's "already moved?" check), a team reads the caller's
``MEMBER#<sub>`` item (membership is checked on every request); a read route then takes the Stripe customer from
the token's ``stripe_customer_id`` claim only for the token's own account, so a team named by ``X-Billing-Account``
also reads its customer mapping. Against the seeded offline stack (moto over HTTP, the emulator with no added
latency), the same route, ``GET /billing/plans`` (one Stripe read for both), is timed through the real
billing_read handler for:

* ``personal, token claim``: ``active-pro`` on their personal account, the token carrying its customer;
* ``team, X-Billing-Account``: ``team-owner`` naming the seeded Business team;

and the resolution alone (``resolve`` + ``lookup_caller``, no Stripe) for the same two. Each row has the DynamoDB
calls one request makes (counted on the client, exact whatever the load) and p50 / p95 over ``SAMPLES``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from bench.billing_read import SAMPLES, _Context, _measure, _percentiles
from bench.cold_start import ROOT, bench_stack, user_claims


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with bench_stack() as stack:
        os.environ.update(stack["function_env"])
        os.environ["POWERTOOLS_SERVICE_NAME"] = "billing_read"
        os.environ["AWS_LAMBDA_FUNCTION_NAME"] = "BillingReadFunction"
        for p in (ROOT / "functions" / "billing_read", ROOT / "layers" / "shared"):
            if str(p) not in sys.path:
                sys.path.insert(0, str(p))
        import logging

        logging.disable(logging.WARNING)

        from billing_core import aws
        from billing_core.accounts.context import resolve
        from billing_core.accounts.roles import rule_for
        from billing_core.directory import CustomerDirectory
        from billing_core.identity import Caller
        from billing_read.app import handler

        from local.stack.gateway import build_http_event

        personal = user_claims(stack, "active-pro")
        mapping = CustomerDirectory().lookup(f"p_{personal['sub']}")
        if mapping is None:
            raise RuntimeError("the seeded active-pro user has no customer")
        personal["stripe_customer_id"] = mapping.customer_id  # what the pre-token trigger adds
        owner = next(u for u in stack["demo_users"] if u["scenario"] == "team-owner")
        team_claims = user_claims(stack, "team-owner")
        team_id = str(owner["account_id"])

        calls = {"n": 0}

        def counted(**_: Any) -> None:
            calls["n"] += 1

        aws.client("dynamodb").meta.events.register("before-call.dynamodb", counted)

        def request(claims: dict[str, Any], headers: dict[str, str]) -> Callable[[], None]:
            def go() -> None:
                event = build_http_event(
                    "GET /billing/plans", "GET", "/billing/plans", "", {"host": "127.0.0.1", **headers}, claims=claims
                )
                result = handler(event, _Context())
                if result["statusCode"] != 200:
                    raise RuntimeError(f"GET /billing/plans answered {result['statusCode']}: {result['body'][:300]}")

            return go

        rule = rule_for("GET", "/billing/plans")
        assert rule is not None

        def resolution(claims: dict[str, Any], named: str | None) -> Callable[[], None]:
            caller = Caller(
                sub=str(claims["sub"]),
                customer_id=claims.get("stripe_customer_id"),
            )

            def go() -> None:
                resolved = resolve(caller, rule, named)
                CustomerDirectory().lookup_caller(resolved)

            return go

        variants: list[tuple[str, Callable[[], None]]] = [
            ("handler: personal, token claim", request(personal, {})),
            ("handler: team, X-Billing-Account", request(team_claims, {"x-billing-account": team_id})),
            ("resolution: personal, token claim", resolution(personal, None)),
            ("resolution: team, X-Billing-Account", resolution(team_claims, team_id)),
        ]
        for name, fn in variants:
            fn()
            calls["n"] = 0
            fn()
            per_request = calls["n"]
            p50, p95 = _percentiles(_measure(fn, SAMPLES))
            rows.append(
                {
                    "variant": name,
                    "dynamodb_calls": per_request,
                    "samples": SAMPLES,
                    "p50_ms": p50,
                    "p95_ms": p95,
                    "load_1m": os.getloadavg()[0],
                }
            )
    return rows
