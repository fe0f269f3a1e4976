// @ts-check
// Cards: list (default badge, expiring soon), add a card (SetupIntent + payment element), make default, remove;
// "Update card and pay now" for an overdue invoice.
import { stripe } from "../api.js";
import { Action, announce, busy, errorBox, h, loading, notice, openDialog } from "../dom.js";
import * as f from "../format.js";
import { t } from "../i18n.js";
import { confirmPayment, explain } from "./payment.js";
import { currentSubscription, mutate } from "./overview.js";
import { confirmRemoval } from "./removal.js";

const cardName = (pm) => t("card.name", { brand: f.brand(pm.brand), last4: pm.last4 });

export async function renderCards(ctx) {
  const ov = await ctx.getOverview();
  const card = h("section", { class: "card", "aria-labelledby": "cards-title", "data-ready": "cards" });
  const add = h("button", { type: "button", class: "primary", onclick: () => openAddCard(ctx, {}) }, t("cards.add"));
  card.append(h("div", { class: "row spread" }, h("h2", { id: "cards-title" }, t("nav.cards")), add));
  const pms = ov.payment_methods || [];
  if (!pms.length) card.append(h("p", { class: "muted" }, t("cards.none")));
  const list = h("ul", { class: "plain list" });
  // The server refuses to remove the card that pays a subscription still billing: say so instead of a button.
  const billing = ["active", "trialing", "past_due", "unpaid"].includes((currentSubscription(ov) || {}).status);
  for (const pm of pms) {
    const actions = h("div", { class: "row" });
    if (pm.is_default && billing) {
      actions.append(h("p", { class: "muted small", "data-testid": "default-card-note" },
        pms.length > 1 ? t("cards.defaultNoteOthers") : t("cards.defaultNoteOnly")));
    }
    if (pm.is_default && !billing) {
      actions.append(h("button", { type: "button", class: "danger", onclick: () => confirmRemove(ctx, pm) }, t("action.remove")));
    }
    if (!pm.is_default) {
      const make = h("button", { type: "button" }, t("cards.makeDefault"));
      make.action = new Action();
      make.addEventListener("click", () => busy(make, () => mutate(ctx, card,
        () => make.action.send("POST", `/billing/payment-methods/${pm.id}/default`), t("cards.madeDefault", { card: cardName(pm) })), t("busy.saving")));
      actions.append(make, h("button", { type: "button", class: "danger", onclick: () => confirmRemove(ctx, pm) }, t("action.remove")));
    }
    list.append(h("li", { "data-pm": pm.id },
      h("div", {}, h("strong", {}, cardName(pm)), " ",
        pm.is_default ? h("span", { class: "badge good" }, t("cards.default")) : null, " ",
        pm.expiring_soon ? h("span", { class: "badge warn" }, t("cards.expiresSoon")) : null,
        h("p", { class: "muted small" }, t("cards.expires", { date: f.expiry(pm.exp_month, pm.exp_year) }))),
      actions));
  }
  card.append(list);
  return card;
}

function confirmRemove(ctx, pm) {
  confirmRemoval(ctx, {
    title: t("cards.remove.title"), question: t("cards.remove.question", { card: cardName(pm) }), keep: t("cards.remove.keep"),
    remove: t("cards.remove.title"), path: `/billing/payment-methods/${pm.id}`, done: t("cards.remove.done", { card: cardName(pm) }),
  });
}

/**
 * Add a card; with `recover` (the overdue invoice) it becomes the default and the invoice is paid at once.
 * @param {any} ctx the page's shared state (app.js)
 * @param {{ recover?: { id: string, amount_remaining: number, currency: string } }} [options] the overdue invoice
 */
