"""H5: the lookup_key <-> price id cache refreshes on a miss and on a freshly booted host."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from billing_core.errors import NotFound
from billing_core.price_ids import PriceIds


class Gateway:
    """Just enough of StripeGateway.call for prices.list / prices.retrieve."""

    def __init__(self, prices: dict[str, str | None]) -> None:
        self.prices = prices  # id -> lookup_key
        self.calls: list[tuple[str, Any]] = []

    def call(self, operation: str, fn: Any) -> Any:
        client = SimpleNamespace(v1=SimpleNamespace(prices=SimpleNamespace(list=self._list, retrieve=self._retrieve)))
        self.calls.append((operation, None))
        return fn(client)

    def _list(self, params: dict[str, Any]) -> Any:
        assert len(params["lookup_keys"]) <= 10
        self.calls[-1] = ("prices.list", tuple(params["lookup_keys"]))
        data = [SimpleNamespace(id=i, lookup_key=k) for i, k in self.prices.items() if k in params["lookup_keys"]]
        return SimpleNamespace(data=data)

    def _retrieve(self, price_id: str) -> Any:
        if price_id not in self.prices:
            raise NotFound()
        return SimpleNamespace(id=price_id, lookup_key=self.prices[price_id])


KEYS = ["starter_monthly", "pro_monthly"]


def test_h5_an_empty_cache_is_stale_even_when_the_host_booted_a_moment_ago() -> None:
    cache = PriceIds(clock=lambda: 12.0)  # time.monotonic() right after boot
    assert cache.stale()
    gw = Gateway({"price_s1": "starter_monthly"})
    assert cache.lookup_key("price_s1", gw, KEYS) == "starter_monthly"  # type: ignore[arg-type]


def test_h5_a_key_missing_from_the_cache_reloads_once() -> None:
    now = [1000.0]
    cache = PriceIds(clock=lambda: now[0])
    gw = Gateway({"price_s1": "starter_monthly"})
    cache.refresh(gw, KEYS)  # type: ignore[arg-type]
    gw.prices = {"price_s1": None, "price_s2": "starter_monthly", "price_p1": "pro_monthly"}
    assert cache.price_id("pro_monthly", gw, KEYS) == "price_p1"  # type: ignore[arg-type]
    assert cache.price_id("starter_monthly", gw, KEYS) == "price_s2"  # type: ignore[arg-type]
    assert [op for op, _ in gw.calls] == ["prices.list", "prices.list"]
    assert cache.price_id("unknown_key", gw, KEYS) is None  # type: ignore[arg-type]


def test_h5_an_unknown_price_id_is_retrieved_once_and_remembered() -> None:
    cache = PriceIds(clock=lambda: 1000.0)
    gw = Gateway({"price_s1": "starter_monthly"})
    cache.refresh(gw, KEYS)  # type: ignore[arg-type]
    gw.prices.update({"price_s2": "starter_monthly", "price_legacy": None})
    assert cache.lookup_key("price_s2", gw, KEYS) == "starter_monthly"  # type: ignore[arg-type]
    assert cache.lookup_key("price_legacy", gw, KEYS) is None  # type: ignore[arg-type]
    assert cache.lookup_key("price_legacy", gw, KEYS) is None  # type: ignore[arg-type]
    assert cache.lookup_key("price_gone", gw, KEYS) is None  # type: ignore[arg-type]
    assert [op for op, _ in gw.calls] == ["prices.list"] + ["prices.retrieve"] * 3


def test_the_cache_expires_after_its_ttl() -> None:
    now = [1000.0]
    cache = PriceIds(ttl_s=300, clock=lambda: now[0])
    gw = Gateway({"price_p1": "pro_monthly"})
    assert cache.price_id("pro_monthly", gw, KEYS) == "price_p1"  # type: ignore[arg-type]
    gw.prices = {"price_p2": "pro_monthly"}
    assert cache.price_id("pro_monthly", gw, KEYS) == "price_p1"  # type: ignore[arg-type]
    now[0] += 301
    assert cache.price_id("pro_monthly", gw, KEYS) == "price_p2"  # type: ignore[arg-type]


def test_more_than_ten_lookup_keys_are_listed_in_chunks() -> None:
    keys = [f"plan_{n}_monthly" for n in range(23)]
    gw = Gateway({f"price_{n}": f"plan_{n}_monthly" for n in range(23)})
    cache = PriceIds(clock=lambda: 1000.0)
    assert cache.price_id("plan_22_monthly", gw, keys) == "price_22"  # type: ignore[arg-type]
    assert [len(k) for _, k in gw.calls] == [10, 10, 3]
