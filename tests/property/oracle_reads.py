"""What the money oracle reads: the API's answers as the web page gets them, and Stripe's own records.

``expect`` raises the mismatch its message's prefix names (one exception class per property, so Hypothesis
shrinks each failure apart).
"""

from __future__ import annotations

import uuid
from typing import Any

from tests.helpers.apigw import http_event, invoke
from tests.integration.plan_change.plan_change_setup import World
from tests.property.billing_states import Situation


class OracleMismatch(AssertionError):
    """A shown figure that is not what Stripe did; one subclass per property, so Hypothesis shrinks each apart."""


class PreviewMismatch(OracleMismatch):  # H1
    pass


class RefusalLeftState(OracleMismatch):  # H2
    pass


class NextPaymentMismatch(OracleMismatch):  # H3
    pass


class StaleRead(OracleMismatch):  # H4
    pass


class UnshownCharge(OracleMismatch):
    pass


class ApiAnswer(OracleMismatch):  # a 5xx, or an answer the contract does not allow
    pass


_KINDS = {
    "H1": PreviewMismatch,
    "H2": RefusalLeftState,
    "H3": NextPaymentMismatch,
    "H4": StaleRead,
    "charge": UnshownCharge,
    "api": ApiAnswer,
}


def expect(condition: bool, message: str) -> None:
    """Raise the mismatch named by the message's prefix (``H1:`` ... ``H4:``, ``charge:``, ``api:``)."""
    if not condition:
        raise _KINDS[message.split(":", 1)[0]](message)


# -- reading what the API shows and what Stripe holds ---------------------------------------------------------
def read(path: str, sub: str) -> dict[str, Any]:
    """A billing_read GET route as the web page calls it."""
    from billing_read.app import handler

    response = invoke(handler, http_event("GET", path, sub=sub))
    expect(response["statusCode"] == 200, f"api: GET {path} answered {response['statusCode']}: {response['body']}")
    return response["json"]


def overview(sub: str) -> dict[str, Any]:
    return read("/billing", sub)


def call_payment_methods(method: str, path: str, sub: str) -> dict[str, Any]:
    from payment_methods.app import handler

    headers = {"Idempotency-Key": f"k-{uuid.uuid4().hex}"}
    return invoke(handler, http_event(method, path, sub=sub, headers=headers))


def subscription_view(view: dict[str, Any], subscription_id: str | None) -> dict[str, Any] | None:
    return next((s for s in view["subscriptions"] if s["id"] == subscription_id), None)


def paid_amounts(world: World, cus: str) -> dict[str, int]:
    return {str(i.id): int(i.amount_paid or 0) for i in world.invoices(cus)}


def open_invoices(world: World, cus: str) -> set[str]:
    return {str(i.id) for i in world.invoices(cus) if i.status == "open"}


def succeeded_intents(world: World, cus: str) -> dict[str, int]:
    intents = world.stripe.v1.payment_intents.list(params={"customer": cus, "limit": 100}).data
    return {str(p.id): int(p.amount_received or 0) for p in intents if p.status == "succeeded"}


def stripe_state(world: World, sit: Situation) -> tuple[Any, ...] | None:
    if sit.subscription is None:
        subs = world.stripe.v1.subscriptions.list(params={"customer": sit.customer, "status": "all"}).data
        return tuple(sorted((str(s.id), str(s.status)) for s in subs))
    s = world.subscription(sit.subscription)
    item = s["items"].data[0]
    schedule = s.schedule if isinstance(s.schedule, str) or s.schedule is None else s.schedule.id
    return (s.status, item.price.lookup_key, int(item.quantity), bool(s.cancel_at_period_end), schedule)
