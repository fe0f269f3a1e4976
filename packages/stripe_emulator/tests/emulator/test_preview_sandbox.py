# mypy: disable-error-code="union-attr, arg-type, index, typeddict-unknown-key, typeddict-item"
"""`invoices.create_preview` runs the real update on a copy-on-read view of the account: it leaves no trace."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import stripe
from stripe_emulator.billing.preview import _CopyOnRead

from .billing_setup import DAY, T0, advance, clock_customer, price


def _state(emulator: Any) -> Any:
    b = emulator.backend
    extra = {k: b.extra.get(k) for k in ("invoice_numbers", "billing_settings", "_preview")}
    return copy.deepcopy((dict(b.objects), b.by_type, list(b.events), b.seq, extra))


@pytest.mark.parametrize(
    "details",
    [
        {"proration_behavior": "always_invoice"},
        {"proration_behavior": "create_prorations"},
        {"cancel_now": True},
        {"cancel_at_period_end": True},
        None,
    ],
)
def test_preview_leaves_the_account_unchanged(
    stripe_client: stripe.StripeClient, stripe_emulator: Any, details: dict[str, Any] | None
) -> None:
    clock, cus, _ = clock_customer(stripe_client)
    starter, pro = price(stripe_client, 1000), price(stripe_client, 3000, name="Business")
    sub = stripe_client.v1.subscriptions.create({"customer": cus.id, "items": [{"price": starter.id}]})
    advance(stripe_client, clock.id, T0 + 40 * DAY)  # a renewal invoice exists, the clock is mid-period
    params: dict[str, Any] = {"subscription": sub.id}
    if details is not None and "proration_behavior" in details:
        item = sub["items"].data[0].id
        params["subscription_details"] = {**details, "items": [{"id": item, "price": pro.id}]}
    elif details is not None:
        params["subscription_details"] = details
    before = _state(stripe_emulator)

    if details == {"cancel_at_period_end": True}:  # the update runs, then the preview fails: undone all the same
        with pytest.raises(stripe.InvalidRequestError, match="will not renew"):
            stripe_client.v1.invoices.create_preview(params)
    else:
        assert stripe_client.v1.invoices.create_preview(params).id.startswith("upcoming_in_")

    assert _state(stripe_emulator) == before


def test_copy_on_read_view_never_writes_through() -> None:
    base: dict[str, dict[str, Any]] = {"a": {"n": [1]}, "b": {"n": [2]}}
    view = _CopyOnRead(base)

    view["a"]["n"].append(9)  # a read hands out a copy, kept for the next read
    assert view["a"] == {"n": [1, 9]} and view["a"] is view["a"]
    view["c"] = {"n": [3]}
    del view["b"]

    assert base == {"a": {"n": [1]}, "b": {"n": [2]}}
    assert "b" not in view and view.get("b") is None and "c" in view
    assert sorted(view) == ["a", "c"] and len(view) == 2
    with pytest.raises(KeyError):
        del view["b"]
