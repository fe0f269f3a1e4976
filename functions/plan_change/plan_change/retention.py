"""The cancellation flow's offers: the offer a reason gets, what it shows, accepting it, and the steps recorded.

* :func:`choose` asks the core's one rule function (:func:`billing_core.retention.offers.choose_offer`) and
  builds the offer's view; a ``cheaper_plan`` offer carries the exact preview of the move (the same preview,
  stored under a ``preview_id``, that ``POST /billing/subscription/change`` applies: H1/B9). An offer whose
  preview Stripe or the catalog refuses is passed over for the next rule.
* :func:`accept_offer` takes the coupon (as before) or the cheaper plan (the previewed change, once per
  customer); the pause offer is taken through ``POST /billing/subscription/pause`` and counted by the webhook.
* :class:`FlowLog` records the steps (``billing_core.retention.steps``) and publishes ``billing.retention.*``
  after the billing change: recording is best effort, so a DynamoDB or EventBridge outage never fails or
  half-applies a cancellation; the webhook records the cancellation again from Stripe's event under the same
  step key, so a step the request could not write is still counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from billing_core.catalog.plans import RetentionOffer
from billing_core.errors import BadInput, BillingError, Conflict, NotFound, PaymentFailed
from billing_core.idempotency import IdempotencyKey
from billing_core.identity import Caller
from billing_core.observability import count, logger
from billing_core.retention.offers import (
    CHEAPER_PLAN_OFFER_ID,
    PAUSE_OFFER_ID,
    Offer,
    cheaper_price,
    choose_offer,
    situation_of,
)
from billing_core.retention.steps import Flow, RecordedStep, Step, cancelled_key, publish_best_effort
from billing_core.store.plan_change import request_fingerprint
from billing_core.stripe_fields import field as g
from billing_core.stripe_ownership import derive_key

from plan_change.models import (
    ChangeRequest,
    PreviewRequest,
    RetentionOfferRequest,
    RetentionOfferResponse,
    RetentionOfferView,
)
from plan_change.preview import preview_change

T = TypeVar("T")

if TYPE_CHECKING:
    from stripe.params import SubscriptionUpdateParams

    from plan_change.logic import PlanChanger

CANCELABLE = frozenset({"active", "trialing", "past_due"})
__all__ = ["CANCELABLE", "FlowLog", "accept_offer", "cancelled_key", "choose", "flow_id_for"]


def flow_id_for(key: IdempotencyKey) -> str:
    """A flow id derived from the request's key: a retried request continues the same flow."""
    return "flow_" + request_fingerprint(key.base)[:24]


class FlowLog:
    """The steps one request records (best effort) and publishes at the end."""

    def __init__(self, ch: PlanChanger, customer_id: str) -> None:
        self.ch = ch
        self.customer_id = customer_id
        self.recorded: list[RecordedStep] = []

    def open_flow(self, account_id: str, subscription_id: str, now: int) -> Flow | None:
        return self._try(lambda: self.ch.retention.open_flow(account_id, subscription_id, now), "flow.get")

    def flow_for(self, account_id: str, subscription_id: str) -> Flow | None:
        return self._try(lambda: self.ch.retention.flow_for(account_id, subscription_id), "flow.get")

    def save(self, flow: Flow) -> None:
        self._try(lambda: self.ch.retention.save_flow(flow), "flow.put")

    def step(self, flow: Flow, step: Step, step_key: str, at: int, comment: str | None = None) -> None:
        recorded = self._try(lambda: self.ch.retention.record(flow, step, step_key, at, "api", comment), "step.put")
        if recorded is not None:
            self.recorded.append(recorded)

    def publish(self) -> None:
        publish_best_effort(self.recorded, self.customer_id, self.ch.publisher)
        self.recorded = []

    @staticmethod
    def _try(fn: Callable[[], T], what: str) -> T | None:
        try:
            return fn()
        except BillingError:
            count("RetentionStepNotRecorded")
            logger.warning("retention step not recorded", extra={"retention_operation": what})
            return None