export async function openAddCard(ctx, { recover } = {}) {
  const dlg = openDialog(recover ? t("pastDue.pay") : t("cards.add"));
  const setupAction = new Action();
  const defaultAction = new Action();
  const msg = h("div", { "aria-live": "polite" });
  const mountPoint = h("div", { class: "payment-element" }, loading(t("cards.loadingForm")));
  const makeDefault = h("input", { type: "checkbox", name: "default", checked: true, id: "make-default" });
  const save = h("button", { type: "button", class: "primary", disabled: true }, recover ? t("cards.saveAndPay", { amount: f.money(recover.amount_remaining, recover.currency) }) : t("cards.save"));
  dlg.body.append(msg, mountPoint);
  if (!recover) dlg.body.append(h("p", { class: "row" }, makeDefault, h("label", { for: "make-default" }, t("cards.useAsDefault"))));
  dlg.footer.append(h("button", { type: "button", onclick: dlg.close }, t("action.cancel")), save);
  let s;
  let elements;
  try {
    // The customer session lets the Payment Element show the saved cards too; without it the form still adds one.
    const [si, session] = await Promise.all([
      setupAction.send("POST", "/billing/payment-methods/setup-intent"),
      new Action().send("POST", "/billing/customer-session", { body: { component: "payment_element" } }).catch(() => null),
    ]);
    s = await stripe();
    elements = s.elements(session
      ? { clientSecret: si.client_secret, customerSessionClientSecret: session.customer_session_client_secret }
      : { clientSecret: si.client_secret });
    mountPoint.replaceChildren();
    elements.create("payment").mount(mountPoint);
    save.disabled = false;
    dlg.focusFirst();
  } catch (err) {
    mountPoint.replaceChildren();
    msg.replaceChildren(errorBox(err));
    return;
  }
  let pmId = null; // once the card is saved, a retry only repeats the steps after it
  save.addEventListener("click", () => busy(save, async () => {
    msg.replaceChildren();
    if (!pmId) {
      dlg.hide();
      const result = await s.confirmSetup({ elements, redirect: "if_required" });
      dlg.show();
      if (result.error) {
        msg.replaceChildren(errorBox(new Error(explain(result.error)), t("cards.chooseAnother")));
        return;
      }
      const pm = result.setupIntent.payment_method;
      pmId = typeof pm === "string" ? pm : pm.id;
    }
    if (!recover && !makeDefault.checked) return finish(t("cards.added"));
    let out;
    try {
      out = await defaultAction.send("POST", `/billing/payment-methods/${pmId}/default`);
    } catch (err) {
      msg.replaceChildren(errorBox(err, t("cards.savedNotDefault")));
      return;
    }
    if (!recover && !out.overdue_invoices.length) return finish(t("cards.addedDefault"));
    let results = out.overdue_invoices;
    if (recover && !results.some((r) => r.invoice === recover.id)) {
      try {
        results = [...results, await defaultAction.send("POST", `/billing/invoices/${recover.id}/pay`, { body: { payment_method: pmId } })];
      } catch (err) {
        msg.replaceChildren(errorBox(err, t("cards.savedNotPaid")));
        return;
      }
    }
    for (const r of results) {
      const problem = await settle(r, dlg);
      if (problem) {
        msg.replaceChildren(errorBox(new Error(problem), t("cards.savedRetry")));
        ctx.overview = null;
        return;
      }
    }
    // Paid in the answer: the server stored the new state already; paid here with 3-D Secure: the webhook does.
    const paidHere = results.some((r) => r.status !== "paid");
    finish(t("cards.savedPaid"), paidHere);
  }, recover ? t("busy.paying") : t("busy.saving")));

  async function finish(text, paidHere = false) {
    dlg.close();
    await ctx.reload(paidHere ? { until: (ov) => !ov.dunning?.past_due && ov.entitlements?.status !== "past_due" } : {});
    announce(notice(text));
  }
}

/** One invoice payment result: null when paid, else what went wrong in plain words. */
export async function settle(r, dlg) {
  if (r.status === "paid" || r.status === "processing") return null;
  if (r.status === "requires_action" && r.client_secret) {
    const done = await confirmPayment(r.client_secret, dlg);
    return done.ok ? null : done.message;
  }
  return f.decline(r.reason, r.message);
}
