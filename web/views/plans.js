// @ts-check
// Change plan (picker, exact preview, confirm, 3-D Secure) and subscribe / resubscribe.
import { api } from "../api.js";
import { Action, announce, busy, errorBox, field, h, id, loading, notice, openDialog } from "../dom.js";
import * as f from "../format.js";
import { has, locale, t } from "../i18n.js";
import { confirmPayment } from "./payment.js";

/** The kind of change (upgrade, downgrade, seats_increase, ...) in words. */
const kind = (k) => (k && has(`kind.${k}`) ? t(`kind.${k}`) : t("kind.change"));

function picker(plans, { subscribe, preset = null }) {
  const name = id("plan");
  const seats = h("input", { type: "number", name: "quantity", inputmode: "numeric", min: "1", step: "1" });
  const seatsField = field(t("plan.seats"), seats);
  seatsField.hidden = true;
  const fs = h("fieldset", {}, h("legend", {}, t("noPlan.choose")));
  let options = 0;
  for (const plan of plans.plans) {
    const group = h("div", { class: "plan-group" }, h("h3", {}, plan.name, plan.current ? [" ", h("span", { class: "badge" }, t("plans.currentPlan"))] : null),
      h("p", { class: "muted small" }, plan.description));
    for (const price of plan.prices) {
      const allowed = subscribe ? plans.can_subscribe : price.change_kind || (price.current && plan.per_seat);
      const input = h("input", { type: "radio", name, value: price.lookup_key, disabled: !allowed });
      input.plan = plan;
      input.price = price;
      const amount = f.money(price.unit_amount, price.currency);
      const label = plan.per_seat ? t("plans.pricePerSeat", { amount, per: f.per(price.interval) }) : t("plans.price", { amount, per: f.per(price.interval) });
      const note = price.current ? t("plans.noteCurrent") : !allowed ? t("plans.noteUnavailable") : price.change_timing === "period_end" ? t("plans.noteNextDate") : "";
      group.append(h("label", { class: "choice" }, input, h("span", {}, label, note ? h("span", { class: "muted small" }, ` ${note}`) : null)));
      if (allowed) options++;
    }
    fs.append(group);
  }
  const current = plans.current;
  fs.addEventListener("change", () => {
    const sel = fs.querySelector("input:checked");
    const p = sel && sel.plan;
    seatsField.hidden = !(p && p.per_seat);
    if (p && p.per_seat) {
      seats.min = p.min_seats;
      seats.max = p.max_seats;
      if (!seats.value) seats.value = current && current.plan_id === p.id ? current.quantity : p.min_seats;
      /** @type {HTMLInputElement} */ (document.getElementById(seats.id)).labels[0].textContent = t("plans.seatsRange", { min: f.number(p.min_seats), max: f.number(p.max_seats) });
    }
  });
  // Opened to buy what an invitation needs (once in the dialog): that price chosen, with the seats it needs.
  const preselect = () => {
    const wanted = preset && [...fs.querySelectorAll("input")].find((i) => i.value === preset.price_lookup_key && !i.disabled);
    if (!wanted) return;
    wanted.checked = true;
    seats.value = String(preset.quantity);
    fs.dispatchEvent(new Event("change"));
  };
  const read = () => {
    const sel = fs.querySelector("input:checked");
    if (!sel) return { error: t("plans.error.choose") };
    const out = { price_lookup_key: sel.value, plan: sel.plan, price: sel.price };
    if (sel.plan.per_seat) {
      const q = Number(seats.value);
      if (!Number.isInteger(q) || q < sel.plan.min_seats || q > sel.plan.max_seats) {
        return { error: t("plans.error.seats", { min: f.number(sel.plan.min_seats), max: f.number(sel.plan.max_seats) }), seats };
      }
      if (sel.price.current && current && q === current.quantity) return { error: t("plans.error.sameSeats") };
      out.quantity = q;
    } else if (sel.price.current) {
      return { error: t("plans.error.same") };
    }
    return out;
  };
  return { node: h("div", {}, fs, seatsField), read, options, preselect };
}

/**
 * @param {any} ctx
 * @param {{ price_lookup_key: string, quantity: number }} [preset] the price and seats to preview (one more seat)
 */