# ------------------------------------------------------------------------------------------------------
# The offer a reason gets
# ------------------------------------------------------------------------------------------------------
def choose(
    ch: PlanChanger, caller: Caller, sub: Any, reason: str, request_id: str
) -> tuple[Offer, RetentionOfferView] | None:
    """The first eligible offer for ``reason`` and its view, or None."""
    situation = situation_of(ch.catalog, sub, reason)
    passed_over: set[str] = set()
    for _ in ch.catalog.retention_rules:
        offer = choose_offer(
            ch.catalog,
            situation,
            lambda offer_id: offer_id in passed_over or ch.offers.used(caller.account_id, offer_id),
        )
        if offer is None:
            return None
        try:
            return offer, offer_view(ch, caller, sub, offer, request_id)
        except (BadInput, Conflict) as err:
            logger.info("retention offer passed over", extra={"offer": offer.id, "code": err.code})
            passed_over.add(offer.id)
    return None


def offer_view(ch: PlanChanger, caller: Caller, sub: Any, offer: Offer, request_id: str) -> RetentionOfferView:
    if offer.kind == "pause":
        return RetentionOfferView(id=offer.id, kind="pause", periods=list(offer.periods))
    if offer.kind == "cheaper_plan" and offer.to_lookup_key:
        plan, _ = ch.catalog.price(offer.to_lookup_key)
        preview = preview_change(
            ch,
            caller,
            PreviewRequest(
                price_lookup_key=offer.to_lookup_key, quantity=offer.to_quantity, subscription_id=str(sub.get("id"))
            ),
            request_id,
        )
        return RetentionOfferView(id=offer.id, kind="cheaper_plan", description=plan.name, preview=preview)
    if offer.coupon is None:  # pragma: no cover - choose_offer sets the coupon of a coupon offer
        raise NotFound(code="offer_not_found", message="This offer is not available.")
    return coupon_view(offer.coupon)


def coupon_view(offer: RetentionOffer) -> RetentionOfferView:
    return RetentionOfferView(
        id=offer.id,
        kind="coupon",
        description=offer.description,
        percent_off=offer.coupon.percent_off,
        duration=offer.coupon.duration,
        duration_in_months=offer.coupon.duration_in_months,
    )


# ------------------------------------------------------------------------------------------------------
# POST /billing/subscription/retention-offer
# ------------------------------------------------------------------------------------------------------
def accept_offer(
    ch: PlanChanger, caller: Caller, req: RetentionOfferRequest, key: IdempotencyKey, request_id: str
) -> RetentionOfferResponse:
    if req.offer_id == PAUSE_OFFER_ID and any(r.offer == "pause" for r in ch.catalog.retention_rules):
        raise Conflict(code="pause_offer", message="Choose how long to pause to take this offer.")
    if req.offer_id == CHEAPER_PLAN_OFFER_ID and any(r.offer == "cheaper_plan" for r in ch.catalog.retention_rules):
        return _accept_cheaper_plan(ch, caller, req, key, request_id)
    return _accept_coupon(ch, caller, req, key, request_id)


def _accept_coupon(
    ch: PlanChanger, caller: Caller, req: RetentionOfferRequest, key: IdempotencyKey, request_id: str
) -> RetentionOfferResponse:
    offer = ch.catalog.retention_offer
    if offer is None or (req.offer_id and req.offer_id != offer.id):
        raise NotFound(code="offer_not_found", message="This offer is not available.")
    fingerprint = request_fingerprint(key.base)
    with ch._lease(caller.account_id):
        customer_id, sub = ch._subscription(
            caller, "subscription.retention_offer", request_id, req.subscription_id, CANCELABLE
        )
        before = ch.plan_state(sub)
        claimed_by = ch.offers.claimed_by(caller.account_id, offer.id) if offer.once_per_customer else None
        if claimed_by and claimed_by != fingerprint:
            raise Conflict(code="offer_already_used", message="The retention offer has already been used.")
        if before.plan_id not in offer.plans or (g(sub, "discounts") and claimed_by != fingerprint):
            raise Conflict(code="offer_not_available", message="This offer is not available for your plan.")
        ch.offers.claim(caller.account_id, offer.id, fingerprint, str(sub.get("id")), offer.coupon.id)
        try:
            coupon = ch.billing.ensure_coupon(offer.coupon, derive_key("catalog", f"coupon:{offer.coupon.id}"))
            params: SubscriptionUpdateParams = {"discounts": [{"coupon": coupon}]}
            if g(sub, "cancel_at_period_end"):
                params["cancel_at_period_end"] = False
            updated = ch.billing.update_subscription(
                str(sub.get("id")), params, key.stripe("subscription.retention_offer")
            )
        except (BadInput, Conflict, NotFound, PaymentFailed):
            ch.offers.unclaim(caller.account_id, offer.id, fingerprint)
            raise
        after = ch.plan_state(updated)
        ch._record(
            caller, "subscription.retention_offer", request_id, before, after, offer=offer.id, coupon=offer.coupon.id
        )
        count("RetentionOfferAccepted")
        _record_accepted(ch, caller, customer_id, sub, offer.id, "coupon", key)
        return RetentionOfferResponse(
            status="applied", offer=coupon_view(offer), plan=after, next_payment=ch._next_payment(updated)
        )


