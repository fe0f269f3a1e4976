"""In-memory fake of the Stripe customers API for core unit tests (no sockets)."""

from __future__ import annotations

import itertools
import threading
import time
from types import SimpleNamespace
from typing import Any

from billing_core.stripe_gateway import StripeGateway


class Obj(dict):
    """A dict with attribute access, like a StripeObject."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class FakeCustomers:
    def __init__(self, delay: float = 0.0) -> None:
        self.by_id: dict[str, Obj] = {}
        self.by_key: dict[str, str] = {}
        self.create_calls = 0
        self.search_calls = 0
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.delay = delay

    def create(self, params: dict[str, Any] | None = None, options: dict[str, Any] | None = None) -> Obj:
        time.sleep(self.delay)
        key = (options or {}).get("idempotency_key")
        with self._lock:
            self.create_calls += 1
            if key and key in self.by_key:
                return self.by_id[self.by_key[key]]
            customer = Obj(id=f"cus_fake{next(self._ids)}", object="customer", **(params or {}))
            self.by_id[customer["id"]] = customer
            if key:
                self.by_key[key] = customer["id"]
            return customer

    def search(self, params: dict[str, Any] | None = None) -> Obj:
        with self._lock:
            self.search_calls += 1
        return Obj(data=[])


class FakeStripe:
    def __init__(self, delay: float = 0.0) -> None:
        self.customers = FakeCustomers(delay)
        self.v1 = SimpleNamespace(customers=self.customers)


def fake_gateway(delay: float = 0.0) -> tuple[StripeGateway, FakeStripe]:
    fake = FakeStripe(delay)
    return StripeGateway(client=fake), fake  # type: ignore[arg-type]
