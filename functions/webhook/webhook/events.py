"""Which Stripe events the webhook acts on, and how to read the few fields it needs from them.

The payload is only used to route the event (type, customer id, the user sub in ``metadata.user_sub`` or
``client_reference_id``) and to describe facts (a payment failed). State always comes from Stripe itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from billing_core.entitlements import EntitlementRecord
from billing_core.identity import ACCOUNT_ID, personal_account_id

Action = Literal["sync", "acknowledge", "ignore"]

#: Events after which the user's entitlement record is re-derived from Stripe.
SYNC_TYPES = frozenset(
    {
        "customer.created",
        "customer.updated",
        "customer.deleted",
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "customer.subscription.paused",
        "customer.subscription.resumed",
        "customer.subscription.trial_will_end",
        "customer.subscription.pending_update_applied",
        "customer.subscription.pending_update_expired",
        "invoice.paid",
        "invoice.payment_failed",
        "invoice.payment_action_required",
        "invoice.marked_uncollectible",
        "checkout.session.completed",
    }
)
SYNC_PREFIXES = ("subscription_schedule.",)
#: Recorded in the ledger; no effect on entitlements.
ACKNOWLEDGE_TYPES = frozenset({"payment_method.attached", "payment_method.detached"})
#: Events whose object is the customer itself (the customer is re-checked for deletion).
CUSTOMER_TYPES = frozenset({"customer.created", "customer.updated", "customer.deleted"})


#: Allowance for the difference between Stripe's clock and ours, and between two of our functions (NTP keeps both
#: within milliseconds; a second leaves room).
CLOCK_MARGIN_S = 1.0


class BadEvent(ValueError):
    """Signed, but not an event we can read (not JSON, missing id/type)."""


@dataclass(frozen=True)
class StripeEvent:
    id: str
    type: str
    created: int
    livemode: bool
    api_version: str | None
    obj: Mapping[str, Any]

    @classmethod
    def parse(cls, payload: Any) -> StripeEvent:
        if not isinstance(payload, Mapping):
            raise BadEvent("not an object")
        event_id, event_type = payload.get("id"), payload.get("type")
        if not isinstance(event_id, str) or not event_id.startswith("evt_") or len(event_id) > 255:
            raise BadEvent("bad id")
        if not isinstance(event_type, str) or not event_type or len(event_type) > 200:
            raise BadEvent("bad type")
        data = payload.get("data")
        obj = data.get("object") if isinstance(data, Mapping) else None
        created = payload.get("created")
        return cls(
            id=event_id,
            type=event_type,
            created=created if isinstance(created, int) else 0,
            livemode=payload.get("livemode") is True,
            api_version=payload.get("api_version") if isinstance(payload.get("api_version"), str) else None,
            obj=obj if isinstance(obj, Mapping) else {},
        )

    @property
    def action(self) -> Action:
        if self.type in SYNC_TYPES or self.type.startswith(SYNC_PREFIXES):
            return "sync"
        if self.type in ACKNOWLEDGE_TYPES:
            return "acknowledge"
        return "ignore"

    @property
    def customer_id(self) -> str | None:
        if self.obj.get("object") == "customer":
            value: Any = self.obj.get("id")
        else:
            value = self.obj.get("customer")
            if isinstance(value, Mapping):
                value = value.get("id")
        return value if isinstance(value, str) and value.startswith("cus_") else None

    @property
    def claimed_sub(self) -> str | None:
        """The user sub the event names: ``metadata.user_sub`` (customers) or ``client_reference_id``."""
        value: Any = None
        if self.type in {"customer.created", "customer.updated"}:
            metadata = self.obj.get("metadata")
            value = metadata.get("user_sub") if isinstance(metadata, Mapping) else None
        elif self.type == "checkout.session.completed":
            value = self.obj.get("client_reference_id")
        if isinstance(value, str) and 0 < len(value) <= 128 and value.isprintable():
            return value
        return None

    @property
    def claimed_account(self) -> str | None:
        """The billing account the event names: a team customer's ``metadata.billing_account``, else the personal
        account of :attr:`claimed_sub` (a customer whose metadata names a team is never linked to a person)."""
        if self.type in {"customer.created", "customer.updated"}:
            metadata = self.obj.get("metadata")
            team = metadata.get("billing_account") if isinstance(metadata, Mapping) else None
            if team is not None:
                return team if isinstance(team, str) and ACCOUNT_ID.match(team) else None
        sub = self.claimed_sub
        return personal_account_id(sub) if sub is not None else None


def changed_before(event: StripeEvent, first_seen: float) -> float:
    """A time (epoch seconds) after the change ``event`` reports: its first delivery to us (Stripe sends an event
    after the change), or one second after its ``created`` when that is on the wall clock, whichever is earlier,
    plus the clock margin. An object on a test clock carries the clock's frozen time in ``created`` (and has a
    ``test_clock`` field to say so); an object without that field may belong to a test-clock customer, so its
    ``created`` is not used either."""
    bound = first_seen
    on_wall_clock = "test_clock" in event.obj and event.obj.get("test_clock") is None
    if event.created > 0 and on_wall_clock:
        bound = min(bound, event.created + 1.0)
    return bound + CLOCK_MARGIN_S


#: Statuses in which a paid invoice changes nothing the entitlement record holds (see ``settled_by_own_events``).
GOOD_STANDING = frozenset({"active", "trialing"})


def settled_by_own_events(event: StripeEvent, stored: EntitlementRecord | None) -> bool:
    """An ``invoice.paid`` for the subscription the stored record shows in good standing (active or trialing,
    not paused, not past due) changes nothing the record holds (C19): a payment changes the record only through
    the subscription's status (active again after past due, unpaid or incomplete) or its open invoices (which the
    record holds only while past due), and Stripe sends ``customer.subscription.updated`` for every status change,
    which reads. A renewal's paid invoice then costs no Stripe read. It never writes, so the version guard of
    docs/adr/0001 is untouched; any other invoice, or a record that does not name this subscription, reads."""
    if event.type != "invoice.paid" or stored is None:
        return False
    subscription = invoice_subscription(event.obj)
    return (
        subscription is not None
        and stored.subscription_id == subscription
        and stored.status in GOOD_STANDING
        and not stored.paused
        and stored.past_due_since is None
    )


def invoice_subscription(invoice: Mapping[str, Any]) -> str | None:
    """endive: an invoice names its subscription at ``parent.subscription_details.subscription``."""
    parent = invoice.get("parent")
    details = parent.get("subscription_details") if isinstance(parent, Mapping) else None
    value = details.get("subscription") if isinstance(details, Mapping) else None
    if isinstance(value, Mapping):
        value = value.get("id")
    return value if isinstance(value, str) else None
