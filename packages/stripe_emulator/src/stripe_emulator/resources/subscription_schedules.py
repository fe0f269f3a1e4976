"""Subscription schedules: create (`from_subscription`), update phases, release, cancel, retrieve, list.

Creating with `customer` + `phases` (no existing subscription) is not emulated (400 with an explicit message).
"""

from __future__ import annotations

import copy
from typing import Any

from ..backend import Backend
from ..billing import schedules
from ..errors import invalid_request
from ..models.base import present
from ..models.subscriptions import SubscriptionSchedule


def create_schedule(b: Backend, p: dict[str, Any], request_id: str | None = None) -> SubscriptionSchedule:
    with b.lock:
        if not p.get("from_subscription"):
            raise invalid_request(
                "The emulator creates schedules only with `from_subscription`.", param="from_subscription"
            )
        if p.get("phases"):
            raise invalid_request("You cannot set `phases` if `from_subscription` is set.", param="phases")
        sub = b.get(p["from_subscription"], "subscription", param="from_subscription")
        if sub.get("schedule"):
            raise invalid_request(
                f"The subscription {sub['id']} is already attached to a schedule.", param="from_subscription"
            )
        if sub["status"] in ("canceled", "incomplete_expired", "incomplete"):
            raise invalid_request(
                f"A subscription with status {sub['status']} cannot be scheduled.", param="from_subscription"
            )
        now = b.now_for_customer(sub["customer"])
        cus = b.objects.get(sub["customer"]) or {}
        sched: SubscriptionSchedule = {
            "id": b.new_id("sub_sched"),
            "object": "subscription_schedule",
            "application": None,
            "billing_mode": copy.deepcopy(sub["billing_mode"]),
            "canceled_at": None,
            "completed_at": None,
            "created": now,
            "current_phase": None,
            "customer": sub["customer"],
            "customer_account": None,
            "default_settings": {
                "application_fee_percent": None,
                "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
                "billing_cycle_anchor": "automatic",
                "billing_thresholds": None,
                "collection_method": "charge_automatically",
                "default_payment_method": None,
                "description": None,
                "invoice_settings": {
                    "account_tax_ids": None,
                    "custom_fields": None,
                    "days_until_due": None,
                    "description": None,
                    "footer": None,
                    "issuer": {"type": "self"},
                },
                "on_behalf_of": None,
                "transfer_data": None,
            },
            "end_behavior": "release",
            "livemode": False,
            "metadata": p.get("metadata") or {},
            "pause_schedules": [],
            "phases": [],
            "released_at": None,
            "released_subscription": None,
            "status": "active",
            "subscription": sub["id"],
            "test_clock": cus.get("test_clock"),
        }
        items = [{"price": i["price"]["id"], "quantity": i["quantity"]} for i in sub["items"]["data"]]
        phase: dict[str, Any] = {
            "items": items,
            "end_date": sub["_period"][1],
            "start_date": sub["_period"][0],
            "discounts": [{"discount": did} for did in sub.get("discounts") or []],
        }
        if sub["status"] == "trialing" and sub.get("trial_end"):
            phase["trial_end"] = sub["trial_end"]
        sched["phases"] = []
        b.store(sched)
        schedules.set_phases(b, sched, sub, [phase])
        sub["schedule"] = sched["id"]
        b.emit("subscription_schedule.created", sched, request_id=request_id)
        return sched


def update_schedule(
    b: Backend, sched_id: str, p: dict[str, Any], request_id: str | None = None
) -> SubscriptionSchedule:
    with b.lock:
        sched = b.get(sched_id, "subscription_schedule")
        if sched["status"] not in ("active", "not_started"):
            raise invalid_request(f"You cannot update a subscription schedule that is {sched['status']}.")
        if "end_behavior" in p:
            sched["end_behavior"] = p["end_behavior"]
        if "metadata" in p:
            sched["metadata"] = {} if p["metadata"] == "" else {**(sched.get("metadata") or {}), **p["metadata"]}
        if p.get("phases"):
            schedules.set_phases(b, sched, b.objects[present(sched["subscription"])], p["phases"])
        b.emit("subscription_schedule.updated", sched, request_id=request_id)
        return sched