export async function openChangePlan(ctx, preset) {
  const dlg = openDialog(t("plan.change"), { wide: true });
  dlg.body.append(loading(t("plans.loading")));
  let plans;
  try {
    plans = await api("GET", "/billing/plans");
  } catch (err) {
    dlg.body.replaceChildren(errorBox(err));
    return;
  }
  const action = new Action(); // one key for this change, made when the dialog opened
  const pick = picker(plans, { subscribe: false, preset });
  const msg = h("div", { "aria-live": "polite" });
  const previewBox = h("div", { "aria-live": "polite" });
  const previewBtn = h("button", { type: "button", class: "primary" }, t("plans.preview"));
  const confirmBtn = h("button", { type: "button", class: "primary", hidden: true }, t("plans.confirm"));
  const cancelBtn = h("button", { type: "button", onclick: dlg.close }, t("action.cancel"));
  dlg.body.replaceChildren(msg, pick.node, previewBox);
  dlg.footer.append(cancelBtn, previewBtn, confirmBtn);
  pick.preselect();
  dlg.focusFirst();
  let preview = null;
  let choice = null;
  let trial = null; // the trial choice, kept across the re-previews it asks for
  const goToCards = () => h("a", { href: "#cards", onclick: dlg.close }, t("plans.goToCards"));
  pick.node.addEventListener("change", () => {
    preview = null;
    trial = null;
    previewBox.replaceChildren();
    confirmBtn.hidden = true;
    previewBtn.hidden = false;
  });
  // Ask for the exact money of the change; only what the server previewed can be confirmed.
  const load = async (endTrial) => {
    const body = { price_lookup_key: choice.price_lookup_key };
    if (choice.quantity) body.quantity = choice.quantity;
    if (endTrial) body.end_trial = true;
    preview = null;
    confirmBtn.hidden = true;
    try {
      preview = await api("POST", "/billing/subscription/preview", { body });
    } catch (err) {
      msg.replaceChildren(errorBox(err));
      return false;
    }
    if (preview.trialing && !trial) trial = trialChoice(preview, choice, (end) => load(end));
    previewBox.replaceChildren(...[trial?.node, renderPreview(preview, choice, goToCards)].filter(Boolean));
    previewBtn.hidden = true;
    // A change that charges now needs a card: the preview says so and there is nothing to confirm (H2).
    confirmBtn.hidden = preview.payment_method_required;
    return true;
  };
  previewBtn.addEventListener("click", () => busy(previewBtn, async () => {
    msg.replaceChildren();
    choice = pick.read();
    if (choice.error) {
      msg.replaceChildren(errorBox(new Error(choice.error)));
      (choice.seats || pick.node.querySelector("input:not(:disabled)"))?.focus();
      return;
    }
    trial = null;
    if (await load(false)) (confirmBtn.hidden ? previewBox.querySelector("a, input") : confirmBtn)?.focus();
  }, t("busy.calculating")));
  confirmBtn.addEventListener("click", () => busy(confirmBtn, async () => {
    msg.replaceChildren();
    let out;
    try {
      out = await action.send("POST", "/billing/subscription/change", { body: { preview_id: preview.preview_id } });
    } catch (err) {
      const needsCard = err.code === "payment_method_required";
      const extra = needsCard
        ? t("plans.unchanged")
        : err.status === 402 ? t("plans.declined") : null;
      msg.replaceChildren(errorBox(err, extra));
      if (needsCard || err.status === 402) msg.firstChild.append(goToCards());
      msg.scrollIntoView?.({ block: "nearest" });
      return;
    }
    const target = preview.target.plan_id;
    const seats = preview.target.quantity;
    const seatChange = preview.change_kind === "seats_increase" || preview.change_kind === "seats_decrease";
    const paidHere = out.status === "requires_action";
    if (paidHere) {
      const r = await confirmPayment(out.payment.client_secret, dlg);
      if (!r.ok) {
        msg.replaceChildren(errorBox(new Error(r.message), t("plans.notChanged")));
        await ctx.reload();
        return;
      }
    }
    dlg.close();
    // The server answered with the new state already stored; a payment finished here is recorded by the webhook.
    await ctx.reload(paidHere ? { until: (ov) => ov.entitlements?.plan === target && (!seatChange || ov.entitlements.limits?.seats === seats) } : {});
    const planName = (plans.plans.find((p) => p.id === target) || {}).name || target;
    const when = f.date(out.effective_at || preview.effective_at);
    announce(notice(out.status === "scheduled"
      ? (seatChange ? t("seats.from", { count: seats, date: when }) : t("plans.changesOn", { plan: planName, date: when }))
      : (seatChange ? t("seats.now", { count: seats }) : t("plans.nowOn", { plan: planName }))));
  }, t("busy.changing")));
}

