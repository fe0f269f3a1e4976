"""The money oracle's pause action: preview, pause, then resume (now, or automatically on the date shown).

Checks (H1, H3): the pause's credit invoice has the preview's lines and total; the resumption invoice, whether
"Resume now" (previewed first) or the automatic resume on ``resumes_at``, is charged exactly the amount shown
(``amount_due_now`` of the resume preview; ``amount_due_at_resume`` of the pause, and GET /billing's next payment
while paused). The renewal after the resume is then the oracle's usual H3 check on GET /billing."""

from __future__ import annotations

from typing import Any

from billing_core.pause import PauseResumer

from tests.integration.plan_change.plan_change_setup import DAY, World
from tests.property.billing_states import Situation
from tests.property.oracle_actions import Outcome, _refused
from tests.property.oracle_reads import expect, overview, subscription_view


def _lines(invoice: Any) -> list[int]:
    discounts = [-int(d.amount) for d in invoice.total_discount_amounts or [] if int(d.amount)]
    return sorted([int(line.amount) for line in invoice.lines.data] + discounts)


def act_pause(world: World, sit: Situation, before: dict[str, Any]) -> Outcome:
    response = world.call("POST", "/billing/subscription/pause/preview", sub=sit.sub, body={"periods": 1}, key=None)
    if response["statusCode"] != 200:
        return _refused(response, "pause preview")
    shown = response["json"]
    response = world.call("POST", "/billing/subscription/pause", sub=sit.sub, body={"periods": 1})
    if response["statusCode"] != 200:
        return _refused(response, "pause")
    paused = response["json"]
    outcome = Outcome(applied=True, label="pause")
    expect(paused["resumes_at"] == shown["resumes_at"], f"H1: paused until {paused['resumes_at']}, shown {shown}")
    expect(paused["credit_amount"] == shown["credit_amount"], f"H1: credited {paused['credit_amount']}, shown {shown}")
    if shown["credit"] is not None:
        credit = world.stripe.v1.invoices.retrieve(str(paused["credit_invoice_id"]))
        rows = sorted(line["amount"] for line in shown["credit"]["lines"])
        expect(_lines(credit) == rows, f"H1: the credit invoice's lines {_lines(credit)} are not the preview's {rows}")
        expect(int(credit.total) == shown["credit"]["total"], f"H1: credit total {credit.total}, shown {shown}")
    view = subscription_view(overview(sit.sub), sit.subscription)
    expect(
        view is not None and view["resumes_at"] == shown["resumes_at"],
        f"H3: GET /billing shows resumes_at {view and view['resumes_at']}, the pause said {shown['resumes_at']}",
    )
    assert view is not None and sit.subscription is not None
    expect(
        view["next_invoice_amount"] == shown["amount_due_at_resume"],
        f"H3: GET /billing shows {view['next_invoice_amount']} at the resume, the pause said "
        f"{shown['amount_due_at_resume']}",
    )
    if sit.scenario.action.at < 0.5:
        world.advance(sit.clock, sit.now + 3 * DAY)
        preview = world.call("POST", "/billing/subscription/resume/preview", sub=sit.sub, key=None)
        expect(preview["statusCode"] == 200, f"api: resume preview answered {preview['body']}")
        due = preview["json"]["amount_due_now"]
        resumed = world.call("POST", "/billing/subscription/resume", sub=sit.sub)
        expect(resumed["statusCode"] == 200, f"api: resume now answered {resumed['body']}")
        invoice_id = resumed["json"]["invoice_id"]
        outcome.label = "pause, resume now"
    else:
        world.advance(sit.clock, shown["resumes_at"] + 60)
        PauseResumer().run()
        due = shown["amount_due_at_resume"]
        invoice_id = world.subscription(sit.subscription).latest_invoice
        outcome.label = "pause, resumed on its date"
    expect(world.subscription(sit.subscription).status == "active", "H8: the resume did not make it active")
    if invoice_id:
        invoice = world.stripe.v1.invoices.retrieve(str(invoice_id))
        expect(int(invoice.amount_due) == due, f"H1: the resumption invoiced {invoice.amount_due}, shown {due}")
        outcome.due_now[str(invoice.id)] = due
    return outcome
