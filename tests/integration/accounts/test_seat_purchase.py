"""G16-G19: the ``auto`` seat policy end to end on the Stripe emulator. A full Business team's invitation waits for
a seat; the owner or a billing admin previews the extra seat (Stripe's own proration, plan_change's preview) and
confirms it: the invoice is exactly the preview, the quantity rises by one, and only then is the invitation sent.
A preview made stale by a change of the subscription, two confirmations for one purchase, and a member trying
it are all refused before any Stripe write."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from billing_core.accounts.invitations import InvitationStore as AccountStore
from billing_core.audit import AuditLog
from billing_core.directory import CustomerDirectory
from billing_core.read_your_writes import after_write
from billing_core.settings import reset_settings
from teams_world import World, atomic_dynamodb, build_world, call, race

from tests.integration.plan_change.plan_change_setup import DAY, START, assert_adds_up
from tests.integration.plan_change.plan_change_setup import World as Stripe


@pytest.fixture
def teams(
    stripe_env: Any, stripe_emulator: Any, stripe_client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[World, Stripe]]:
    from plan_change import stripe_billing

    from local.stack.seed import sync_catalog

    monkeypatch.setenv("INVITATION_LOG_PATH", str(tmp_path / "invitations.log"))
    reset_settings()
    stripe_billing.reset_caches()
    prices = sync_catalog(stripe_client)
    world = build_world(stripe_env)  # team A: owner, billing admin, member = 3 seats
    world.log = tmp_path / "invitations.log"
    yield world, Stripe(stripe=stripe_client, prices=prices, emulator=stripe_emulator, sub_a=stripe_env.user_sub)
    stripe_billing.reset_caches()


def on_business(world: World, stripe: Stripe, seats: int = 3, *, coupon: str | None = None) -> tuple[str, Any, str]:
    """Team A pays for ``seats`` Business seats since START (a test clock), 10 days into the month."""
    clock = stripe.clock()
    cus = stripe.stripe.v1.customers.create(params={"email": "team@example.com", "test_clock": clock}).id
    stripe.attach(cus, "pm_card_visa")
    CustomerDirectory().link(world.team_a, cus)
    extra: dict[str, Any] = {"discounts": [{"coupon": coupon}]} if coupon else {}
    subscription = stripe.subscribe(cus, "business_seat_monthly", seats, **extra)
    stripe.advance(clock, START + 10 * DAY + 3600)
    after_write(world.team_a, "test.setup", None)  # the team's entitlement record, from Stripe
    return cus, subscription, clock


def invite(world: World, email: str, by: str = "owner") -> dict[str, Any]:
    answer = call("accounts", "POST", f"/accounts/{world.team_a}/invitations", world.subs[by],
                  body={"email": email, "wait_for_seat": True}, key=True)  # fmt: skip
    assert answer["statusCode"] == 200, answer["json"]
    return dict(answer["json"])


def seat_preview(world: World, invitation_id: str, by: str = "owner") -> dict[str, Any]:
    path = f"/accounts/{world.team_a}/invitations/{invitation_id}/seat-preview"
    return call("plan_change", "POST", path, world.subs[by])


def confirm(world: World, invitation_id: str, preview_id: str | None, by: str = "owner", key: str | bool = True) -> Any:
    path = f"/accounts/{world.team_a}/invitations/{invitation_id}/confirm-seat"
    body = {"preview_id": preview_id} if preview_id else {}
    return call("plan_change", "POST", path, world.subs[by], body=body, key=key)


def delivered(world: World) -> dict[str, str]:
    log: Path = world.log
    lines = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return {line["invitation_id"]: line["token"] for line in lines}


def seats_used(world: World) -> int:
    account = AccountStore().get_account(world.team_a)
    assert account is not None
    return account.seats_used


def test_the_confirmed_seat_is_charged_exactly_as_previewed_and_only_then_the_invitation_is_sent(
    teams: tuple[World, Stripe],
) -> None:
    """G16 (ADR 0002): mid-period, with a 20% coupon, the seat's invoice equals the preview to the cent."""
    world, stripe = teams
    coupon = stripe.stripe.v1.coupons.create(params={"percent_off": 20, "duration": "forever", "name": "Team 20%"})
    cus, subscription, _ = on_business(world, stripe, coupon=coupon.id)
    sub, email = world.user("ivy")
    waiting = invite(world, email, by="billing_admin")
    assert waiting["status"] == "needs_seat" and waiting["seat_purchase"]["quantity"] == 4
    assert waiting["id"] not in delivered(world) and seats_used(world) == 3
    invoices_before = len(stripe.invoices(cus))
    # the billing admin previews the seat: Stripe's proration of 3 -> 4 seats for the 18-21 days left, less 20%
    answer = seat_preview(world, waiting["id"], by="billing_admin")
    assert answer["statusCode"] == 200, answer["json"]
    assert answer["json"]["seat_available"] is False
    preview = answer["json"]["preview"]
    assert preview["change_kind"] == "seats_increase" and preview["target"]["quantity"] == 4
    assert preview["lines_invoice"] == "due_now" and 0 < preview["amount_due_now"] < 1500 * 4 // 5
    assert preview["discounts_in_line_amounts"] == ["Team 20%"] or any(
        line["kind"] == "discount" for line in preview["lines"]
    )
    assert_adds_up(preview)
    assert len(stripe.invoices(cus)) == invoices_before  # previewing charges nothing
    # the owner confirms it
    confirmed = confirm(world, waiting["id"], preview["preview_id"])
    assert confirmed["statusCode"] == 200, confirmed["json"]
    done = confirmed["json"]
    assert (done["status"], done["invitation_status"], done["seat_bought"]) == ("sent", "pending", True)
    invoice = stripe.stripe.v1.invoices.retrieve(done["change"]["invoice_id"])
    assert int(invoice.amount_due) == int(invoice.amount_paid) == preview["amount_due_now"]
    assert done["change"]["amount_invoiced"] == preview["amount_due_now"]
    assert len(stripe.invoices(cus)) == invoices_before + 1
    assert stripe.subscription(subscription.id)["items"].data[0].quantity == 4
    # the invitation holds the bought seat and was delivered; the invitee joins on it
    assert seats_used(world) == 4
    token = delivered(world)[waiting["id"]]
    joined = call("accounts", "POST", f"/invitations/{token}/accept", sub)
    assert joined["statusCode"] == 200 and joined["json"]["seats"] == {"used": 4, "limit": 4}
    actions = {(e["action"], e["actor"]) for e in AuditLog().entries(world.team_a)}
    assert ("invitation.seat_confirm", world.subs["owner"]) in actions


