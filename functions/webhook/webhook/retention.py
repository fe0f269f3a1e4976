"""Cancellation-flow steps as Stripe sees them: cancelled, paused, resumed and came back, wherever they happened.

Our cancel request records its steps itself (plan_change); Stripe's events record the same facts again, so a
cancellation or pause made in the hosted portal (or an automatic resume) is counted too, and a step the request
could not write is still recorded. Each step joins the customer's latest flow for that subscription (its reason
and offer, ``billing_core.retention.steps``); without one, a flow ``stripe:<subscription id>`` is started with
the reason Stripe recorded (``cancellation_details.feedback``).

* ``customer.subscription.updated`` with ``cancel_at``/``cancel_at_period_end`` set, and ``.deleted`` ->
  ``cancelled`` under the key our request uses (``cancelled:<sub id>:<cancel_at or ended_at>``);
* ``customer.subscription.paused`` -> ``paused``; when the flow showed the pause offer it is also the offer's
  ``accepted`` step, and the pause offer is recorded as used (``OFFER#pause``, once per customer);
* ``customer.subscription.resumed`` -> ``resumed``, and ``came_back`` when the subscription is ``active``
  again (the resumption was paid).

Step keys name the fact (or the event id), and steps are written with a conditional put: a redelivered event
writes nothing and publishes nothing new. The ``billing.retention.<step>`` events go out with the webhook's
other domain events, through the ledger (kept and retried when EventBridge fails).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from billing_core.directory import CustomerDirectory
from billing_core.domain_events import DomainEvent
from billing_core.retention.offers import PAUSE_OFFER_ID
from billing_core.retention.steps import (
    Flow,
    RecordedStep,
    RetentionSteps,
    Step,
    cancelled_key,
    domain_event,
    stripe_flow,
)
from billing_core.retention_offer import RetentionOfferStore

from webhook.events import StripeEvent

#: Subscription statuses after a resume that mean the customer is paying again.
BACK = frozenset({"active", "trialing"})


def planned_steps(event: StripeEvent) -> list[tuple[Step, str]]:
    """The steps this event shows (step, step key); empty for events that show none."""
    obj = event.obj
    subscription_id = obj.get("id")
    if not isinstance(subscription_id, str) or not subscription_id.startswith("sub_"):
        return []
    if event.type == "customer.subscription.paused":
        return [("paused", f"paused:{event.id}")]
    if event.type == "customer.subscription.resumed":
        steps: list[tuple[Step, str]] = [("resumed", f"resumed:{event.id}")]
        if obj.get("status") in BACK:
            steps.append(("came_back", f"came_back:{event.id}"))
        return steps
    if event.type == "customer.subscription.deleted" or (
        event.type == "customer.subscription.updated" and (obj.get("cancel_at_period_end") or obj.get("cancel_at"))
    ):
        ends = obj.get("cancel_at") or obj.get("ended_at")
        return [("cancelled", cancelled_key(subscription_id, ends if isinstance(ends, int) else 0))]
    return []


def stripe_reason(obj: Mapping[str, Any]) -> str | None:
    details = obj.get("cancellation_details")
    feedback = details.get("feedback") if isinstance(details, Mapping) else None
    return feedback if isinstance(feedback, str) and feedback else None


class RetentionStepRecorder:
    """Records the steps of :func:`planned_steps` and answers the domain events of the new ones."""

    def __init__(
        self,
        directory: CustomerDirectory | None = None,
        steps: RetentionSteps | None = None,
        offers: RetentionOfferStore | None = None,
    ) -> None:
        self.steps = steps or (directory.sibling(RetentionSteps) if directory else RetentionSteps())
        self.offers = offers or (directory.sibling(RetentionOfferStore) if directory else RetentionOfferStore())

    def observe(
        self, event: StripeEvent, account_id: str, customer_id: str, before_write: Callable[[], None]
    ) -> list[DomainEvent]:
        planned = planned_steps(event)
        if not planned:
            return []
        subscription_id = str(event.obj.get("id"))
        before_write()
        flow = self.steps.flow_for(account_id, subscription_id)
        if flow is None:
            flow = stripe_flow(account_id, subscription_id, event.created, stripe_reason(event.obj))
            self.steps.save_flow(flow)
        recorded: list[RecordedStep] = []
        if event.type == "customer.subscription.paused" and flow.open and flow.kind == "pause":
            recorded += self._accepted_pause(flow, event, subscription_id)
            flow = self.steps.close_flow(flow)
        for step, step_key in planned:
            new = self.steps.record(flow, step, step_key, event.created, "stripe")
            if new is not None:
                recorded.append(new)
        return [domain_event(step, customer_id) for step in recorded]

    def _accepted_pause(self, flow: Flow, event: StripeEvent, subscription_id: str) -> list[RecordedStep]:
        self.offers.record_from_event(flow.account_id, PAUSE_OFFER_ID, subscription_id, PAUSE_OFFER_ID, event.id)
        new = self.steps.record(flow, "accepted", f"accepted:{PAUSE_OFFER_ID}", event.created, "stripe")
        return [new] if new is not None else []
