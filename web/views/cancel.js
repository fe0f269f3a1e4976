// @ts-check
// Cancel: reason survey, the one-time retention offer (accept or continue), confirmation with the end date; resume.
import { Action, announce, busy, errorBox, field, h, id, notice, openDialog } from "../dom.js";
import * as f from "../format.js";
import { t } from "../i18n.js";
import { mutate } from "./overview.js";

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

  function showOffer(offer) {
    const accept = h("button", { type: "button", class: "primary" }, t("offer.accept"));
    const cont = h("button", { type: "button", class: "danger" }, t("offer.decline"));
    const offerAction = new Action();
    const percent = f.number(offer.percent_off);
    const deal = offer.duration === "repeating" && offer.duration_in_months ? t("offer.months", { percent, count: offer.duration_in_months })
      : ["once", "forever"].includes(offer.duration) ? t(`offer.${offer.duration}`, { percent }) : t("offer.off", { percent });
    dlg.body.replaceChildren(msg, h("section", { class: "card", "data-testid": "offer", "aria-labelledby": "offer-title" },
      h("h3", { id: "offer-title" }, t("offer.title")),
      h("p", { class: "price" }, deal),
      h("p", {}, offer.description)));
    dlg.footer.replaceChildren(cont, accept);
    accept.focus();
    accept.addEventListener("click", () => busy(accept, async () => {
      try {
        await offerAction.send("POST", "/billing/subscription/retention-offer", { body: { offer_id: offer.id } });
      } catch (err) {
        msg.replaceChildren(errorBox(err));
        return;
      }
      dlg.close();
      await ctx.reload();
      announce(notice(t("offer.applied", { deal })));
    }, t("busy.applying")));
    cont.addEventListener("click", () => busy(cont, () => send(true), t("busy.canceling")));
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
