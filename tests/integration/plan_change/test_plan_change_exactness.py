"""Exactness: the previewed amount equals, to the cent, the invoice the change produces (H1).

Each subscription starts at a fixed time on a test clock that is then moved into the period, so the proration
is a real mid-period one. Every case runs on a starting subscription in each billing mode (``classic`` and
``flexible``: their proration arithmetic differs, see the emulator's `billing_mode`), and every preview must add up.
``EXACTNESS`` collects (case, previewed, invoiced) for the report.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.plan_change.plan_change_setup import DAY, World, assert_adds_up

EXACTNESS: list[tuple[str, int, int]] = []


MODES = {
    "classic": {"type": "classic"},
    "flexible": {"type": "flexible"},  # Stripe's default: proration discounts included in the line amounts
    "flexible-itemized": {"type": "flexible", "flexible": {"proration_discounts": "itemized"}},  # the product's own
}


@pytest.fixture(params=list(MODES))
def mode(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The starting subscription's billing mode (the test creates it, as an older integration might have)."""
    return {"billing_mode": MODES[request.param]}


def _mode_name(mode: dict[str, Any]) -> str:
    return next(name for name, spec in MODES.items() if spec == mode["billing_mode"])


def _invoice_of(world: World, response: dict[str, Any]) -> Any:
    assert response["statusCode"] == 200, response["body"]
    body = response["json"]
    assert body["status"] == "applied"
    return world.stripe.v1.invoices.retrieve(body["invoice_id"])


def _assert_lines_match(preview: dict[str, Any], invoice: Any) -> None:
    previewed = sorted(line["amount"] for line in preview["lines"] if line["kind"] != "discount")
    invoiced = sorted(int(line.amount) for line in invoice.lines.data)
    assert previewed == invoiced


def test_exact_upgrade_mid_cycle(world: World, mode: dict[str, Any]) -> None:
    # Given a Starter subscriber 10 days into the month
    _, cus, subscription, _ = world.user_on("starter_monthly", days_in=10, **mode)
    # When they preview and apply Pro
    preview = world.preview("pro_monthly")
    assert_adds_up(preview)
    invoice = _invoice_of(world, world.change(preview["preview_id"]))
    # Then the invoice equals the preview to the cent, credit and charge lines included
    EXACTNESS.append((f"{_mode_name(mode)}: upgrade mid-cycle", preview["amount_due_now"], int(invoice.amount_due)))
    assert preview["amount_due_now"] == int(invoice.amount_due) == int(invoice.amount_paid)
    assert 0 < preview["amount_due_now"] < 2900
    assert any(line["amount"] < 0 and line["proration"] for line in preview["lines"])
    _assert_lines_match(preview, invoice)
    assert world.subscription(subscription.id)["items"].data[0].price.lookup_key == "pro_monthly"


def test_exact_seats_up(world: World, mode: dict[str, Any]) -> None:
    _, cus, subscription, _ = world.user_on("business_seat_monthly", quantity=3, days_in=12, **mode)
    preview = world.preview("business_seat_monthly", quantity=5)
    assert_adds_up(preview)
    assert preview["change_kind"] == "seats_increase" and preview["timing"] == "immediate"
    invoice = _invoice_of(world, world.change(preview["preview_id"]))
    EXACTNESS.append((f"{_mode_name(mode)}: seats up 3->5", preview["amount_due_now"], int(invoice.amount_due)))
    assert preview["amount_due_now"] == int(invoice.amount_due) > 0
    _assert_lines_match(preview, invoice)
    assert world.subscription(subscription.id)["items"].data[0].quantity == 5


def test_exact_seats_down_at_period_end(world: World, mode: dict[str, Any]) -> None:
    # Given 5 seats, 12 days into the month
    _, cus, subscription, clock = world.user_on("business_seat_monthly", quantity=5, days_in=12, **mode)
    preview = world.preview("business_seat_monthly", quantity=3)
    assert_adds_up(preview)
    assert preview["timing"] == "period_end" and preview["amount_due_now"] == 0
    period_end = preview["effective_at"]
    # When the change is applied, it is only scheduled: nothing is invoiced, the seats stay until the period end
    response = world.change(preview["preview_id"])
    assert response["statusCode"] == 200, response["body"]
    assert response["json"]["status"] == "scheduled" and response["json"]["effective_at"] == period_end
    before = len(world.invoices(cus))
    assert world.subscription(subscription.id)["items"].data[0].quantity == 5
    # Then the renewal at the period end invoices exactly the previewed amount for 3 seats
    world.advance(clock, period_end + 3600)
    invoices = world.invoices(cus)
    assert len(invoices) == before + 1
    renewal = invoices[0]
    EXACTNESS.append(
        (
            f"{_mode_name(mode)}: seats down 5->3 at period end",
            preview["next_invoice_amount"],
            int(renewal.amount_due),
        )
    )
    assert preview["next_invoice_amount"] == int(renewal.amount_due) == 3 * 1500
    assert world.subscription(subscription.id)["items"].data[0].quantity == 3


