"""POST /billing/subscription: subscribe (or resubscribe) when there is no active subscription.

The subscription is created explicitly in flexible billing mode (``billing_mode={"type": "flexible"}``; the
endive default too, per stripe-python 16's ``SubscriptionCreateParamsBillingMode``), with
``proration_discounts=itemized`` so proration lines show gross amounts and their discounts as discount amounts,
which previews show as rows of their own (Stripe's changelog 2025-09-30 "itemize proration discount amounts";
the default ``included`` nets discounts into proration amounts), and
``payment_behavior=default_incomplete``: the first invoice is paid with the customer's default card, or its
client secret goes back for Stripe.js. A trial started without a usable card answers
``payment_method_needed_by`` (the trial end), so the page can ask for a card before the first payment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from billing_core.accounts.seats import check_capacity
from billing_core.accounts.store import AccountStore
from billing_core.errors import Conflict, PaymentFailed
from billing_core.idempotency import IdempotencyKey
from billing_core.identity import Caller
from billing_core.observability import count
from billing_core.payment_step import PaymentAction, payment_action
from billing_core.stripe_fields import field as g
from billing_core.stripe_fields import object_id as oid

from plan_change.cards import usable_payment_method
from plan_change.models import PlanState, SubscribeRequest, SubscribeResponse

if TYPE_CHECKING:
    from stripe.params import SubscriptionCreateParams

    from plan_change.logic import PlanChanger

#: Statuses of a subscription that has ended (a new one may be created).
ENDED = frozenset({"canceled", "incomplete_expired"})


def subscribe(
    ch: PlanChanger, caller: Caller, req: SubscribeRequest, key: IdempotencyKey, request_id: str
) -> SubscribeResponse:
    plan, price = ch.catalog.price(req.price_lookup_key)  # B2
    quantity = req.quantity or (plan.min_seats if plan.per_seat else 1)
    ch.catalog.check_quantity(plan, quantity)
    check_capacity(caller.account_id, plan, quantity, ch.store.sibling(AccountStore))  # a team's seats in use
    mapping = ch.directory.get_or_create(caller.account_id, caller.sub)
    customer_id = mapping.customer_id
    with ch._lease(caller.account_id):
        customer = ch.billing.customer(customer_id)
        subscriptions = ch.billing.subscriptions(customer_id)
        for existing in subscriptions:
            status = str(g(existing, "status") or "unknown")
            if status == "incomplete":
                # An abandoned first payment (e.g. 3-D Secure never finished): cancel it, nothing was charged.
                ch.billing.cancel_subscription(
                    str(existing.get("id")), {}, key.stripe(f"subscription.cancel_incomplete:{existing.get('id')}")
                )
            elif status not in ENDED:
                raise Conflict(code="subscription_exists", message="You already have a subscription.")
        trial_days = ch.catalog.trial_days(plan.id)
        trial = ch.catalog.trial
        had_trial = any(g(s, "trial_start") for s in subscriptions)
        if trial_days and trial is not None and trial.once_per_customer and had_trial:
            trial_days = None
        params: SubscriptionCreateParams = {
            "customer": customer_id,
            "items": [{"price": ch.billing.price_id(price.lookup_key), "quantity": quantity}],
            "payment_behavior": "default_incomplete",
            "payment_settings": {"save_default_payment_method": "on_subscription"},
            "billing_mode": {"type": "flexible", "flexible": {"proration_discounts": "itemized"}},
            "metadata": caller.stripe_metadata(),
            "expand": ["latest_invoice"],
        }
        if trial_days:
            params["trial_period_days"] = trial_days
        created = ch.billing.create_subscription(params, key.stripe("subscription.create"))
        sub_id = str(created.get("id"))
        status = str(g(created, "status"))
        after = ch.plan_state(created)
        default_pm = usable_payment_method(None, customer)
        payment: PaymentAction | None = None
        if status == "incomplete":
            invoice_id = oid(g(created, "latest_invoice"))
            if default_pm and invoice_id:
                try:
                    ch.billing.pay_invoice(invoice_id, default_pm, key.stripe("invoice.pay"))
                    status = "active"
                except PaymentFailed as err:
                    state = ch._payment_state(invoice_id)
                    payment = payment_action(
                        state.intent_status,
                        state.client_secret,
                        payment_intent=state.payment_intent,
                        invoice=invoice_id,
                        payment_method=default_pm,
                    )
                    if payment is not None and payment.status == "requires_action":
                        status = "requires_action"
                    else:
                        ch.billing.cancel_subscription(sub_id, {}, key.stripe("subscription.cancel_declined"))
                        ch._record(
                            caller,
                            "subscription.create",
                            request_id,
                            PlanState(),
                            PlanState(),
                            "payment_failed",
                            decline_code=err.decline_code,
                        )
                        raise
            else:
                state = ch._payment_state(invoice_id)
                payment = payment_action(
                    state.intent_status or "requires_payment_method",
                    state.client_secret,
                    payment_intent=state.payment_intent,
                    invoice=invoice_id,
                )
                if payment is None:
                    raise Conflict(code="payment_not_possible", message="The payment could not be started.")
                status = "requires_payment_method"
        after = after.model_copy(update={"status": status if status in ("active", "trialing") else "incomplete"})
        ch._record(caller, "subscription.create", request_id, PlanState(), after, subscription=sub_id)
        count("Subscribed")
        return SubscribeResponse(
            status=status,
            subscription_id=sub_id,
            plan=after,
            trial_end=g(created, "trial_end") if status == "trialing" else None,
            payment=payment,
            payment_method_needed_by=g(created, "trial_end") if status == "trialing" and not default_pm else None,
        )
