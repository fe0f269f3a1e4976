"""An in-memory Stripe holding one account's read-side objects (endive shapes), for billing_read unit tests."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any

from billing_core.errors import NotFound


class Obj:
    """Attribute access only, like stripe-python 16's StripeObject (which is not a dict)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def obj(value: Any) -> Any:
    if isinstance(value, dict):
        return Obj({k: obj(v) for k, v in value.items()})
    if isinstance(value, list):
        return [obj(v) for v in value]
    return value


def missing() -> Exception:
    import stripe

    return stripe.InvalidRequestError("No such object", param="id", code="resource_missing", http_status=404)


class FakeReadStripe:
    """``delay`` seconds per call; ``calls`` records (operation, args) in order; ``in_flight_max`` peaks."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.customers_: dict[str, dict] = {}
        self.subscriptions: list[dict] = []
        self.payment_methods: list[dict] = []
        self.invoices: list[dict] = []
        self.tax_ids: list[dict] = []
        self.prices: list[dict] = []
        self.previews: dict[str, dict] = {}
        """subscription id -> its upcoming invoice (``upcoming_invoice(...)``)."""
        self.calls: list[str] = []
        self._lock = threading.Lock()
        self._in_flight = 0
        self.in_flight_max = 0
        s = self
        self.v1 = SimpleNamespace(
            customers=SimpleNamespace(
                retrieve=lambda cid, *a, **k: s._op("customers.retrieve", lambda: s._customer(cid)),
                create=lambda *a, **k: s._op("customers.create", lambda: obj({"id": "cus_new"})),
                search=lambda *a, **k: s._op("customers.search", lambda: obj({"data": []})),
                payment_methods=SimpleNamespace(
                    list=lambda cid, params=None, options=None: s._op(
                        "payment_methods.list", lambda: s._list([p for p in s.payment_methods if p["customer"] == cid])
                    )
                ),
                tax_ids=SimpleNamespace(
                    list=lambda cid, params=None, options=None: s._op(
                        "tax_ids.list", lambda: s._list([t for t in s.tax_ids if t["customer"] == cid])
                    )
                ),
            ),
            subscriptions=SimpleNamespace(
                list=lambda params=None, options=None: s._op(
                    "subscriptions.list",
                    lambda: s._list([x for x in s.subscriptions if x["customer"] == params["customer"]]),
                )
            ),
            invoices=SimpleNamespace(
                list=lambda params=None, options=None: s._op("invoices.list", lambda: s._invoice_page(params)),
                retrieve=lambda iid, *a, **k: s._op("invoices.retrieve", lambda: s._invoice(iid)),
                create_preview=lambda params=None, options=None: s._op(
                    "invoices.create_preview", lambda: s._preview(params)
                ),
            ),
            prices=SimpleNamespace(
                list=lambda params=None, options=None: s._op("prices.list", lambda: s._list(s.prices))
            ),
        )

    def _op(self, name: str, fn):
        with self._lock:
            self.calls.append(name)
            self._in_flight += 1
            self.in_flight_max = max(self.in_flight_max, self._in_flight)
        try:
            time.sleep(self.delay)
            return fn()
        finally:
            with self._lock:
                self._in_flight -= 1

    def _list(self, items: list[dict], has_more: bool = False) -> Obj:
        return obj({"object": "list", "data": items, "has_more": has_more})

    def _customer(self, cid: str) -> Obj:
        if cid not in self.customers_:
            raise missing()
        return obj(self.customers_[cid])

    def _invoice(self, iid: str) -> Obj:
        for inv in self.invoices:
            if inv["id"] == iid:
                return obj(inv)
        raise missing()

    def _invoice_page(self, params: dict) -> Obj:
        mine = sorted((i for i in self.invoices if i["customer"] == params["customer"]), key=lambda i: -i["created"])
        if params.get("starting_after"):
            ids = [i["id"] for i in mine]
            mine = mine[ids.index(params["starting_after"]) + 1 :]
        limit = params.get("limit", 10)
        return self._list(mine[:limit], has_more=len(mine) > limit)

    def _preview(self, params: dict) -> Obj:
        if params["subscription"] not in self.previews:
            raise NotFound()
        return obj(self.previews[params["subscription"]])


NOW = 1_800_000_000
DAY = 86400


def upcoming_invoice(amount_due: int, starts: int, ends: int | None = None) -> dict:
    """An upcoming invoice as Stripe previews it: one recurring line for the period starting at ``starts``."""
    line = {
        "amount": amount_due,
        "period": {"start": starts, "end": ends or starts + 30 * DAY},
        "parent": {"type": "subscription_item_details", "subscription_item_details": {"proration": False}},
    }
    return {"object": "invoice", "amount_due": amount_due, "lines": {"data": [line]}}


def seed_active_pro(fake: FakeReadStripe, customer_id: str = "cus_A") -> None:
    fake.customers_[customer_id] = {
        "id": customer_id,
        "object": "customer",
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "phone": None,
        "address": {
            "line1": "1 Analytical Way",
            "city": "London",
            "country": "GB",
            "postal_code": "N1",
            "line2": None,
            "state": None,
        },
        "invoice_settings": {"default_payment_method": "pm_visa"},
    }
    fake.subscriptions.append(
        {
            "id": "sub_A",
            "object": "subscription",
            "customer": customer_id,
            "status": "active",
            "created": NOW - 300 * DAY,
            "cancel_at_period_end": False,
            "cancel_at": None,
            "trial_end": None,
            "currency": "usd",
            "discounts": [
                {
                    "id": "di_1",
                    "end": NOW + 60 * DAY,
                    "source": {"type": "coupon", "coupon": {"id": "RET", "name": "30% off", "percent_off": 30.0}},
                }
            ],
            "schedule": {
                "id": "sub_sched_1",
                "current_phase": {"start_date": NOW - 10 * DAY, "end_date": NOW + 20 * DAY},
                "phases": [
                    {"start_date": NOW - 10 * DAY, "items": [{"price": "price_pro_m", "quantity": 1}]},
                    {"start_date": NOW + 20 * DAY, "items": [{"price": "price_starter_m", "quantity": 1}]},
                ],
            },
            "items": {
                "data": [
                    {
                        "id": "si_A",
                        "quantity": 1,
                        "current_period_start": NOW - 10 * DAY,
                        "current_period_end": NOW + 20 * DAY,
                        "price": {
                            "id": "price_pro_m",
                            "lookup_key": "pro_monthly",
                            "unit_amount": 2900,
                            "currency": "usd",
                            "recurring": {"interval": "month"},
                        },
                    }
                ]
            },
        }
    )
    fake.previews["sub_A"] = upcoming_invoice(2030, NOW + 20 * DAY)
    fake.prices += [
        {"id": "price_pro_m", "lookup_key": "pro_monthly"},
        {"id": "price_starter_m", "lookup_key": "starter_monthly"},
    ]
    fake.payment_methods += [
        {
            "id": "pm_visa",
            "customer": customer_id,
            "type": "card",
            "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2099},
        },
        {
            "id": "pm_old",
            "customer": customer_id,
            "type": "card",
            "card": {"brand": "mastercard", "last4": "4444", "exp_month": 1, "exp_year": 2020},
        },
    ]
    fake.tax_ids.append(
        {
            "id": "txi_1",
            "customer": customer_id,
            "type": "eu_vat",
            "value": "DE123456789",
            "verification": {"status": "verified"},
        }
    )
    for n in range(15):
        fake.invoices.append(
            {
                "id": f"in_{n:02d}",
                "customer": customer_id,
                "number": f"ADA-{n:04d}",
                "created": NOW - (15 - n) * 30 * DAY,
                "total": 2900,
                "amount_due": 2900,
                "amount_remaining": 0,
                "currency": "usd",
                "status": "paid",
                "invoice_pdf": f"https://pay.example/{n}.pdf",
                "hosted_invoice_url": f"https://pay.example/{n}",
                "parent": {"type": "subscription_details", "subscription_details": {"subscription": "sub_A"}},
            }
        )