def test_a_retried_confirmation_answers_the_same_and_buys_one_seat(teams: tuple[World, Stripe]) -> None:
    world, stripe = teams
    cus, subscription, _ = on_business(world, stripe)
    waiting = invite(world, world.user("ivy")[1])
    preview = seat_preview(world, waiting["id"])["json"]["preview"]
    first = confirm(world, waiting["id"], preview["preview_id"], key="seat-key-1")
    again = confirm(world, waiting["id"], preview["preview_id"], key="seat-key-1")
    assert first["statusCode"] == again["statusCode"] == 200 and first["json"] == again["json"]
    other_key = confirm(world, waiting["id"], preview["preview_id"], key="seat-key-2")
    assert other_key["statusCode"] == 200 and other_key["json"]["seat_bought"] is False  # it has its seat already
    assert stripe.subscription(subscription.id)["items"].data[0].quantity == 4 and seats_used(world) == 4
    assert len([i for i in stripe.invoices(cus) if i.billing_reason == "subscription_update"]) == 1


def test_a_preview_made_stale_by_a_change_of_the_subscription_is_refused_and_nothing_is_charged(
    teams: tuple[World, Stripe],
) -> None:
    """G17"""
    world, stripe = teams
    cus, subscription, _ = on_business(world, stripe)
    waiting = invite(world, world.user("ivy")[1])
    preview = seat_preview(world, waiting["id"])["json"]["preview"]
    # meanwhile the subscription moves to 5 seats elsewhere (the hosted portal, another tab)
    item = stripe.subscription(subscription.id)["items"].data[0]
    stripe.stripe.v1.subscriptions.update(
        subscription.id, params={"items": [{"id": item.id, "quantity": 5}], "proration_behavior": "none"}
    )
    invoices_before = len(stripe.invoices(cus))
    refused = confirm(world, waiting["id"], preview["preview_id"])
    assert (refused["statusCode"], refused["json"]["error"]["code"]) == (409, "preview_stale")
    assert len(stripe.invoices(cus)) == invoices_before
    assert stripe.subscription(subscription.id)["items"].data[0].quantity == 5
    # nothing changed on the team: the invitation still waits, holding no seat, and nothing was delivered
    assert seats_used(world) == 3 and waiting["id"] not in delivered(world)
    listed = call("accounts", "GET", f"/accounts/{world.team_a}/invitations", world.subs["owner"])["json"]
    assert [i["status"] for i in listed["invitations"] if i["id"] == waiting["id"]] == ["needs_seat"]
    # a preview id of another invitation, or none, buys nothing either
    assert confirm(world, waiting["id"], None)["json"]["error"]["code"] == "seat_purchase_required"


