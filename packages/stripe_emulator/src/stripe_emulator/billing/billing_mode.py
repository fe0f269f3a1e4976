"""Billing mode (`classic` | `flexible`) and flexible mode's proration arithmetic.

Checked against stripe-python 16 (API 2026-10-28.endive): `SubscriptionCreateParamsBillingMode.type` "If no value
is passed, the default is `flexible`" (same for schedules, invoice previews and Checkout Sessions);
`billing_mode.flexible.proration_discounts` is `included` | `itemized`, and Stripe's changelog 2025-09-30
"itemize proration discount amounts" makes `itemized` the opt-in, so `included` is the default.
`POST /v1/subscriptions/{id}/migrate` only accepts `type=flexible` (classic -> flexible, never back).

Flexible prorations (Stripe's "Compare classic and flexible billing mode"):
- a credit is computed from the amount originally debited for the credited time, not from the item's current
  price/quantity/discounts; when that time was debited by several charges, each gets its own credit line.
  The emulator keeps a ledger of debits per subscription item (`sub["_debits"]`): every cycle line and every
  "Remaining time" proration records {item, start, end, amount (net), gross, discounts}. Crediting at `at` credits
  each debit still covering `at` by `amount * (end - at) / (end - start)` and cuts it at `at`.
- `proration_discounts=included`: a proration line's `amount` is net of the subscription's discounts and its
  `discount_amounts` name them with amount 0; the invoice's `total_discount_amounts` leaves them out.
  `itemized`: the line's `amount` is gross and `discount_amounts` carry the real discount amounts.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..backend import Backend
from ..errors import invalid_request
from ..models.catalog import Price
from ..models.invoices import Invoice, InvoiceItem
from ..models.subscriptions import Subscription
from ..resources.invoice_items import new_invoice_item
from . import common

PRORATION_DISCOUNTS = ("included", "itemized")


def parse(p: Any, now: int, param: str = "billing_mode") -> dict[str, Any]:
    """The stored `billing_mode` for a create call's param (absent -> flexible/included)."""
    spec = p if isinstance(p, dict) else {}
    kind = spec.get("type") or "flexible"
    if kind not in ("classic", "flexible"):
        raise invalid_request(
            f"Invalid billing_mode[type]: must be one of classic or flexible (got {kind}).", param=f"{param}[type]"
        )
    flex = spec.get("flexible") or {}
    if kind == "classic":
        if flex:
            raise invalid_request(
                "`billing_mode[flexible]` can only be set when `billing_mode[type]` is `flexible`.",
                param=f"{param}[flexible]",
            )
        return {"flexible": None, "type": "classic", "updated_at": now}
    how = flex.get("proration_discounts") or "included"
    if how not in PRORATION_DISCOUNTS:
        raise invalid_request(
            "Invalid billing_mode[flexible][proration_discounts]: must be one of included or itemized.",
            param=f"{param}[flexible][proration_discounts]",
        )
    return {"flexible": {"proration_discounts": how}, "type": "flexible", "updated_at": now}


def is_flexible(sub: Subscription) -> bool:
    return bool((sub.get("billing_mode") or {}).get("type") == "flexible")


def itemized(sub: Subscription) -> bool:
    return bool(((sub.get("billing_mode") or {}).get("flexible") or {}).get("proration_discounts") == "itemized")


def migrate(b: Backend, sub: Subscription, p: dict[str, Any]) -> None:
    """classic -> flexible; `included` -> `itemized` is allowed, never the way back.

    Migrating to the settings the subscription already has changes nothing (no new `updated_at`, no event): Stripe's
    migrate reference ("Upgrade the billing_mode of an existing subscription", stripe-python 16's
    `SubscriptionMigrateParams`) documents no refusal for it, so a retried migration is answered like the first.
    """
    spec = p.get("billing_mode") or {}
    if spec.get("type") != "flexible":
        raise invalid_request(
            "Subscriptions can only be migrated to `billing_mode[type]=flexible`.", param="billing_mode[type]"
        )
    new = parse(spec, b.now_for_customer(sub["customer"]))
    if is_flexible(sub):
        if itemized(sub) and not new["flexible"]["proration_discounts"] == "itemized":
            raise invalid_request(
                "You can't migrate a subscription from `itemized` to `included` proration discounts.",
                param="billing_mode[flexible][proration_discounts]",
            )
        if (sub["billing_mode"].get("flexible") or {}) == new["flexible"]:
            return
    sub["billing_mode"] = new


# --- the debit ledger ------------------------------------------------------------------------------------------


