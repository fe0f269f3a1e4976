// Cancel: reason survey, the one-time retention offer (accept or continue), confirmation with the end date; resume.
import { api } from "../api.js";
import { Action, announce, busy, errorBox, field, h, id, notice, openDialog } from "../dom.js";
import * as f from "../format.js";
import { mutate } from "./overview.js";

export function openCancel(ctx, sub) {
  const dlg = openDialog("Cancel your plan");
  let action = new Action();
  const name = id("reason");
  const reasons = h("fieldset", {}, h("legend", {}, "Why are you canceling?"),
    f.CANCEL_REASONS.map(([value, label]) => h("label", { class: "choice" }, h("input", { type: "radio", name, value }), h("span", {}, label))));
  const comment = h("textarea", { name: "comment", rows: "3", maxlength: "500" });
  const msg = h("div", { "aria-live": "polite" });
  const go = h("button", { type: "button", class: "danger" }, "Cancel plan");
  const keep = h("button", { type: "button", onclick: dlg.close }, "Keep my plan");
  dlg.body.append(msg,
    h("p", {}, `Your ${sub.plan_name || ""} plan stays active until ${f.date(sub.current_period_end)}. You will not be charged again.`),
    reasons, field("Anything else you want to tell us? (optional)", comment));
  dlg.footer.append(keep, go);
  dlg.focusFirst();

  const send = async (declineOffer) => {
    msg.replaceChildren();
    const sel = reasons.querySelector("input:checked");
    if (!sel) {
      msg.replaceChildren(errorBox(new Error("Choose a reason so we can do better.")));
      reasons.querySelector("input").focus();
      return;
    }
    const body = { feedback: sel.value };
    if (comment.value.trim()) body.comment = comment.value.trim();
    if (declineOffer) body.decline_offer = true;
    let out;
    try {
      out = await api("POST", "/billing/subscription/cancel", { body, key: action.key });
      action.answered();
    } catch (err) {
      if (err.status) action.answered();
      msg.replaceChildren(errorBox(err));
      return;
    }
    if (out.status === "offer" && out.offer) return showOffer(out.offer);
    done(out);
  };
  go.addEventListener("click", () => busy(go, () => send(false), "Canceling…"));

  function showOffer(offer) {
    const accept = h("button", { type: "button", class: "primary" }, "Accept offer and stay");
    const cont = h("button", { type: "button", class: "danger" }, "No thanks, cancel");
    const offerAction = new Action();
    const length = offer.duration === "repeating" && offer.duration_in_months ? ` for ${offer.duration_in_months} months` : offer.duration === "once" ? " on your next payment" : offer.duration === "forever" ? " for as long as you stay" : "";
    dlg.body.replaceChildren(msg, h("section", { class: "card", "data-testid": "offer", "aria-labelledby": "offer-title" },
      h("h3", { id: "offer-title" }, "Before you go: a one-time offer"),
      h("p", { class: "price" }, `${offer.percent_off}% off${length}`),
      h("p", {}, offer.description)));
    dlg.footer.replaceChildren(cont, accept);
    accept.focus();
    accept.addEventListener("click", () => busy(accept, async () => {
      try {
        await api("POST", "/billing/subscription/retention-offer", { body: { offer_id: offer.id }, key: offerAction.key });
        offerAction.answered();
      } catch (err) {
        if (err.status) offerAction.answered();
        msg.replaceChildren(errorBox(err));
        return;
      }
      dlg.close();
      await ctx.reload();
      announce(notice(`Thanks for staying! ${offer.percent_off}% off${length} is applied to your plan.`));
    }, "Applying…"));
    cont.addEventListener("click", () => busy(cont, () => send(true), "Canceling…"));
  }

  async function done(out) {
    dlg.close();
    await ctx.reload();
    announce(notice(out.status === "canceled" ? "Your plan is canceled." : `Your plan is canceled. You keep access until ${f.date(out.cancel_at || sub.current_period_end)}.`));
  }
}

export function resumePlan(ctx, button, card) {
  button.action ||= new Action(); // one key per press of this button (kept if the answer is lost)
  return busy(button, () => mutate(ctx, card, button.action, () => api("POST", "/billing/subscription/resume", { body: {}, key: button.action.key }),
    (out) => `Your plan is active again${out.current_period_end ? `; it renews on ${f.date(out.current_period_end)}` : ""}.`), "Resuming…");
}