def test_once_a_seat_is_free_confirming_sends_the_invitation_without_buying_one(teams: tuple[World, Stripe]) -> None:
    """G19: a seat freed meanwhile (or bought by a payment that needed 3-D Secure) is used, nothing is bought."""
    world, stripe = teams
    cus, subscription, _ = on_business(world, stripe)
    waiting = invite(world, world.user("ivy")[1])
    preview = seat_preview(world, waiting["id"])["json"]["preview"]
    removed = call("accounts", "DELETE", f"/accounts/{world.team_a}/members/{world.subs['member']}",
                   world.subs["owner"])  # fmt: skip
    assert removed["statusCode"] == 200 and seats_used(world) == 2
    assert seat_preview(world, waiting["id"])["json"]["seat_available"] is True
    invoices_before = len(stripe.invoices(cus))
    sent = confirm(world, waiting["id"], preview["preview_id"])
    assert sent["statusCode"] == 200, sent["json"]
    assert (sent["json"]["status"], sent["json"]["seat_bought"], sent["json"]["change"]) == ("sent", False, None)
    assert len(stripe.invoices(cus)) == invoices_before
    assert stripe.subscription(subscription.id)["items"].data[0].quantity == 3 and seats_used(world) == 3
    assert waiting["id"] in delivered(world)


def test_two_confirmations_for_the_last_purchase_exactly_one_wins(
    teams: tuple[World, Stripe], monkeypatch: pytest.MonkeyPatch
) -> None:
    """G18: both previews buy seat 4; one confirmation holds it, the other is refused before any Stripe write."""
    world, stripe = teams
    cus, subscription, _ = on_business(world, stripe)
    first, second = invite(world, world.user("ivy")[1]), invite(world, world.user("jon")[1], by="billing_admin")
    previews = {
        inv["id"]: seat_preview(world, inv["id"], by=by)["json"]["preview"]["preview_id"]
        for inv, by in ((first, "owner"), (second, "billing_admin"))
    }
    atomic_dynamodb(monkeypatch)
    jobs = iter([(first["id"], "owner"), (second["id"], "billing_admin")])

    def confirm_one() -> tuple[int, str]:
        invitation_id, by = next(jobs)
        answer = confirm(world, invitation_id, previews[invitation_id], by=by)
        return int(answer["statusCode"]), str(answer["json"].get("status") or answer["json"]["error"]["code"])

    answers = race(2, confirm_one)
    assert sorted(answers)[0] == (200, "sent") and sorted(answers)[1][0] == 409
    assert sorted(answers)[1][1] in {"preview_stale", "change_in_progress"}
    assert stripe.subscription(subscription.id)["items"].data[0].quantity == 4 and seats_used(world) == 4
    assert len([i for i in stripe.invoices(cus) if i.billing_reason == "subscription_update"]) == 1
    assert len(set(delivered(world)) & {first["id"], second["id"]}) == 1


def test_a_member_can_neither_preview_nor_confirm_a_seat(teams: tuple[World, Stripe]) -> None:
    world, stripe = teams
    cus, _, _ = on_business(world, stripe)
    waiting = invite(world, world.user("ivy")[1])
    preview = seat_preview(world, waiting["id"])["json"]["preview"]
    for answer in (seat_preview(world, waiting["id"], by="member"),
                   confirm(world, waiting["id"], preview["preview_id"], by="member")):  # fmt: skip
        assert (answer["statusCode"], answer["json"]["error"]["code"]) == (403, "role_forbidden")
    outsider = call("plan_change", "POST", f"/accounts/{world.team_a}/invitations/{waiting['id']}/confirm-seat",
                    world.outsider, body={"preview_id": preview["preview_id"]}, key=True)  # fmt: skip
    assert (outsider["statusCode"], outsider["json"]["error"]["code"]) == (404, "account_not_found")
    assert seats_used(world) == 3 and len(stripe.invoices(cus)) == 1


