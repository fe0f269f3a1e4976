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
  pick.node.addEventListener("change", () => {
    preview = null;
    previewBox.replaceChildren();
    confirmBtn.hidden = true;
    previewBtn.hidden = false;
  });
  previewBtn.addEventListener("click", () => busy(previewBtn, async () => {
    msg.replaceChildren();
    const choice = pick.read();
    if (choice.error) {
      msg.replaceChildren(errorBox(new Error(choice.error)));
      (choice.seats || pick.node.querySelector("input:not(:disabled)"))?.focus();
      return;
    }
    const body = { price_lookup_key: choice.price_lookup_key };
    if (choice.quantity) body.quantity = choice.quantity;
    try {
      preview = await api("POST", "/billing/subscription/preview", { body });
    } catch (err) {
      msg.replaceChildren(errorBox(err));
      return;
    }
    previewBox.replaceChildren(renderPreview(preview, choice));
    previewBtn.hidden = true;
    confirmBtn.hidden = false;
    confirmBtn.focus();
  }, "Calculating…"));
  confirmBtn.addEventListener("click", () => busy(confirmBtn, async () => {
    msg.replaceChildren();
    let out;
    try {
      out = await api("POST", "/billing/subscription/change", { body: { preview_id: preview.preview_id }, key: action.key });
      action.answered();
    } catch (err) {
      if (err.status) action.answered();
      const extra = err.status === 402 ? "Your card was declined, so your plan did not change and nothing was charged. Add another card under Payment methods, then try again." : null;
      msg.replaceChildren(errorBox(err, extra));
      if (err.status === 402) msg.firstChild.append(h("a", { href: "#cards", onclick: dlg.close }, "Go to payment methods"));
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

function renderPreview(p, choice) {
  const lines = h("table", {}, h("caption", { class: "muted small" }, "What changes"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Item"), h("th", { scope: "col", class: "num" }, "Amount"))),
    h("tbody", {}, p.lines.map((l) => h("tr", {}, h("td", {}, l.description || (l.amount < 0 ? "Credit for unused time" : "Charge")), h("td", { class: "num" }, f.money(l.amount, p.currency))))));
  const when = p.timing === "immediate" ? "now" : `on ${f.date(p.effective_at)}`;
  return h(
    "section",
    { class: "card", "aria-labelledby": "preview-title", "data-testid": "preview" },
    h("h3", { id: "preview-title" }, `${KIND[p.change_kind] || "Change"}: ${choice.plan.name}${choice.quantity ? `, ${choice.quantity} seats` : ""}`),
    h("dl", { class: "facts" },
      h("dt", {}, "Due now"), h("dd", { class: "preview-total" }, f.money(p.amount_due_now, p.currency)),
      h("dt", {}, "Takes effect"), h("dd", {}, when),
      h("dt", {}, "New price"), h("dd", {}, `${f.money(p.new_recurring_amount, p.currency)} ${f.per(p.new_interval)}`),
      p.next_billing_date ? [h("dt", {}, "Next payment"), h("dd", {}, `${f.money(p.next_invoice_amount ?? p.new_recurring_amount, p.currency)} on ${f.date(p.next_billing_date)}`)] : null,
      p.tax ? [h("dt", {}, "Tax"), h("dd", {}, f.money(p.tax, p.currency))] : null),
    p.lines.length ? lines : null,
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