/** During a trial: keep it (default; the first payment stays at the trial end) or end it and pay today. */
function trialChoice(p, choice, reload) {
  const name = id("trial");
  const firstPayment = p.trial_end || p.next_billing_date;
  const keep = h("input", { type: "radio", name, value: "keep", checked: true });
  const end = h("input", { type: "radio", name, value: "end" });
  const node = h("fieldset", { "data-testid": "trial-choice" }, h("legend", {}, t("trial.legend")),
    h("label", { class: "choice" }, keep, h("span", {}, t("trial.keep", { date: f.date(firstPayment) }))),
    h("label", { class: "choice" }, end, h("span", {}, t("trial.end"))));
  node.addEventListener("change", () => {
    for (const r of [keep, end]) r.disabled = true;
    reload(end.checked).finally(() => {
      for (const r of [keep, end]) r.disabled = false;
      (end.checked ? end : keep).focus();
    });
  });
  return { node };
}

function row(label, amount, currency, attrs = {}) {
  return h("tr", attrs, h("th", { scope: "row" }, label), h("td", { class: "num" }, f.money(amount, currency)));
}

/**
 * The preview as one invoice whose rows add up (H1): lines -> subtotal; discounts -> total before tax; tax ->
 * total; credit used -> "Due now" (the invoice the change creates now) or the next payment (nothing due now).
 */
export function renderPreview(p, choice, goToCards) {
  const cur = p.currency;
  const now = p.lines_invoice === "due_now";
  const items = p.lines.filter((l) => l.kind !== "discount");
  const discounts = p.lines.filter((l) => l.kind === "discount");
  const caption = now ? t("preview.chargedNow") : t("preview.nextInvoice", { date: f.date(p.next_billing_date) });
  const table = h("table", { "data-testid": "preview-lines" }, h("caption", {}, caption),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("preview.item")), h("th", { scope: "col", class: "num" }, t("invoices.amount")))),
    h("tbody", {}, items.map((l) => row(l.description || (l.amount < 0 ? t("preview.credit") : t("preview.charge")), l.amount, cur, { "data-kind": l.kind }))),
    h("tfoot", {},
      row(t("preview.subtotal"), p.subtotal, cur, { "data-row": "subtotal" }),
      discounts.map((l) => row(l.description || t("plan.discount"), l.amount, cur, { "data-kind": "discount" })),
      row(t("preview.tax"), p.tax, cur, { "data-row": "tax" }),
      row(t("preview.total"), p.total, cur, { "data-row": "total" }),
      p.balance_applied ? row(t("preview.creditUsed"), p.balance_applied, cur, { "data-row": "balance" }) : null,
      row(now ? t("preview.dueNow") : t("plan.nextPayment"), now ? p.amount_due_now : p.next_invoice_amount, cur, { "data-row": "due", class: "preview-due" })));
  const included = p.discounts_in_line_amounts || [];
  const when = p.timing === "immediate" ? t("preview.now") : t("preview.onDate", { date: f.date(p.effective_at) });
  const perSeat = choice.plan.per_seat && p.target.quantity;
  const price = perSeat
    ? t("preview.perSeat", { unit: f.money(p.unit_amount, cur), count: p.target.quantity, amount: f.money(p.new_recurring_amount, cur), per: f.per(p.new_interval) })
    : t("plans.price", { amount: f.money(p.new_recurring_amount, cur), per: f.per(p.new_interval) });
  const planName = choice.plan.name;
  let trialNote = null;
  if (p.trialing && !p.ends_trial) {
    trialNote = h("p", { "data-testid": "trial-kept" }, t("trial.continues", { amount: f.money(p.next_invoice_amount, cur), date: f.date(p.trial_end || p.next_billing_date) }));
  } else if (p.ends_trial) {
    trialNote = h("p", { "data-testid": "trial-ended" }, t("trial.endsNow", { amount: f.money(p.amount_due_now, cur) }));
  }
  let card = null;
  if (p.payment_method_required) {
    card = h("div", { class: "alert warning", "data-testid": "card-needed" },
      h("p", {}, t("preview.cardNeeded", { amount: f.money(p.amount_due_now, cur) })), goToCards());
  } else if (p.payment_method_needed_by) {
    card = h("div", { class: "alert warning", "data-testid": "card-needed" },
      h("p", {}, t("card.neededBy", { date: f.date(p.payment_method_needed_by), plan: planName })), goToCards());
  }
  return h(
    "section",
    { class: "card", "aria-labelledby": "preview-title", "data-testid": "preview" },
    h("h3", { id: "preview-title" }, choice.quantity ? t("preview.titleSeats", { kind: kind(p.change_kind), plan: planName, count: choice.quantity })
      : t("preview.title", { kind: kind(p.change_kind), plan: planName })),
    h("dl", { class: "facts" },
      h("dt", {}, t("preview.dueNow")), h("dd", { class: "preview-total" }, f.money(p.amount_due_now, cur)),
      h("dt", {}, t("preview.takesEffect")), h("dd", {}, when),
      h("dt", {}, t("preview.newPrice")), h("dd", { "data-testid": "new-price" }, price),
      p.next_billing_date ? [h("dt", {}, t("plan.nextPayment")), h("dd", {}, t("amountOn", { amount: f.money(p.next_invoice_amount ?? p.new_recurring_amount, cur), date: f.date(p.next_billing_date) }))] : null),
    trialNote,
    card,
    table,
    included.length ? h("p", { class: "muted small", "data-testid": "discounts-included" }, t("preview.discountsIncluded", { discounts: new Intl.ListFormat(locale(), { type: "conjunction" }).format(included) })) : null,
  );
}

