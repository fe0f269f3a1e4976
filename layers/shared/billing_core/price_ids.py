"""Catalog ``lookup_key`` <-> Stripe price id, cached briefly; a miss refreshes, never shows nothing (H5).

The catalog names prices by ``lookup_key``; Stripe objects (subscription schedules, their phases) name them by
id. Both directions come from one ``prices.list`` of the catalog's lookup keys (at most 10 per call, as Stripe
allows; see stripe-python's ``PriceListParams.lookup_keys``), kept for ``PRICE_CACHE_TTL_S``:

* :meth:`PriceIds.price_id` — a key the cache does not know reloads the list once before giving up, so a price
  created after the cache was filled (catalog sync with ``transfer_lookup_key``) is found at once;
* :meth:`PriceIds.lookup_key` — an id the cache does not know is retrieved on its own (``prices.retrieve``) and
  remembered, also when it has no lookup key (a price outside the catalog), so it costs one read per process.

"Never loaded" is its own state (not ``loaded_at == 0``: ``time.monotonic()`` starts near zero on a freshly
booted host, which made an empty cache look fresh for its first five minutes).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from billing_core.errors import NotFound
from billing_core.stripe_fields import field
from billing_core.stripe_gateway import StripeGateway

PRICE_CACHE_TTL_S = 300
#: Stripe accepts at most 10 ``lookup_keys`` per ``prices.list`` call.
LOOKUP_KEYS_PER_CALL = 10


def list_catalog_prices(gateway: StripeGateway, keys: Iterable[str]) -> dict[str, str]:
    """lookup_key -> id of the active prices that carry the given lookup keys."""
    wanted = sorted(set(keys))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), LOOKUP_KEYS_PER_CALL):
        chunk = wanted[start : start + LOOKUP_KEYS_PER_CALL]
        page = gateway.call(
            "prices.list",
            lambda c: c.v1.prices.list(params={"lookup_keys": chunk, "active": True, "limit": 100}),  # noqa: B023 - called at once, in this iteration
        )
        for price in page.data:
            key = field(price, "lookup_key")
            if isinstance(key, str) and key:
                found[key] = str(price.id)
    return found


class PriceIds:
    """The process-wide cache (one per Lambda container). Callers pass their gateway and the catalog's keys."""

    def __init__(self, ttl_s: float = PRICE_CACHE_TTL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._ids: dict[str, str] = {}
        self._keys_by_id: dict[str, str | None] = {}
        self._loaded_at: float | None = None

    def stale(self) -> bool:
        with self._lock:
            return self._loaded_at is None or self._clock() - self._loaded_at > self._ttl

    def refresh(self, gateway: StripeGateway, keys: Iterable[str]) -> None:
        """Reload every catalog price (one ``prices.list`` per 10 lookup keys)."""
        ids = list_catalog_prices(gateway, keys)
        with self._lock:
            self._ids = ids
            self._keys_by_id = {price_id: key for key, price_id in ids.items()}
            self._loaded_at = self._clock()

    def price_id(self, lookup_key: str, gateway: StripeGateway, keys: Iterable[str]) -> str | None:
        """The active price id of a catalog lookup key; a miss or a stale cache reloads once."""
        if not self.stale():
            with self._lock:
                found = self._ids.get(lookup_key)
            if found:
                return found
        self.refresh(gateway, keys)
        with self._lock:
            return self._ids.get(lookup_key)

    def lookup_key(self, price: Any, gateway: StripeGateway, keys: Iterable[str]) -> str | None:
        """The lookup key of a price given as an id or an object; an unknown id is retrieved once."""
        if price is None:
            return None
        if not isinstance(price, str):
            key = field(price, "lookup_key")
            return key if isinstance(key, str) else None
        if self.stale():
            self.refresh(gateway, keys)
        with self._lock:
            if price in self._keys_by_id:
                return self._keys_by_id[price]
        try:
            retrieved = gateway.call("prices.retrieve", lambda c: c.v1.prices.retrieve(price))
        except NotFound:
            return None
        key = field(retrieved, "lookup_key")
        key = key if isinstance(key, str) and key else None
        with self._lock:
            self._keys_by_id[price] = key
        return key

    def reset(self) -> None:
        with self._lock:
            self._ids, self._keys_by_id, self._loaded_at = {}, {}, None


_price_ids = PriceIds()


def get_price_ids() -> PriceIds:
    return _price_ids


def reset_price_ids() -> None:
    _price_ids.reset()


__all__ = ["PRICE_CACHE_TTL_S", "PriceIds", "get_price_ids", "list_catalog_prices", "reset_price_ids"]
