"""Unit tests (no sockets): an invoice's money as rows that add up (H1), and which card Stripe would charge (H2)."""

from __future__ import annotations

from typing import Any

from plan_change.cards import usable_payment_method
from plan_change.money import balance_after, discount_names, invoice_money, renewal_after_reset
from plan_change.preview import ChangePlan, update_params

RENEWS = 2_000_000_000


def _line(amount: int, *, proration: bool = False, discounts: list[tuple[int, str]] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    return {
        "amount": amount,
        "description": "line",
        "period": {"start": 1, "end": RENEWS},
        "parent": {"type": "subscription_item_details", "subscription_item_details": {"proration": proration}},
        "discount_amounts": [{"amount": a, "discount": d} for a, d in discounts],
    }


def _discount(did: str, name: str | None, end: int | None = None) -> dict[str, Any]:
    return {"id": did, "end": end, "source": {"type": "coupon", "coupon": {"id": "c", "name": name, "percent_off": 25}}}


def _invoice() -> dict[str, Any]:
    # -750 credit, +4500 charge (25% off both: -188 and +1125 => 937 discount), 10% exclusive tax, 500 credit balance
    return {
        "id": "upcoming_in_1",
        "currency": "usd",
        "lines": {"data": [_line(-750, proration=True), _line(4500, proration=True)]},
        "subtotal": 3750,
        "total_discount_amounts": [{"amount": 937, "discount": _discount("di_1", "Loyal 25%")}],
        "total_excluding_tax": 2813,
        "total": 3094,
        "amount_due": 2594,
    }


def test_h1_discounts_are_their_own_rows_and_the_rows_add_up_to_what_is_due() -> None:
    money = invoice_money(_invoice())
    rows = [line for line in money.lines if line.kind != "discount"]
    discounts = [line for line in money.lines if line.kind == "discount"]
    assert [(d.description, d.amount, d.discount_id) for d in discounts] == [("Loyal 25%", -937, "di_1")]
    assert money.discounts_in_line_amounts == []
    assert all(line.kind == "proration" and line.proration for line in rows)
    assert sum(line.amount for line in rows) == money.subtotal == 3750
    assert money.subtotal + sum(d.amount for d in discounts) == money.total_excluding_tax
    assert money.total_excluding_tax + money.tax == money.total and money.tax == 281
    assert money.total + money.balance_applied == money.amount_due == 2594


def test_h1_an_unexpanded_or_unnamed_discount_still_gets_a_row() -> None:
    invoice = _invoice()
    invoice["total_discount_amounts"] = [
        {"amount": 900, "discount": "di_2"},
        {"amount": 37, "discount": _discount("di_3", None)},
    ]
    names = [line.description for line in invoice_money(invoice).lines if line.kind == "discount"]
    assert names == ["Discount", "25% off"]


def test_h1_a_discount_netted_into_proration_amounts_is_named_without_a_row() -> None:
    # flexible billing, proration_discounts=included: the line is net, its discount_amounts name the discount at 0
    invoice = {
        "lines": {"data": [_line(-540, proration=True, discounts=[(0, "di_9")]), _line(1200, proration=True)]},
        "subtotal": 660,
        "total_discount_amounts": [],
        "total_excluding_tax": 660,
        "total": 660,
        "amount_due": 660,
    }
    names = discount_names({"discounts": [_discount("di_9", "Team 30%"), "di_unexpanded"]})
    assert names == {"di_9": "Team 30%"}
    money = invoice_money(invoice, names)
    assert [line.kind for line in money.lines] == ["proration", "proration"]
    assert money.discounts_in_line_amounts == ["Team 30%"]
    assert sum(line.amount for line in money.lines) == money.subtotal == money.total_excluding_tax


def test_renewal_after_a_reset_repeats_the_full_period_lines_and_only_the_discounts_still_running() -> None:
    invoice = {
        "lines": {
            "data": [
                _line(-1200, proration=True, discounts=[(360, "di_forever")]),
                _line(29000, discounts=[(8700, "di_forever"), (2900, "di_ending")]),
            ]
        },
        "total_discount_amounts": [
            {"amount": 9060, "discount": _discount("di_forever", "Team 30%")},
            {"amount": 2900, "discount": _discount("di_ending", "First month", end=RENEWS - 1)},
        ],
    }
    assert renewal_after_reset(invoice, RENEWS) == 29000 - 8700


def test_renewal_after_a_reset_takes_an_amount_off_coupon_whole_and_skips_a_once_coupon() -> None:
    # Stripe spread the $5 over the credit and the new full-period line here (48 and 452); the renewal has one
    # line, so the whole $5 comes off it. A ``once`` coupon is used up by this invoice.
    amount_off = {
        "id": "di_5",
        "end": None,
        "source": {"coupon": {"id": "c5", "amount_off": 500, "duration": "forever"}},
    }
    once = {"id": "di_once", "end": None, "source": {"coupon": {"id": "c1", "percent_off": 10, "duration": "once"}}}
    invoice = {
        "lines": {
            "data": [
                _line(-870, proration=True, discounts=[(48, "di_5")]),
                _line(9000, discounts=[(452, "di_5"), (900, "di_once")]),
            ]
        },
        "total_discount_amounts": [{"amount": 500, "discount": amount_off}, {"amount": 900, "discount": once}],
    }
    assert renewal_after_reset(invoice, RENEWS) == 9000 - 500


def test_a_credit_left_by_the_change_invoice_pays_the_renewal_first() -> None:
    # Unused yearly time (-27000) exceeds the new month (2900): the invoice total is negative, the customer keeps
    # the credit, and the renewal is paid from it.
    change = {"starting_balance": 0, "total": 2900 - 27000, "lines": {"data": [_line(2900)]}}
    assert balance_after(change) == -24100
    assert renewal_after_reset(change, RENEWS, balance=balance_after(change)) == 0
    assert balance_after({"starting_balance": -1000, "total": 2900}) == 0  # a smaller credit is used up now
    assert renewal_after_reset(change, RENEWS, balance=-1000) == 1900


def test_h2_card_choice_follows_stripe_subscription_then_customer_order() -> None:
    customer = {"invoice_settings": {"default_payment_method": "pm_customer"}, "default_source": "card_old"}
    assert usable_payment_method({"default_payment_method": "pm_sub"}, customer) == "pm_sub"
    assert usable_payment_method({"default_payment_method": {"id": "pm_x"}}, customer) == "pm_x"
    assert usable_payment_method({"default_source": "card_sub"}, customer) == "card_sub"
    assert usable_payment_method({}, customer) == "pm_customer"
    assert usable_payment_method({}, {"invoice_settings": {}, "default_source": "card_old"}) == "card_old"
    assert usable_payment_method({}, {"invoice_settings": {"default_payment_method": None}}) is None


def _plan(**kw: Any) -> ChangePlan:
    base: dict[str, Any] = {
        "item_id": "si_1",
        "price_id": "price_y",
        "quantity": 1,
        "immediate": True,
        "keep_trial": False,
        "end_trial": False,
        "reset_anchor": False,
        "proration_date": 100,
    }
    return ChangePlan(**{**base, **kw})


def test_a_kept_trial_never_sends_an_anchor_or_a_charge() -> None:
    params = update_params(_plan(keep_trial=True, reset_anchor=False))
    assert params == {"items": [{"id": "si_1", "price": "price_y", "quantity": 1}], "proration_behavior": "none"}


def test_ending_a_trial_sends_trial_end_now_and_the_anchor_only_when_the_interval_changes() -> None:
    same = update_params(_plan(end_trial=True))
    assert same["trial_end"] == "now" and "billing_cycle_anchor" not in same
    assert same["proration_behavior"] == "always_invoice" and same["proration_date"] == 100
    longer = update_params(_plan(end_trial=True, reset_anchor=True))
    assert longer["trial_end"] == "now" and longer["billing_cycle_anchor"] == {"type": "now"}
