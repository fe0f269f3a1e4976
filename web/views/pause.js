// @ts-check
// Pause: choose a length from the catalog's durations, see what is credited now and billed at the resume (the
// server's preview), confirm. Resume now: the resumption invoice's preview, then confirm.
import { api } from "../api.js";
import { Action, announce, busy, errorBox, h, id, notice, openDialog } from "../dom.js";
import * as f from "../format.js";
import { t } from "../i18n.js";

const lengthLabel = (n, interval) => t(interval === "year" ? "pause.years" : "pause.months", { count: n });

export function openPause(ctx, sub) {
  const dlg = openDialog(t("pause.title"));
  const action = new Action();
  const name = id("pause-length");
  const lengths = h("fieldset", {}, h("legend", {}, t("pause.howLong")),
    sub.pause_durations.map((n) => h("label", { class: "choice" },
      h("input", { type: "radio", name, value: String(n) }), h("span", {}, lengthLabel(n, sub.interval)))));
  const msg = h("div", { "aria-live": "polite" });
  const summary = h("div", { "data-testid": "pause-preview", "aria-live": "polite" });
  const go = h("button", { type: "button", class: "primary", disabled: true }, t("pause.confirm"));
  const keep = h("button", { type: "button", onclick: dlg.close }, t("pause.keep"));
  dlg.body.append(msg, h("p", {}, t("pause.intro")), lengths, summary);
  dlg.footer.append(keep, go);
  dlg.focusFirst();
  let periods = null;

  lengths.addEventListener("change", async (e) => {
    periods = Number(e.target.value);
    go.disabled = true;
    msg.replaceChildren();
    summary.replaceChildren(h("p", { class: "muted" }, t("busy.calculating")));
    try {
      const p = await api("POST", "/billing/subscription/pause/preview", { body: { periods } });
      if (periods !== p.periods) return; // a later choice is on its way
      summary.replaceChildren(previewFacts(p));
      go.disabled = false;
    } catch (err) {
      summary.replaceChildren();
      msg.replaceChildren(errorBox(err));
    }
  });

  go.addEventListener("click", () => busy(go, async () => {
    msg.replaceChildren();
    let out;
    try {
      out = await action.send("POST", "/billing/subscription/pause", { body: { periods } });
    } catch (err) {
      msg.replaceChildren(errorBox(err));
      return;
    }
    dlg.close();
    await ctx.reload();
    announce(notice(t("pause.done", { date: f.date(out.resumes_at) })));
  }, t("busy.pausing")));
}

function previewFacts(p) {
  const facts = h("dl", { class: "facts" });
  const fact = (k, v) => facts.append(h("dt", {}, k), h("dd", {}, v));
  fact(t("pause.resumesOn"), f.date(p.resumes_at));
  fact(t("pause.creditNow"), p.credit_amount ? f.money(p.credit_amount, p.currency) : t("pause.noCredit"));
  if (p.amount_due_at_resume != null) fact(t("pause.billedAtResume"), t("amountOn", { amount: f.money(p.amount_due_at_resume, p.currency), date: f.date(p.resumes_at) }));
  const keeps = p.features_while_paused.length ? p.features_while_paused.map(f.feature).join(", ") : t("pause.keepsNothing");
  fact(t("pause.whilePaused"), keeps);
  const out = h("div", {}, facts);
  if (p.payment_method_required) out.append(h("p", { class: "alert warning" }, t("pause.needsCard")));
  return out;
}

/** "Resume now": the resumption invoice's preview, then confirm (3-D Secure through Stripe.js if asked). */
export function openResume(ctx) {
  const dlg = openDialog(t("pause.resumeTitle"));
  const action = new Action();
  const msg = h("div", { "aria-live": "polite" });
  const go = h("button", { type: "button", class: "primary", disabled: true }, t("pause.resumeConfirm"));
  const keep = h("button", { type: "button", onclick: dlg.close }, t("pause.stayPaused"));
  const body = h("div", { "data-testid": "resume-preview" }, h("p", { class: "muted" }, t("busy.calculating")));
  dlg.body.append(msg, body);
  dlg.footer.append(keep, go);
  dlg.focusFirst();
  api("POST", "/billing/subscription/resume/preview", { body: {} }).then((p) => {
    const due = f.money(p.amount_due_now, p.invoice.currency);
    body.replaceChildren(h("p", {}, t("pause.resumeCharges", { amount: due })),
      p.next_billing_date ? h("p", { class: "muted" }, t("pause.resumeRenews", { date: f.date(p.next_billing_date) })) : "",
      p.payment_method_required ? h("p", { class: "alert warning" }, t("pause.needsCard")) : "");
    go.disabled = p.payment_method_required;
  }, (err) => {
    body.replaceChildren();
    msg.replaceChildren(errorBox(err));
  });
  go.addEventListener("click", () => busy(go, async () => {
    msg.replaceChildren();
    let out;
    try {
      out = await action.send("POST", "/billing/subscription/resume", { body: {} });
    } catch (err) {
      msg.replaceChildren(errorBox(err));
      return;
    }
    if (out.status === "requires_action" && out.payment) {
      const paid = await (await import("./payment.js")).confirmPayment(out.payment.client_secret, dlg);
      if (!paid.ok) {
        msg.replaceChildren(errorBox(new Error(paid.message)));
        return;
      }
    }
    dlg.close();
    await ctx.reload();
    announce(notice(out.current_period_end ? t("plan.resumedRenews", { date: f.date(out.current_period_end) }) : t("plan.resumed")));
  }, t("busy.resuming")));
}
