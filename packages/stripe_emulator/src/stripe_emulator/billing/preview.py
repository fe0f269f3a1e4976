"""`POST /v1/invoices/create_preview`: run the real update on a copy of the account, keep the invoice, undo.

Because the preview executes the same update and invoicing code as the real call, its lines and `amount_due`
equal to the cent what the update then bills (pass the preview's `proration_date` to the update). With
`always_invoice` (or an anchor reset) the preview is the invoice the update creates at once; otherwise it is the
next renewal invoice, which carries the pending prorations.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

from ..backend import Backend
from ..errors import invalid_request
from ..models.base import Rendered, present
from ..models.invoices import Invoice
from ..models.subscriptions import Subscription
from ..resources.invoice_items import create_invoice_item
from . import common, invoicing, schedules
from . import subscription_core as core
from .cancel import cancel_subscription
from .invoice_shape import compute_totals, new_invoice
from .pause import pause_subscription
from .resume import resume_subscription
from .subscription_create import create_subscription
from .subscription_update import update_subscription

#: Private per-account state the update code may change (restored after the preview).
_EXTRA_STATE = ("invoice_numbers", "billing_settings")


class _CopyOnRead(MutableMapping[str, dict[str, Any]]):
    """The account's objects as the preview sees them: an object is deep-copied the first time it is read, so the
    update code mutates copies and the real objects stay as they were. New and deleted objects stay in the overlay.

    Only what the update touches is copied (the customer's subscription, items, invoices, prices...), not the whole
    account; dropping the overlay afterwards undoes everything.
    """

    def __init__(self, base: MutableMapping[str, dict[str, Any]]) -> None:
        self._base = base
        self._copies: dict[str, dict[str, Any]] = {}
        self._deleted: set[str] = set()

    def __getitem__(self, key: str) -> dict[str, Any]:
        if key in self._copies:
            return self._copies[key]
        if key in self._deleted:
            raise KeyError(key)
        obj = self._copies[key] = copy.deepcopy(self._base[key])
        return obj

    def __setitem__(self, key: str, value: dict[str, Any]) -> None:
        self._copies[key] = value
        self._deleted.discard(key)

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        self._copies.pop(key, None)
        if key in self._base:
            self._deleted.add(key)

    def __contains__(self, key: object) -> bool:
        return key in self._copies or (key in self._base and key not in self._deleted)

    def __iter__(self) -> Iterator[str]:
        yield from (k for k in self._base if k not in self._deleted)
        yield from (k for k in self._copies if k not in self._base)

    def __len__(self) -> int:
        return sum(1 for _ in self)


@contextmanager
def _sandbox(b: Backend) -> Iterator[None]:
    """Run the block against a throw-away view of the account (call with `b.lock` held); no event is delivered."""
    saved = (b.objects, b.by_type, b.by_customer, b.events, b.seq, b.event_listeners)
    saved_extra = {k: copy.deepcopy(b.extra[k]) for k in _EXTRA_STATE if k in b.extra}
    b.objects = _CopyOnRead(b.objects)
    b.by_type = {kind: list(ids) for kind, ids in b.by_type.items()}
    b.by_customer = {key: list(ids) for key, ids in b.by_customer.items()}
    b.events = list(b.events)
    b.event_listeners = []
    b.extra["_preview"] = True
    try:
        yield
    finally:
        b.extra.pop("_preview", None)
        b.objects, b.by_type, b.by_customer, b.events, b.seq, b.event_listeners = saved
        for key in _EXTRA_STATE:
            if key in saved_extra:
                b.extra[key] = saved_extra[key]
            else:
                b.extra.pop(key, None)


def create_preview(b: Backend, p: dict[str, Any]) -> Rendered:
    with b.lock:
        if not p.get("subscription") and not p.get("customer"):
            raise invalid_request("Missing required param: customer or subscription.", param="customer")
        with _sandbox(b):
            inv = _build(b, p)
            compute_totals(b, inv, apply_balance=True)
            out = b.render(inv, p.get("expand") or [])
        out["id"] = "upcoming_" + out["id"]
        for li in out["lines"]["data"]:
            li["invoice"] = out["id"]
        out["lines"]["url"] = "/v1/invoices/upcoming/lines"
        return out


def _build(b: Backend, p: dict[str, Any]) -> Invoice:
    if not p.get("subscription") and (p.get("subscription_details") or {}).get("items"):
        return _new_subscription(b, p)
    if not p.get("subscription"):
        cus = b.get(p["customer"], "customer", param="customer")
        for spec in p.get("invoice_items") or []:
            create_invoice_item(b, {**spec, "customer": cus["id"]})
        inv = new_invoice(b, cus["id"], billing_reason="manual")
        for ii in invoicing.pending_items(b, cus["id"], None):
            invoicing.invoice_item_line(b, inv, ii)
        _preview_discounts(b, inv, p)
        return inv
    sub = b.get(p["subscription"], "subscription", param="subscription")
    if p.get("customer") and p["customer"] != sub["customer"]:
        raise invalid_request("The subscription does not belong to this customer.", param="customer")
    details = dict(p.get("subscription_details") or {})
    anchor = details.get("billing_cycle_anchor")
    if isinstance(anchor, dict) and anchor.get("type") not in ("now", "unchanged"):
        raise invalid_request(
            "For existing subscriptions, subscription_details[billing_cycle_anchor] can only be `now` or `unchanged`.",
            param="subscription_details[billing_cycle_anchor][type]",
        )
    if details.get("pause") or details.get("resume_at"):
        return _pause_or_resume(b, sub, details, p)
    latest = sub.get("latest_invoice")
    proration_date = details.get("proration_date")
    if details:
        params = {
            k: v
            for k, v in details.items()
            if k
            in (
                "items",
                "proration_behavior",
                "proration_date",
                "billing_cycle_anchor",
                "cancel_at_period_end",
                "cancel_at",
                "trial_end",
                "metadata",
            )
        }
        if proration_date is None and details.get("items"):
            params["proration_date"] = proration_date = b.now_for_customer(sub["customer"])
        if details.get("cancel_now"):
            cancel_subscription(
                b, sub["id"], {"prorate": details.get("proration_behavior") != "none", "invoice_now": True}
            )
        else:
            update_subscription(b, sub["id"], params)
    if sub.get("latest_invoice") != latest and sub.get("latest_invoice"):
        inv = b.objects[present(sub["latest_invoice"])]
    else:
        inv = _next_renewal(b, sub)
    if inv["parent"] is not None:
        inv["parent"]["subscription_details"]["subscription_proration_date"] = proration_date
    _preview_discounts(b, inv, p)
    return inv


def _pause_or_resume(b: Backend, sub: Subscription, details: dict[str, Any], p: dict[str, Any]) -> Invoice:
    """`subscription_details.pause` / `resume_at=now` (stripe-python 16's
    `InvoiceCreatePreviewParamsSubscriptionDetails`): the invoice pausing would create (only with
    `invoicing_behavior=invoice` and something to bill: "`pending_invoice_item` never has a preview available"), or
    the resumption invoice (when resuming creates none, the next invoice with the pending prorations)."""
    latest = sub.get("latest_invoice")
    if details.get("pause"):
        pause_subscription(b, sub["id"], dict(details["pause"]))
        if sub.get("latest_invoice") == latest:
            raise invalid_request(
                "No invoice to preview: pausing with these options creates no invoice.",
                code="invoice_upcoming_none",
                status=404,
            )
    else:
        keys = ("billing_cycle_anchor", "proration_behavior", "proration_date")
        resume_subscription(b, sub["id"], {k: details[k] for k in keys if k in details})
    inv = b.objects[present(sub["latest_invoice"])] if sub.get("latest_invoice") != latest else _next_renewal(b, sub)
    _preview_discounts(b, inv, p)
    return inv


def _new_subscription(b: Backend, p: dict[str, Any]) -> Invoice:
    """The first invoice of a subscription not created yet: the real create code, run in the sandbox."""
    details = p["subscription_details"]
    params: dict[str, Any] = {
        "customer": p.get("customer"),
        "payment_behavior": "allow_incomplete",  # nothing is finalized or charged in the sandbox
        **{
            k: details[k]
            for k in ("items", "trial_end", "billing_mode", "cancel_at", "metadata", "proration_behavior")
            if k in details
        },
    }
    anchor = details.get("billing_cycle_anchor")
    if isinstance(anchor, dict):
        kind = anchor.get("type")
        if kind == "timestamp":
            if anchor.get("timestamp") is None:
                raise invalid_request(
                    "Missing required param: subscription_details[billing_cycle_anchor][timestamp].",
                    param="subscription_details[billing_cycle_anchor][timestamp]",
                )
            params["billing_cycle_anchor"] = int(anchor["timestamp"])
        elif kind not in ("now", "unchanged"):
            raise invalid_request(
                "Invalid subscription_details[billing_cycle_anchor][type]: must be now, timestamp or unchanged.",
                param="subscription_details[billing_cycle_anchor][type]",
            )
    elif anchor not in (None, "", "now", "unchanged"):
        params["billing_cycle_anchor"] = int(anchor)
    if details.get("start_date"):
        raise invalid_request(
            "The emulator does not preview subscriptions with a start_date.",
            param="subscription_details[start_date]",
        )
    if p.get("discounts"):
        params["discounts"] = p["discounts"]
    sub = create_subscription(b, params)
    latest: Invoice = b.objects[present(sub["latest_invoice"])]
    return latest


def _preview_discounts(b: Backend, inv: Invoice, p: dict[str, Any]) -> None:
    if p.get("discounts") is not None:
        inv["discounts"] = common.make_discounts(
            b, p["discounts"] or [], customer=present(inv["customer"]), start=inv["created"]
        )


def _next_renewal(b: Backend, sub: Subscription) -> Invoice:
    """The invoice the next period boundary (or trial end) will create, built by the renewal code."""
    if sub["status"] in ("canceled", "incomplete_expired", "paused") or sub.get("cancel_at_period_end"):
        raise _no_upcoming()  # a paused subscription generates no invoices until it resumes
    at = _boundary(sub)
    clock = b.objects.get((b.objects.get(sub["customer"]) or {}).get("test_clock") or "")
    sched = b.objects.get(sub.get("schedule") or "")
    phase_end = ((sched or {}).get("current_phase") or {}).get("end_date")
    if sched is not None and sched["status"] == "active" and phase_end is not None and phase_end <= at:
        # The schedule's next phase starts first (as the clock would run it): the invoice bills its items,
        # quantities, discounts and trial.
        if clock is not None:
            clock["frozen_time"] = phase_end
        schedules.advance_phase(b, sched, phase_end)
        if sub["status"] in ("canceled", "incomplete_expired"):
            raise _no_upcoming()
        at = _boundary(sub)
    if sub["status"] == "trialing":
        sub["billing_cycle_anchor"] = at
    interval, count = sub["_interval"]
    end = common.period_end_after(sub["billing_cycle_anchor"], at, interval, count)
    if clock is not None:
        clock["frozen_time"] = at
    core.set_period(sub, at, end)
    inv = core.sub_invoice(b, sub, reason="subscription_cycle", period=(at, end), cycle_lines=True)
    inv["created"] = at
    return inv


def _boundary(sub: Subscription) -> int:
    """When the next invoice is made: the trial end while trialing, else the current period's end."""
    if sub["status"] == "trialing" and sub.get("trial_end"):
        return int(present(sub["trial_end"]))
    return int(sub["_period"][1])


def _no_upcoming() -> Exception:
    return invalid_request(
        "No upcoming invoices for customer: the subscription will not renew.",
        code="invoice_upcoming_none",
        status=404,
    )