export async function openSubscribe(ctx) {
  const dlg = openDialog(t("noPlan.choose"), { wide: true });
  dlg.body.append(loading(t("plans.loading")));
  let plans;
  try {
    plans = await api("GET", "/billing/plans");
  } catch (err) {
    dlg.body.replaceChildren(errorBox(err));
    return;
  }
  const action = new Action();
  const pick = picker(plans, { subscribe: true });
  const msg = h("div", { "aria-live": "polite" });
  const go = h("button", { type: "button", class: "primary" }, t("plans.subscribe"));
  dlg.body.replaceChildren(msg, pick.node,
    h("p", { class: "muted small" }, t("plans.trialHint")));
  dlg.footer.append(h("button", { type: "button", onclick: dlg.close }, t("action.cancel")), go);
  dlg.focusFirst();
  go.addEventListener("click", () => busy(go, async () => {
    msg.replaceChildren();
    const choice = pick.read();
    if (choice.error) {
      msg.replaceChildren(errorBox(new Error(choice.error)));
      return;
    }
    const body = { price_lookup_key: choice.price_lookup_key };
    if (choice.quantity) body.quantity = choice.quantity;
    let out;
    try {
      out = await action.send("POST", "/billing/subscription", { body });
    } catch (err) {
      msg.replaceChildren(errorBox(err, err.status === 402 ? t("plans.subscribeDeclined") : null));
      return;
    }
    const paidHere = out.status === "requires_action" && out.payment;
    if (paidHere) {
      const r = await confirmPayment(out.payment.client_secret, dlg);
      if (!r.ok) {
        msg.replaceChildren(errorBox(new Error(r.message)));
        return;
      }
    } else if (out.status === "requires_payment_method") {
      msg.replaceChildren(errorBox(new Error(t("plans.cardFirst")), t("plans.cardFirstHint")));
      return;
    }
    dlg.close();
    await ctx.reload(paidHere ? { until: (ov) => ov.entitlements?.entitled && ov.entitlements.plan === choice.plan.id } : {});
    const plan = choice.plan.name;
    announce(notice(out.status === "trialing"
      ? (out.trial_end ? t("plans.trialStartedEnds", { plan, date: f.date(out.trial_end) }) : t("plans.trialStarted", { plan }))
      : t("plans.subscribed", { plan })));
  }, t("busy.subscribing")));
}
