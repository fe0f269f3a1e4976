// @ts-check
// Cancel: the reason, the offer matched to it (pause, cheaper plan with its exact preview, coupon; accept or
// continue), confirmation with the end date; resume.
import { Action, announce, busy, errorBox, field, h, id, notice, openDialog } from "../dom.js";
import * as f from "../format.js";
import { locale, t } from "../i18n.js";
import { mutate } from "./overview.js";
import { renderPreview } from "./plans.js";

export function openCancel(ctx, sub) {
  const dlg = openDialog(t("cancel.title"));
  const action = new Action();
  const name = id("reason");
  const reasons = h("fieldset", {}, h("legend", {}, t("cancel.why")),
    f.CANCEL_REASONS.map((value) => h("label", { class: "choice" }, h("input", { type: "radio", name, value }), h("span", {}, f.cancelReason(value)))));
  const comment = h("textarea", { name: "comment", rows: "3", maxlength: "500" });
  const msg = h("div", { "aria-live": "polite" });
  const go = h("button", { type: "button", class: "danger" }, t("plan.cancel"));
  const keep = h("button", { type: "button", onclick: dlg.close }, t("cancel.keep"));
  dlg.body.append(msg,
    h("p", {}, sub.plan_name ? t("cancel.staysActive", { plan: sub.plan_name, date: f.date(sub.current_period_end) })
      : t("cancel.staysActiveUnnamed", { date: f.date(sub.current_period_end) })),
    reasons, field(t("cancel.comment"), comment));
  dlg.footer.append(keep, go);
  dlg.focusFirst();

  const send = async (declineOffer) => {
    msg.replaceChildren();
    const sel = reasons.querySelector("input:checked");
    if (!sel) {
      msg.replaceChildren(errorBox(new Error(t("cancel.chooseReason"))));
      reasons.querySelector("input").focus();
      return;
    }
    const body = { feedback: sel.value };
    if (comment.value.trim()) body.comment = comment.value.trim();
    if (declineOffer) body.decline_offer = true;
    let out;
    try {
      out = await action.send("POST", "/billing/subscription/cancel", { body });
    } catch (err) {
      msg.replaceChildren(errorBox(err));
      return;
    }
    if (out.status === "offer" && out.offer) return showOffer(out.offer);
    done(out);
  };
  go.addEventListener("click", () => busy(go, () => send(false), t("busy.canceling")));

  // The offer matched to the reason: a pause, a cheaper plan (its exact preview), or the coupon.
  function showOffer(offer) {
    if (offer.kind === "pause") return showPause(offer);
    if (offer.kind === "cheaper_plan" && offer.preview) return showCheaper(offer);
    return showCoupon(offer);
  }

  function offerCard(title, ...content) {
    return h("section", { class: "card", "data-testid": "offer", "aria-labelledby": "offer-title" }, h("h3", { id: "offer-title" }, title), ...content);
  }

  /**
   * Accept with one action per offer shown (its key kept if the answer is lost), then reload and say what changed.
   * @param {HTMLButtonElement} button
   * @param {(offerAction: Action) => Promise<any>} request
   * @param {(out: any) => string} said
   */
  function acceptWith(button, request, said) {
    const offerAction = new Action();
    button.addEventListener("click", () => busy(button, async () => {
      let out;
      try {
        out = await request(offerAction);
      } catch (err) {
        msg.replaceChildren(errorBox(err));
        return;
      }
      dlg.close();
      await ctx.reload();
      announce(notice(said(out)));
    }, t("busy.applying")));
  }

  function offerFooter(accept) {
    const cont = h("button", { type: "button", class: "danger" }, t("offer.decline"));
    cont.addEventListener("click", () => busy(cont, () => send(true), t("busy.canceling")));
    dlg.footer.replaceChildren(cont, accept);
    accept.focus();
  }

  function showCoupon(offer) {
    const accept = h("button", { type: "button", class: "primary" }, t("offer.accept"));
    const percent = f.number(offer.percent_off);
    const deal = offer.duration === "repeating" && offer.duration_in_months ? t("offer.months", { percent, count: offer.duration_in_months })
      : ["once", "forever"].includes(offer.duration) ? t(`offer.${offer.duration}`, { percent }) : t("offer.off", { percent });
    dlg.body.replaceChildren(msg, offerCard(t("offer.title"), h("p", { class: "price" }, deal), h("p", {}, offer.description)));
    offerFooter(accept);
    acceptWith(accept, (a) => a.send("POST", "/billing/subscription/retention-offer", { body: { offer_id: offer.id } }),
      () => t("offer.applied", { deal }));
  }

  // The pause is the pause dialog's (its lengths, the preview of the credit and the resume, confirm): the offer
  // leads there instead of canceling.
  function showPause(offer) {
    const accept = h("button", { type: "button", class: "primary" }, t("offer.pauseAccept"));
    const lengths = offer.periods.map((n) => t(sub.interval === "year" ? "pause.years" : "pause.months", { count: n }));
    dlg.body.replaceChildren(msg, offerCard(t("offer.pauseTitle"), h("p", {}, t("offer.pauseBody")),
      h("p", { class: "muted" }, new Intl.ListFormat(locale(), { type: "disjunction" }).format(lengths))));
    offerFooter(accept);
    accept.addEventListener("click", async () => {
      dlg.close();
      (await import("./pause.js")).openPause(ctx, sub);
    });
  }

  // The cheaper plan with its exact preview; accepting applies exactly that preview.
  function showCheaper(offer) {
    const plan = offer.description;
    const p = offer.preview;
    const accept = h("button", { type: "button", class: "primary" }, t("offer.cheaperAccept", { plan }));
    const toCards = () => h("a", { href: "#cards", onclick: dlg.close }, t("plans.goToCards"));
    dlg.body.replaceChildren(msg, offerCard(t("offer.cheaperTitle", { plan }),
      renderPreview(p, { plan: { name: plan, per_seat: false }, quantity: null }, toCards)));
    offerFooter(accept);
    accept.hidden = Boolean(p.payment_method_required);
    acceptWith(accept, (a) => a.send("POST", "/billing/subscription/retention-offer", { body: { offer_id: offer.id, preview_id: p.preview_id } }),
      (out) => (out.status === "scheduled" ? t("offer.cheaperOn", { plan, date: f.date(p.effective_at) }) : t("offer.cheaperNow", { plan })));
  }

  async function done(out) {
    dlg.close();
    await ctx.reload();
    announce(notice(out.status === "canceled" ? t("cancel.done") : t("cancel.doneUntil", { date: f.date(out.cancel_at || sub.current_period_end) })));
  }
}

export function resumePlan(ctx, button, card) {
  button.action ||= new Action(); // one key per press of this button (kept if the answer is lost)
  return busy(button, () => mutate(ctx, card, () => button.action.send("POST", "/billing/subscription/resume", { body: {} }),
    (out) => (out.current_period_end ? t("plan.resumedRenews", { date: f.date(out.current_period_end) }) : t("plan.resumed"))), t("busy.resuming"));
}