def test_exact_monthly_to_yearly(world: World, mode: dict[str, Any]) -> None:
    _, cus, subscription, _ = world.user_on("pro_monthly", days_in=9, **mode)
    preview = world.preview("pro_yearly")
    assert_adds_up(preview)
    assert preview["change_kind"] == "longer_interval" and preview["timing"] == "immediate"
    invoice = _invoice_of(world, world.change(preview["preview_id"]))
    EXACTNESS.append((f"{_mode_name(mode)}: monthly to yearly", preview["amount_due_now"], int(invoice.amount_due)))
    assert preview["amount_due_now"] == int(invoice.amount_due)
    _assert_lines_match(preview, invoice)
    # The anchor moved: the next bill is a year after the change
    item = world.subscription(subscription.id)["items"].data[0]
    assert item.price.lookup_key == "pro_yearly"
    assert int(item.current_period_end) - preview["proration_date"] >= 365 * DAY
    assert preview["next_billing_date"] == int(item.current_period_end)


def test_exact_upgrade_with_coupon(world: World, mode: dict[str, Any]) -> None:
    coupon = world.stripe.v1.coupons.create(params={"percent_off": 25, "duration": "forever", "name": "25% off"})
    _, cus, subscription, clock = world.user_on(
        "starter_monthly", days_in=14, discounts=[{"coupon": coupon.id}], **mode
    )
    preview = world.preview("pro_monthly")
    assert_adds_up(preview)
    # The coupon is its own row, named, and the next payment is the renewal after the coupon
    discount_rows = [line for line in preview["lines"] if line["kind"] == "discount"]
    # Stripe's default flexible mode nets the coupon into the proration amounts: it is named, with no row
    netted = _mode_name(mode) == "flexible"
    if netted:
        assert discount_rows == [] and preview["discounts_in_line_amounts"] == ["25% off"]
    else:
        assert discount_rows and all(row["description"] == "25% off" for row in discount_rows)
        assert preview["discounts_in_line_amounts"] == []
    assert preview["next_invoice_amount"] == 2900 * 3 // 4
    invoice = _invoice_of(world, world.change(preview["preview_id"]))
    EXACTNESS.append(
        (
            f"{_mode_name(mode)}: upgrade with a 25% coupon",
            preview["amount_due_now"],
            int(invoice.amount_due),
        )
    )
    assert preview["amount_due_now"] == int(invoice.amount_due)
    if not netted:
        assert preview["amount_due_now"] < preview["subtotal"]  # the coupon applies to the proration
    else:
        # Flexible, proration_discounts=included: the coupon is inside each proration line's amount
        # (discount_amounts name it with amount 0), so subtotal == total.
        assert all([d.amount for d in li.discount_amounts] == [0] for li in invoice.lines.data)
        charge = next(li for li in invoice.lines.data if li.amount > 0)
        item = world.subscription(subscription.id)["items"].data[0]
        length = int(item.current_period_end) - int(item.current_period_start)
        unit = int(charge.pricing.unit_amount_decimal)
        gross = int(unit * charge.quantity * (charge.period.end - charge.period.start) / length + 0.5)
        assert charge.amount == gross - int(gross * 0.25 + 0.5)  # the coupon applies to the proration
    # And the renewal on the previewed date is exactly the previewed next payment
    before = len(world.invoices(cus))
    world.advance(clock, preview["next_billing_date"] + 3600)
    invoices = world.invoices(cus)
    assert len(invoices) == before + 1
    assert int(invoices[0].amount_due) == preview["next_invoice_amount"]


def test_exact_upgrade_during_trial(world: World, mode: dict[str, Any]) -> None:
    # Given a Starter trial, 5 days in
    _, cus, subscription, clock = world.user_on("starter_monthly", days_in=5, trial_period_days=14, **mode)
    assert world.subscription(subscription.id).status == "trialing"
    invoices_before = len(world.invoices(cus))
    # When they upgrade to Pro during the trial
    preview = world.preview("pro_monthly")
    assert_adds_up(preview)
    assert preview["amount_due_now"] == 0
    response = world.change(preview["preview_id"])
    assert response["statusCode"] == 200, response["body"]
    # Then nothing is invoiced now, the trial continues on Pro...
    assert response["json"]["amount_invoiced"] is None
    assert len(world.invoices(cus)) == invoices_before
    after = world.subscription(subscription.id)
    assert after.status == "trialing" and after["items"].data[0].price.lookup_key == "pro_monthly"
    # ...and the first paid invoice after the trial is exactly the previewed one
    assert preview["next_billing_date"] == int(after.trial_end)
    world.advance(clock, int(after.trial_end) + 3600)
    first_paid = world.invoices(cus)[0]
    EXACTNESS.append(
        (
            f"{_mode_name(mode)}: upgrade during a trial (first invoice)",
            preview["next_invoice_amount"],
            int(first_paid.amount_due),
        )
    )
    assert preview["next_invoice_amount"] == int(first_paid.amount_due) == 2900


def test_exactness_summary(world: World) -> None:
    """Prints the exactness table (run with -s); asserts each recorded case matched."""
    for case, previewed, invoiced in EXACTNESS:
        print(f"EXACTNESS {case}: previewed={previewed} invoiced={invoiced}")
        assert previewed == invoiced