def _accept_cheaper_plan(
    ch: PlanChanger, caller: Caller, req: RetentionOfferRequest, key: IdempotencyKey, request_id: str
) -> RetentionOfferResponse:
    """The previewed move to the cheaper plan, once per customer; the change itself is ``change``'s (B9, H2)."""
    if req.preview_id is None:
        raise BadInput(
            code="preview_required", message="Accept the cheaper plan with the preview it showed.", param="preview_id"
        )
    preview = ch.store.get_preview(caller.account_id, req.preview_id)  # foreign/missing -> 404, expired -> 409
    fingerprint = request_fingerprint(key.base)
    with ch._lease(caller.account_id):
        customer_id, sub = ch._subscription(
            caller, "subscription.retention_offer", request_id, req.subscription_id, CANCELABLE
        )
        situation = situation_of(ch.catalog, sub, "too_expensive")
        target = cheaper_price(ch.catalog, situation.price_lookup_key or "", situation.quantity)
        once = next(r.once_per_customer for r in ch.catalog.retention_rules if r.offer == "cheaper_plan")
        claimed_by = ch.offers.claimed_by(caller.account_id, CHEAPER_PLAN_OFFER_ID) if once else None
        if claimed_by and claimed_by != fingerprint:
            raise Conflict(code="offer_already_used", message="The retention offer has already been used.")
        if claimed_by != fingerprint and (target is None or target[0] != preview.to_lookup_key):
            raise Conflict(code="offer_not_available", message="This offer is not available for your plan.")
        if once:
            ch.offers.claim(
                caller.account_id, CHEAPER_PLAN_OFFER_ID, fingerprint, str(sub.get("id")), preview.to_lookup_key
            )
    try:
        change = ch.change(
            caller, ChangeRequest(preview_id=req.preview_id, subscription_id=req.subscription_id), key, request_id
        )
    except BillingError:
        if once:
            ch.offers.unclaim(caller.account_id, CHEAPER_PLAN_OFFER_ID, fingerprint)
        raise
    count("RetentionOfferAccepted")
    _record_accepted(ch, caller, customer_id, sub, CHEAPER_PLAN_OFFER_ID, "cheaper_plan", key)
    plan, _ = ch.catalog.price(preview.to_lookup_key)
    return RetentionOfferResponse(
        status=change.status,
        offer=RetentionOfferView(id=CHEAPER_PLAN_OFFER_ID, kind="cheaper_plan", description=plan.name),
        plan=change.after,
        change=change,
    )


def _record_accepted(
    ch: PlanChanger, caller: Caller, customer_id: str, sub: Any, offer_id: str, kind: str, key: IdempotencyKey
) -> None:
    log = FlowLog(ch, customer_id)
    subscription_id = str(sub.get("id"))
    now = int(ch.billing.now_for(sub))
    flow = log.flow_for(caller.account_id, subscription_id)
    if flow is None or not flow.open or flow.offer != offer_id:
        flow = Flow(flow_id_for(key), caller.account_id, subscription_id, now, offer=offer_id, kind=kind)
        log.step(flow, "started", "started", now)
    flow = replace(flow, open=False)
    log.save(flow)
    log.step(flow, "accepted", f"accepted:{offer_id}", now)
    log.publish()
