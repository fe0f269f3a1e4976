"""Every step of a cancellation flow, recorded for the retention report and published as ``billing.retention.*``.

A *flow* starts when a customer asks to cancel (plan_change) and carries the reason and the offer shown; it is
remembered as the billing account's latest flow (``ACCOUNT#<id>``/``RETENTION#flow``) so that later steps seen only by
the webhook (paused, resumed, came back, cancelled in the hosted portal) are counted for the same reason and
offer. Steps the webhook sees without such a flow (a cancellation started in the hosted portal) form a flow of
their own, ``stripe:<subscription id>``, with the reason Stripe recorded (``cancellation_details.feedback``).

Steps: ``started``, ``shown``, ``accepted``, ``declined``, ``cancelled``, ``paused``, ``resumed`` and
``came_back`` (a resumed subscription that is ``active`` again: the resumption was paid).

Each step is one item ``RETENTION#<day the flow started>``/``STEP#<flow id>#<step key>`` written with a
conditional put, so a step is recorded once: ``key`` names the fact, not the delivery (``cancelled:<sub id>:<end
time>`` is the same for our cancel request, the ``customer.subscription.updated`` that follows it and the
``customer.subscription.deleted`` at the period end; webhook-only steps use the Stripe event id). A redelivered
event or a retried request writes nothing and publishes nothing new. Items keep for :data:`STEP_TTL_S`; the
report reads a day's partition with one paged query.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from billing_core.domain_events import DomainEvent, DomainEventPublisher, get_publisher
from billing_core.errors import BillingError
from billing_core.identity import personal_account_id
from billing_core.observability import count, logger
from billing_core.store.base import ConditionFailed, TableStore
from billing_core.store.keys import (
    RETENTION_FLOW_SK,
    RETENTION_STEP_PREFIX,
    TTL_ATTRIBUTE,
    account_pk,
    key,
    retention_day_pk,
    retention_step_sk,
)

Step = Literal["started", "shown", "accepted", "declined", "cancelled", "paused", "resumed", "came_back"]
STEPS: tuple[str, ...] = Step.__args__  # type: ignore[attr-defined]  # a Literal's values, read at run time
Source = Literal["api", "stripe"]
EVENT_PREFIX = "billing.retention."
#: Steps are kept a little over a year (the report compares periods); the latest-flow item as long.
STEP_TTL_S = 400 * 86400
#: A second cancel request within this window continues the customer's open flow (e.g. "No thanks, cancel").
FLOW_WINDOW_S = 3600
COMMENT_MAX = 500


@dataclass(frozen=True)
class Flow:
    flow_id: str
    account_id: str
    subscription_id: str
    started_at: int
    reason: str | None = None
    offer: str | None = None
    """The offer shown (its id: ``pause``, ``cheaper_plan`` or the coupon offer's id), or None."""
    kind: str | None = None
    open: bool = True

    @property
    def day(self) -> str:
        return day_of(self.started_at)


@dataclass(frozen=True)
class RecordedStep:
    step: str
    flow_id: str
    account_id: str
    subscription_id: str
    at: int
    reason: str | None
    offer: str | None
    kind: str | None
    source: str
    key: str
    comment: str | None = None


def day_of(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).date().isoformat()


def cancelled_key(subscription_id: str, ends_at: Any) -> str:
    """The ``cancelled`` step's key: the subscription and when it ends (``cancel_at``, else ``ended_at``), the
    same from our cancel request and from Stripe's ``customer.subscription.updated``/``.deleted`` events."""
    return f"cancelled:{subscription_id}:{int(ends_at or 0)}"


def stripe_flow(account_id: str, subscription_id: str, at: int, reason: str | None) -> Flow:
    """The flow of steps Stripe shows us without a cancel request of ours (hosted portal, automatic resume)."""
    return Flow(f"stripe:{subscription_id}", account_id, subscription_id, at, reason=reason, open=False)


class RetentionSteps(TableStore):
    """The flow items and step items (see the module docstring)."""

    # -- the customer's latest flow ---------------------------------------------------------------------
    def latest_flow(self, account_id: str) -> Flow | None:
        item = self._get(account_pk(account_id), RETENTION_FLOW_SK, "retention.flow.get")
        if not item:
            return None
        return Flow(
            flow_id=_s(item, "flow_id") or "",
            account_id=account_id,
            subscription_id=_s(item, "subscription_id") or "",
            started_at=int(item.get("started_at", {}).get("N", "0")),
            reason=_s(item, "reason"),
            offer=_s(item, "offer"),
            kind=_s(item, "kind"),
            open=item.get("open", {}).get("BOOL", False) is True,
        )

    def open_flow(self, account_id: str, subscription_id: str, now: int) -> Flow | None:
        """The flow a cancel request continues: open, for this subscription, started within the window before
        ``now`` (Stripe's time for the subscription, so test clocks hold)."""
        flow = self.latest_flow(account_id)
        if flow is None or not flow.open or flow.subscription_id != subscription_id:
            return None
        return flow if 0 <= now - flow.started_at < FLOW_WINDOW_S else None

    def flow_for(self, account_id: str, subscription_id: str) -> Flow | None:
        """The latest flow of this subscription (open or not), for steps the webhook sees later."""
        flow = self.latest_flow(account_id)
        return flow if flow is not None and flow.subscription_id == subscription_id else None

    def save_flow(self, flow: Flow) -> None:
        item: dict[str, Any] = {
            **key(account_pk(flow.account_id), RETENTION_FLOW_SK),
            "flow_id": {"S": flow.flow_id},
            "subscription_id": {"S": flow.subscription_id},
            "started_at": {"N": str(flow.started_at)},
            "open": {"BOOL": flow.open},
            TTL_ATTRIBUTE: {"N": str(flow.started_at + STEP_TTL_S)},
        }
        for name in ("reason", "offer", "kind"):
            value = getattr(flow, name)
            if value:
                item[name] = {"S": value}
        self._put(item, "retention.flow.put")

    def close_flow(self, flow: Flow) -> Flow:
        closed = replace(flow, open=False)
        self.save_flow(closed)
        return closed

    # -- steps ------------------------------------------------------------------------------------------
    def record(
        self, flow: Flow, step: Step, step_key: str, at: int, source: Source, comment: str | None = None
    ) -> RecordedStep | None:
        """Write the step once; the step when it was new, None when it was already recorded."""
        recorded = RecordedStep(
            step=step,
            flow_id=flow.flow_id,
            account_id=flow.account_id,
            subscription_id=flow.subscription_id,
            at=at,
            reason=flow.reason,
            offer=flow.offer,
            kind=flow.kind,
            source=source,
            key=step_key,
            comment=comment[:COMMENT_MAX] if comment else None,
        )
        item: dict[str, Any] = {
            **key(retention_day_pk(flow.day), retention_step_sk(flow.flow_id, step_key)),
            "step": {"S": step},
            "flow_id": {"S": flow.flow_id},
            "account_id": {"S": flow.account_id},
            "subscription_id": {"S": flow.subscription_id},
            "at": {"N": str(at)},
            "source": {"S": source},
            TTL_ATTRIBUTE: {"N": str(at + STEP_TTL_S)},
        }
        for name in ("reason", "offer", "kind", "comment"):
            value = getattr(recorded, name)
            if value:
                item[name] = {"S": value}
        try:
            self._put(item, "retention.step.put", condition="attribute_not_exists(pk)")
        except ConditionFailed:
            return None
        count("RetentionStepRecorded")
        return recorded

    def steps_since(self, since: date, until: date) -> Iterator[RecordedStep]:
        """Every step of the flows started from ``since`` to ``until`` (inclusive, UTC days), day by day."""
        day = since
        while day <= until:
            yield from self._day(day.isoformat())
            day += timedelta(days=1)

    def _day(self, day: str) -> Iterator[RecordedStep]:
        start: dict[str, Any] | None = None
        while True:
            params: dict[str, Any] = {
                "TableName": self.table,
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
                "ExpressionAttributeValues": {
                    ":pk": {"S": retention_day_pk(day)},
                    ":prefix": {"S": RETENTION_STEP_PREFIX},
                },
            }
            if start:
                params["ExclusiveStartKey"] = start
            response = self._call("retention.steps.query", lambda c: c.query(**params))  # noqa: B023 - called at once, in this iteration
            for item in response.get("Items", []):
                yield RecordedStep(
                    step=_s(item, "step") or "",
                    flow_id=_s(item, "flow_id") or "",
                    account_id=_account_of(item),
                    subscription_id=_s(item, "subscription_id") or "",
                    at=int(item.get("at", {}).get("N", "0")),
                    reason=_s(item, "reason"),
                    offer=_s(item, "offer"),
                    kind=_s(item, "kind"),
                    source=_s(item, "source") or "",
                    key=(_s(item, "sk") or "").rsplit("#", 1)[-1],
                    comment=_s(item, "comment"),
                )
            start = response.get("LastEvaluatedKey")
            if not start:
                return


def domain_event(step: RecordedStep, customer_id: str) -> DomainEvent:
    """``billing.retention.<step>``: the flow, reason, offer and source; never the free-text comment."""
    detail = {
        "flow_id": step.flow_id,
        "subscription_id": step.subscription_id,
        "reason": step.reason,
        "offer": step.offer,
        "offer_kind": step.kind,
        "source": step.source,
        "at": step.at,
    }
    return DomainEvent(EVENT_PREFIX + step.step, step.account_id, customer_id, detail)


def publish_best_effort(
    steps: list[RecordedStep], customer_id: str, publisher: DomainEventPublisher | None = None
) -> None:
    """Publish the API's steps after the billing change answered: a bus outage loses the event, never the
    change or the recorded step (the report reads the store)."""
    if not steps:
        return
    try:
        (publisher or get_publisher()).publish([domain_event(s, customer_id) for s in steps])
    except BillingError:
        count("RetentionEventsUnpublished", len(steps))
        logger.warning("retention events not published; the steps are recorded")


def _s(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name, {}).get("S")
    return value if isinstance(value, str) else None


def _account_of(item: dict[str, Any]) -> str:
    """The step's billing account (a step written before billing accounts names the user: their personal one)."""
    account_id = _s(item, "account_id")
    if account_id:
        return account_id
    sub = _s(item, "sub")
    return personal_account_id(sub) if sub else ""