def test_a_declined_seat_payment_gives_the_seat_back_and_leaves_nothing_to_pay(teams: tuple[World, Stripe]) -> None:
    """G19"""
    world, stripe = teams
    cus, subscription, _ = on_business(world, stripe)
    waiting = invite(world, world.user("ivy")[1])
    preview = seat_preview(world, waiting["id"])["json"]["preview"]
    stripe.attach(cus, "pm_card_chargeCustomerFail")  # the default card now fails every charge
    declined = confirm(world, waiting["id"], preview["preview_id"])
    assert (declined["statusCode"], declined["json"]["error"]["code"]) == (402, "payment_failed")
    assert stripe.subscription(subscription.id)["items"].data[0].quantity == 3
    assert [i.id for i in stripe.invoices(cus) if i.status == "open"] == []
    assert seats_used(world) == 3 and waiting["id"] not in delivered(world)
    invitation = AccountStore().invitation(world.team_a, waiting["id"])
    assert invitation is not None and (invitation.status, invitation.seat_held_by) == ("needs_seat", None)


def test_an_undeliverable_invitation_after_the_purchase_waits_and_its_retry_buys_nothing_more(
    teams: tuple[World, Stripe], monkeypatch: pytest.MonkeyPatch
) -> None:
    """G19: the bus fails after the seat was bought: 503, the invitation waits; the retry (same key) sends it on
    the seat already bought."""
    from billing_core.accounts import notifier
    from billing_core.errors import DependencyUnavailable
    from plan_change import seat_purchase

    class BusDown:
        def send(self, message: Any) -> None:
            raise DependencyUnavailable(operation="events.put")

    world, stripe = teams
    cus, subscription, _ = on_business(world, stripe)
    waiting = invite(world, world.user("ivy")[1])
    preview = seat_preview(world, waiting["id"])["json"]["preview"]
    monkeypatch.setattr(seat_purchase, "get_notifier", BusDown)
    failed = confirm(world, waiting["id"], preview["preview_id"], key="seat-retry")
    assert failed["statusCode"] == 503 and "retry-after" in failed["headers"]
    assert seats_used(world) == 3 and waiting["id"] not in delivered(world)
    monkeypatch.setattr(seat_purchase, "get_notifier", notifier.get_notifier)
    retried = confirm(world, waiting["id"], preview["preview_id"], key="seat-retry")
    assert retried["statusCode"] == 200, retried["json"]
    assert retried["json"]["status"] == "sent" and waiting["id"] in delivered(world)
    assert stripe.subscription(subscription.id)["items"].data[0].quantity == 4 and seats_used(world) == 4
    assert len([i for i in stripe.invoices(cus) if i.billing_reason == "subscription_update"]) == 1


def test_stripe_failing_during_the_purchase_gives_the_seat_back_and_the_retry_buys_it_once(
    teams: tuple[World, Stripe],
) -> None:
    """G19: Stripe answers 500 to the quantity change (before executing anything): a retryable 503, the seat
    given back, nothing invoiced; the retry with the same key buys the seat once and sends the invitation."""
    world, stripe = teams
    cus, subscription, _ = on_business(world, stripe)
    waiting = invite(world, world.user("ivy")[1])
    preview = seat_preview(world, waiting["id"])["json"]["preview"]
    stripe.emulator.faults.queue("500", times=10, method="POST", path=r"^/v1/subscriptions/sub_[^/]+$")
    try:
        failed = confirm(world, waiting["id"], preview["preview_id"], key="seat-stripe-down")
    finally:
        stripe.emulator.faults.reset()
    assert failed["statusCode"] == 503 and "retry-after" in failed["headers"], failed["json"]
    assert seats_used(world) == 3 and waiting["id"] not in delivered(world)
    assert stripe.subscription(subscription.id)["items"].data[0].quantity == 3
    retried = confirm(world, waiting["id"], preview["preview_id"], key="seat-stripe-down")
    assert retried["statusCode"] == 200, retried["json"]
    assert retried["json"]["seat_bought"] is True and waiting["id"] in delivered(world)
    assert (
        int(stripe.stripe.v1.invoices.retrieve(retried["json"]["change"]["invoice_id"]).amount_due)
        == (preview["amount_due_now"])
    )
    assert len([i for i in stripe.invoices(cus) if i.billing_reason == "subscription_update"]) == 1
