// Change plan (picker, exact preview, confirm, 3-D Secure) and subscribe / resubscribe.
import { api } from "../api.js";
import { Action, announce, busy, errorBox, field, h, id, loading, notice, openDialog } from "../dom.js";
import * as f from "../format.js";
import { confirmPayment } from "./payment.js";

const KIND = {
  upgrade: "Upgrade", downgrade: "Downgrade", longer_interval: "Switch to yearly billing", shorter_interval: "Switch to monthly billing",
  lateral: "Switch plan", seats_increase: "Add seats", seats_decrease: "Remove seats",
};

function picker(plans, { subscribe }) {
  const name = id("plan");
  const seats = h("input", { type: "number", name: "quantity", inputmode: "numeric", min: "1", step: "1" });
  const seatsField = field("Seats", seats);
  seatsField.hidden = true;
  const fs = h("fieldset", {}, h("legend", {}, "Choose a plan"));
  let options = 0;
  for (const plan of plans.plans) {
    const group = h("div", { class: "plan-group" }, h("h3", {}, plan.name, plan.current ? h("span", { class: "badge" }, " Current plan") : null),
      h("p", { class: "muted small" }, plan.description));
    for (const price of plan.prices) {
      const allowed = subscribe ? plans.can_subscribe : price.change_kind || (price.current && plan.per_seat);
      const input = h("input", { type: "radio", name, value: price.lookup_key, disabled: !allowed });
      input.plan = plan;
      input.price = price;
      const each = plan.per_seat ? " per seat" : "";
      const note = price.current ? " (your current price)" : !allowed ? " (not available from your plan)" : price.change_timing === "period_end" ? " (from your next billing date)" : "";
      group.append(h("label", { class: "choice" }, input, h("span", {}, `${f.money(price.unit_amount, price.currency)}${each} ${f.per(price.interval)}`, h("span", { class: "muted small" }, note))));
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
      document.getElementById(seats.id).labels[0].textContent = `Seats (${p.min_seats}–${p.max_seats})`;
    }
  });
  const read = () => {
    const sel = fs.querySelector("input:checked");
    if (!sel) return { error: "Choose a plan first." };
    const out = { price_lookup_key: sel.value, plan: sel.plan, price: sel.price };
    if (sel.plan.per_seat) {
      const q = Number(seats.value);
      if (!Number.isInteger(q) || q < sel.plan.min_seats || q > sel.plan.max_seats) {
        return { error: `Enter a number of seats from ${sel.plan.min_seats} to ${sel.plan.max_seats}.`, seats };
      }
      if (sel.price.current && current && q === current.quantity) return { error: "This is your current plan. Change the number of seats or pick another plan." };
      out.quantity = q;
    } else if (sel.price.current) {
      return { error: "This is your current plan." };
    }
    return out;
  };
  return { node: h("div", {}, fs, seatsField), read, options };
}

export async function openChangePlan(ctx) {
  const dlg = openDialog("Change plan", { wide: true });
  dlg.body.append(loading("Loading plans…"));
  let plans;
  try {
    plans = await api("GET", "/billing/plans");
  } catch (err) {
    dlg.body.replaceChildren(errorBox(err));
    return;
  }
  const action = new Action(); // one key for this change, made when the dialog opened
  const pick = picker(plans, { subscribe: false });
  const msg = h("div", { "aria-live": "polite" });
  const previewBox = h("div", { "aria-live": "polite" });
  const previewBtn = h("button", { type: "button", class: "primary" }, "Preview change");
  const confirmBtn = h("button", { type: "button", class: "primary", hidden: true }, "Confirm change");
  const cancelBtn = h("button", { type: "button", onclick: dlg.close }, "Cancel");
  dlg.body.replaceChildren(msg, pick.node, previewBox);
  dlg.footer.append(cancelBtn, previewBtn, confirmBtn);
  dlg.focusFirst();
  let preview = null;
  let choice = null;
  let trial = null; // the trial choice, kept across the re-previews it asks for
  const goToCards = () => h("a", { href: "#cards", onclick: dlg.close }, "Go to payment methods");
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
  }, "Calculating…"));
  confirmBtn.addEventListener("click", () => busy(confirmBtn, async () => {
    msg.replaceChildren();
    let out;
    try {
      out = await api("POST", "/billing/subscription/change", { body: { preview_id: preview.preview_id }, key: action.key });
      action.answered();
    } catch (err) {
      if (err.status) action.answered();
      const needsCard = err.code === "payment_method_required";
      const extra = needsCard
        ? "Your plan did not change and nothing was charged."
        : err.status === 402 ? "Your card was declined, so your plan did not change and nothing was charged. Add another card under Payment methods, then try again." : null;
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
        msg.replaceChildren(errorBox(new Error(r.message), "Your plan did not change."));
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
      ? (seatChange ? `You will have ${seats} seats from ${when}.` : `Your plan changes to ${planName} on ${when}.`)
      : (seatChange ? `You now have ${seats} seats.` : `You are now on the ${planName} plan.`)));
  }, "Changing plan…"));
}