def record_cycle_debits(b: Backend, sub: Subscription, inv: Invoice) -> None:
    """Remember what each cycle (non-proration) line of a subscription invoice debited, net of its discounts."""
    debits = [d for d in sub.setdefault("_debits", []) if d.get("invoice") != inv["id"]]
    for li in inv["lines"]["data"]:
        det = (li.get("parent") or {}).get("subscription_item_details") or {}
        if not det.get("subscription_item") or det.get("invoice_item") or li["amount"] == 0:
            continue
        discounts = [dict(d) for d in li.get("discount_amounts") or []]
        debits.append(
            {
                "item": det["subscription_item"],
                "start": li["period"]["start"],
                "end": li["period"]["end"],
                "gross": int(li["amount"]),
                "amount": int(li["amount"]) - sum(int(d["amount"]) for d in discounts),
                "discounts": discounts,
                "invoice": inv["id"],
                "price": (li.get("pricing") or {}).get("price_details", {}).get("price"),
                "quantity": li.get("quantity"),
            }
        )
    sub["_debits"] = debits


def start_period(sub: Subscription, start: int) -> None:
    """A new period: debits that ended before it can never be credited again."""
    sub["_debits"] = [d for d in sub.get("_debits") or [] if d["end"] > start]


def _share(value: int, remaining: int, length: int) -> int:
    if length <= 0:
        return 0
    return common.round_half_up(Decimal(value) * remaining / length)


def credits(b: Backend, sub: Subscription, item_id: str, at: int) -> list[InvoiceItem]:
    """One credit proration invoice item per debit of `item_id` still covering `at` (the debits are cut at `at`)."""
    out = []
    for d in sub.get("_debits") or []:
        if d["item"] != item_id or not d["start"] <= at < d["end"]:
            continue
        remaining, length = d["end"] - at, d["end"] - d["start"]
        net = _share(d["amount"], remaining, length)
        gross = _share(d["gross"], remaining, length)
        disc = [{"amount": -_share(x["amount"], remaining, length), "discount": x["discount"]} for x in d["discounts"]]
        pr = b.objects.get(d.get("price") or "")
        quantity = d.get("quantity") or 1
        name = common.product_name(b, pr) if pr else "subscription item"
        label = f"{quantity} × {name}" if quantity != 1 else name
        if itemized(sub):
            amount, fixed = -gross, disc
        else:
            amount, fixed = -net, [{"amount": 0, "discount": x["discount"]} for x in d["discounts"]]
        ii = new_invoice_item(
            b,
            customer=sub["customer"],
            amount=amount,
            currency=sub["currency"],
            description=f"Unused time on {label} after {common.fmt_date(at)}",
            period=(at, d["end"]),
            price=pr,
            quantity=quantity,
            subscription=sub["id"],
            subscription_item=item_id,
            proration=True,
            date=at,
            fixed_discounts=fixed,
        )
        d.update(
            end=at,
            amount=d["amount"] - net,
            gross=d["gross"] - gross,
            discounts=[
                {"amount": x["amount"] + y["amount"], "discount": x["discount"]}
                for x, y in zip(d["discounts"], disc, strict=True)
            ],
        )
        out.append(ii)
    return out


def percent_discounts(b: Backend, sub: Subscription, gross: int, at: int) -> list[dict[str, Any]]:
    """The subscription's percent-off discounts applied, in order, to one proration charge of `gross`."""
    out, remaining = [], gross
    for did in common.active_discounts(b, sub, at):
        coupon = common.coupon_of(b, b.objects.get(did) or {})
        if not coupon or coupon.get("percent_off") is None:
            continue
        amt = common.round_half_up(Decimal(remaining) * Decimal(str(coupon["percent_off"])) / 100)
        out.append({"amount": amt, "discount": did})
        remaining -= amt
    return out


def charge(
    b: Backend,
    sub: Subscription,
    *,
    item_id: str,
    price: Price,
    quantity: int,
    at: int,
    period: tuple[int, int],
) -> InvoiceItem | None:
    """The "Remaining time on" proration for a new item state, recorded as a debit for later credits."""
    start, end = period
    if end - at <= 0:
        return None
    gross = common.prorated(common.unit_amount(price), quantity, end - at, end - start)
    disc = percent_discounts(b, sub, gross, at)
    net = gross - sum(x["amount"] for x in disc)
    name = common.product_name(b, price)
    label = f"{quantity} × {name}" if quantity != 1 else name
    ii = new_invoice_item(
        b,
        customer=sub["customer"],
        amount=gross if itemized(sub) else net,
        currency=sub["currency"],
        description=f"Remaining time on {label} after {common.fmt_date(at)}",
        period=(at, end),
        price=price,
        quantity=quantity,
        subscription=sub["id"],
        subscription_item=item_id,
        proration=True,
        date=at,
        fixed_discounts=disc if itemized(sub) else [{"amount": 0, "discount": x["discount"]} for x in disc],
    )
    sub.setdefault("_debits", []).append(
        {
            "item": item_id,
            "start": at,
            "end": end,
            "gross": gross,
            "amount": net,
            "discounts": disc,
            "invoice": ii["id"],
            "price": price["id"],
            "quantity": quantity,
        }
    )
    return ii
