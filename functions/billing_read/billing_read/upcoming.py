"""The next payment of a subscription, read from Stripe's upcoming invoice (``invoices.create_preview``, H3).

The amount is the preview's ``amount_due`` (after discounts and the customer's credit balance). The date is when
that invoice falls due: the period start of its recurring (non-proration) lines, which is the trial end for a
trial, the phase start for a scheduled change and the period end otherwise; ``next_payment_attempt`` and then
``period_end`` are the fallbacks for an invoice without recurring lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from billing_core.stripe_fields import field as _g


@dataclass(frozen=True)
class NextInvoice:
    amount: int
    date: int | None


def next_invoice(preview: Any) -> NextInvoice | None:
    amount = _g(preview, "amount_due")
    if not isinstance(amount, int):
        return None
    starts = [
        _g(line, "period", "start")
        for line in _g(preview, "lines", "data") or []
        if not _g(line, "parent", "subscription_item_details", "proration")
    ]
    dated = [s for s in starts if isinstance(s, int)]
    date = min(dated) if dated else None
    if date is None:
        for name in ("next_payment_attempt", "period_end"):
            value = _g(preview, name)
            if isinstance(value, int):
                date = value
                break
    return NextInvoice(amount=amount, date=date)