/** During a trial: keep it (default; the first payment stays at the trial end) or end it and pay today. */
function trialChoice(p, choice, reload) {
  const name = id("trial");
  const firstPayment = p.trial_end || p.next_billing_date;
  const keep = h("input", { type: "radio", name, value: "keep", checked: true });
  const end = h("input", { type: "radio", name, value: "end" });
  const node = h("fieldset", { "data-testid": "trial-choice" }, h("legend", {}, "Your free trial"),
    h("label", { class: "choice" }, keep, h("span", {}, `Keep my trial (first payment on ${f.date(firstPayment)})`)),
    h("label", { class: "choice" }, end, h("span", {}, "End my trial now and pay today")));
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
function renderPreview(p, choice, goToCards) {
  const cur = p.currency;
  const now = p.lines_invoice === "due_now";
  const items = p.lines.filter((l) => l.kind !== "discount");
  const discounts = p.lines.filter((l) => l.kind === "discount");
  const caption = now ? "Charged now" : `Your next invoice on ${f.date(p.next_billing_date)}`;
  const table = h("table", { "data-testid": "preview-lines" }, h("caption", {}, caption),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Item"), h("th", { scope: "col", class: "num" }, "Amount"))),
    h("tbody", {}, items.map((l) => row(l.description || (l.amount < 0 ? "Credit for unused time" : "Charge"), l.amount, cur, { "data-kind": l.kind }))),
    h("tfoot", {},
      row("Subtotal", p.subtotal, cur, { "data-row": "subtotal" }),
      discounts.map((l) => row(l.description || "Discount", l.amount, cur, { "data-kind": "discount" })),
      row("Tax", p.tax, cur, { "data-row": "tax" }),
      row("Total", p.total, cur, { "data-row": "total" }),
      p.balance_applied ? row("Credit used", p.balance_applied, cur, { "data-row": "balance" }) : null,
      row(now ? "Due now" : "Next payment", now ? p.amount_due_now : p.next_invoice_amount, cur, { "data-row": "due", class: "preview-due" })));
  const included = p.discounts_in_line_amounts || [];
  const when = p.timing === "immediate" ? "now" : `on ${f.date(p.effective_at)}`;
  const perSeat = choice.plan.per_seat && p.target.quantity;
  const price = perSeat
    ? `${f.money(p.unit_amount, cur)} per seat × ${p.target.quantity} seats = ${f.money(p.new_recurring_amount, cur)} ${f.per(p.new_interval)}`
    : `${f.money(p.new_recurring_amount, cur)} ${f.per(p.new_interval)}`;
  const planName = choice.plan.name;
  let trialNote = null;
  if (p.trialing && !p.ends_trial) {
    trialNote = h("p", { "data-testid": "trial-kept" }, `Your trial continues. Your first payment of ${f.money(p.next_invoice_amount, cur)} is on ${f.date(p.trial_end || p.next_billing_date)}.`);
  } else if (p.ends_trial) {
    trialNote = h("p", { "data-testid": "trial-ended" }, `Your trial ends now and ${f.money(p.amount_due_now, cur)} is charged today.`);
  }
  let card = null;
  if (p.payment_method_required) {
    card = h("div", { class: "alert warning", "data-testid": "card-needed" },
      h("p", {}, `A card is needed to pay the ${f.money(p.amount_due_now, cur)} due now. Add one under Payment methods, then preview the change again.`), goToCards());
  } else if (p.payment_method_needed_by) {
    card = h("div", { class: "alert warning", "data-testid": "card-needed" },
      h("p", {}, `Add a card before ${f.date(p.payment_method_needed_by)} to keep ${planName}.`), goToCards());
  }
  return h(
    "section",
    { class: "card", "aria-labelledby": "preview-title", "data-testid": "preview" },
    h("h3", { id: "preview-title" }, `${KIND[p.change_kind] || "Change"}: ${planName}${choice.quantity ? `, ${choice.quantity} seats` : ""}`),
    h("dl", { class: "facts" },
      h("dt", {}, "Due now"), h("dd", { class: "preview-total" }, f.money(p.amount_due_now, cur)),
      h("dt", {}, "Takes effect"), h("dd", {}, when),
      h("dt", {}, "New price"), h("dd", { "data-testid": "new-price" }, price),
      p.next_billing_date ? [h("dt", {}, "Next payment"), h("dd", {}, `${f.money(p.next_invoice_amount ?? p.new_recurring_amount, cur)} on ${f.date(p.next_billing_date)}`)] : null),
    trialNote,
    card,
    table,
    included.length ? h("p", { class: "muted small", "data-testid": "discounts-included" }, `The amounts above already include ${included.join(", ")}.`) : null,
  );
}

export async function openSubscribe(ctx) {
  const dlg = openDialog("Choose a plan", { wide: true });
  dlg.body.append(loading("Loading plans…"));
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
  const go = h("button", { type: "button", class: "primary" }, "Subscribe");
  dlg.body.replaceChildren(msg, pick.node,
    h("p", { class: "muted small" }, "Plans with a free trial start with the trial; you can cancel any time before it ends."));
  dlg.footer.append(h("button", { type: "button", onclick: dlg.close }, "Cancel"), go);
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
      out = await api("POST", "/billing/subscription", { body, key: action.key });
      action.answered();
    } catch (err) {
      if (err.status) action.answered();
      msg.replaceChildren(errorBox(err, err.status === 402 ? "Your card was declined. Add another card under Payment methods, then try again." : null));
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
      msg.replaceChildren(errorBox(new Error("Add a card first: the plan starts once a payment succeeds."),
        "Go to Payment methods, add a card, then subscribe again."));
      return;
    }
    dlg.close();
    await ctx.reload(paidHere ? { until: (ov) => ov.entitlements?.entitled && ov.entitlements.plan === choice.plan.id } : {});
    announce(notice(out.status === "trialing" ? `Your ${choice.plan.name} trial has started${out.trial_end ? ` and ends on ${f.date(out.trial_end)}` : ""}.` : `You are now subscribed to ${choice.plan.name}.`));
  }, "Subscribing…"));
}
