// @ts-check
// Overview: past-due banner, plan card, features, hosted-portal links; a team's member sees its own overview.
import { managesBilling } from "../accounts.js";
import { Action, busy, errorBox, h, notice } from "../dom.js";
import * as f from "../format.js";
import { t } from "../i18n.js";

const lazy = (name) => () => import(`./${name}.js`);

export function currentSubscription(ov) {
  const subs = ov.subscriptions || [];
  return subs.find((s) => !["canceled", "incomplete_expired"].includes(s.status)) || null;
}

export async function renderOverview(ctx) {
  const account = await ctx.getAccount();
  if (!managesBilling(account)) return (await import("./member_overview.js")).renderMemberOverview(ctx, account);
  const ov = await ctx.getOverview();
  const sub = currentSubscription(ov);
  const out = h("div", { "data-ready": "overview" });
  if (ov.dunning && ov.dunning.past_due) out.append(pastDueBanner(ctx, ov));
  out.append(sub ? planCard(ctx, ov, sub) : noPlanCard(ctx, ov));
  if (sub && ov.entitlements && ov.entitlements.features.length) out.append(featuresCard(ov.entitlements));
  if (ov.has_customer) out.append(portalCard(sub));
  return out;
}

function pastDueBanner(ctx, ov) {
  const d = ov.dunning;
  const inv = d.open_invoice;
  const grace = ov.entitlements && ov.entitlements.grace_until;
  const pay = h("button", { type: "button", class: "primary", onclick: async () => (await lazy("cards")()).openAddCard(ctx, { recover: inv }) }, t("pastDue.pay"));
  const retry = inv && (ov.payment_methods || []).some((p) => p.is_default)
    ? h("button", { type: "button", onclick: async ({ currentTarget: b }) => (await lazy("invoices")()).payInvoice(ctx, inv, b) }, t("pastDue.retry"))
    : null;
  return h(
    "section",
    { class: "alert warning", "aria-labelledby": "pastdue-title", "data-testid": "past-due" },
    h("h2", { id: "pastdue-title" }, t("pastDue.title")),
    h("p", {}, d.past_due_since ? t("pastDue.failedOn", { amount: f.money(d.amount_due, d.currency), date: f.date(d.past_due_since) })
      : t("pastDue.failed", { amount: f.money(d.amount_due, d.currency) }), " ",
    grace ? t("pastDue.payBy", { date: f.date(grace) }) : t("pastDue.payNow")),
    h("div", { class: "row" }, pay, retry),
  );
}

/** The subscription is set to end (at the period end or on a fixed date): it can be resumed, not changed. */
export const ending = (sub) => !!(sub.cancel_at_period_end || sub.cancel_at);

function planCard(ctx, ov, sub) {
  const qty = sub.quantity || 1;
  const amount = sub.unit_amount != null ? sub.unit_amount * qty : null;
  const badge = ending(sub) ? [t("plan.endsSoon"), "warn"] : sub.status === "past_due" ? [f.status(sub.status), "bad"]
    : sub.paused ? [f.status(sub.status), "warn"] : [f.status(sub.status), sub.status === "active" ? "good" : ""];
  const facts = h("dl", { class: "facts" });
  const fact = (k, v) => v && facts.append(h("dt", {}, k), h("dd", {}, v));
  if (qty > 1) fact(t("plan.seats"), t("plan.seatsValue", { count: qty, amount: f.money(sub.unit_amount, sub.currency) }));
  if (sub.trial_end && sub.status === "trialing") fact(t("plan.trialEnds"), f.date(sub.trial_end));
  if (!ending(sub)) {
    fact(t("plan.nextPayment"), sub.next_billing_date ? t("amountOn", { amount: f.money(sub.next_invoice_amount, sub.currency), date: f.date(sub.next_billing_date) }) : "");
  }
  if (sub.discount) {
    const dsc = sub.discount;
    const off = dsc.percent_off ? t("discount.percentOff", { percent: f.number(dsc.percent_off) }) : t("discount.amountOff", { amount: f.money(dsc.amount_off, dsc.currency) });
    const until = dsc.ends_at ? t("discount.until", { off, date: f.date(dsc.ends_at) }) : off;
    fact(t("plan.discount"), dsc.name ? t("discount.named", { name: dsc.name, off: until }) : until);
  }
  const card = h(
    "section",
    { class: "card", "aria-labelledby": "plan-title", "data-testid": "plan-card" },
    h("div", { class: "row spread" }, h("h2", { id: "plan-title" }, sub.plan_name ? t("plan.title", { plan: sub.plan_name }) : t("plan.titleUnnamed")), h("span", { class: `badge ${badge[1]}` }, badge[0])),
    h("p", {}, h("span", { class: "price" }, f.money(amount, sub.currency)), " ", h("span", { class: "muted" }, f.per(sub.interval))),
    facts,
  );
  const sc = sub.scheduled_change;
  if (sc) {
    const undo = h("button", { type: "button" }, t("scheduled.undo"));
    const action = new Action();
    undo.addEventListener("click", () => busy(undo, () => mutate(ctx, card, () => action.send("DELETE", "/billing/subscription/scheduled-change"), t("scheduled.undone"))));
    const samePlan = sc.plan_id && sc.plan_id === sub.plan_id;
    const when = f.date(sc.effective_at);
    const to = sc.plan_name || sc.plan_id || t("scheduled.anotherPlan");
    const what = samePlan && sc.quantity ? t("seats.from", { count: sc.quantity, date: when })
      : sc.quantity > 1 ? t("scheduled.toWithSeats", { plan: to, count: sc.quantity, date: when }) : t("scheduled.to", { plan: to, date: when });
    card.append(h("div", { class: "alert warning", "data-testid": "scheduled-change" }, h("p", {}, what), undo));
  }
  if (sub.status === "trialing" && sub.trial_end && !ending(sub) && !(ov.payment_methods || []).some((p) => p.is_default)) {
    const add = h("button", { type: "button", class: "primary", onclick: async () => (await lazy("cards")()).openAddCard(ctx, {}) }, t("cards.add"));
    card.append(h("div", { class: "alert warning", "data-testid": "trial-no-card" },
      h("p", {}, sub.plan_name ? t("card.neededBy", { date: f.date(sub.trial_end), plan: sub.plan_name }) : t("card.neededByUnnamed", { date: f.date(sub.trial_end) })), add));
  }
  if (ending(sub)) {
    const end = sub.cancel_at || sub.current_period_end;
    const resume = h("button", { type: "button", class: "primary" }, t("plan.resume"));
    resume.addEventListener("click", async () => (await lazy("cancel")()).resumePlan(ctx, resume, card));
    card.append(h("div", { class: "alert warning", "data-testid": "canceling" },
      h("p", {}, t("plan.canceledEnds", { date: f.date(end) })), resume));
  }
  if (sub.paused && !ending(sub)) {
    const resume = h("button", { type: "button", class: "primary" }, t("pause.resumeNow"));
    resume.addEventListener("click", async () => (await lazy("pause")()).openResume(ctx));
    card.append(h("div", { class: "alert warning", "data-testid": "paused" },
      h("p", {}, sub.resumes_at ? t("pause.pausedUntil", { date: f.date(sub.resumes_at) }) : t("pause.pausedNoDate")), resume));
  }
  // Only what the server accepts: a plan set to end is resumed (above), not changed; an overdue one is paid first.
  const actions = h("div", { class: "row" });
  if (!ending(sub) && ["active", "trialing"].includes(sub.status)) {
    actions.append(h("button", { type: "button", class: "primary", onclick: async () => (await lazy("plans")()).openChangePlan(ctx) }, t("plan.change")));
  }
  if ((sub.pause_durations || []).length) {
    actions.append(h("button", { type: "button", onclick: async () => (await lazy("pause")()).openPause(ctx, sub) }, t("pause.open")));
  }
  if (!ending(sub) && ["active", "trialing", "past_due"].includes(sub.status)) {
    actions.append(h("button", { type: "button", class: "danger", onclick: async () => (await lazy("cancel")()).openCancel(ctx, sub) }, t("plan.cancel")));
  }
  if (actions.children.length) card.append(actions);
  return card;
}

function noPlanCard(ctx, ov) {
  const last = (ov.subscriptions || [])[0];
  return h(
    "section",
    { class: "card", "aria-labelledby": "noplan-title", "data-testid": "no-plan" },
    h("h2", { id: "noplan-title" }, last ? t("noPlan.ended") : t("noPlan.none")),
    h("p", {}, last ? (last.plan_name ? t("noPlan.canceled", { plan: last.plan_name }) : t("noPlan.canceledUnnamed")) : t("noPlan.start")),
    h("button", { type: "button", class: "primary", onclick: async () => (await lazy("plans")()).openSubscribe(ctx) }, last ? t("noPlan.resubscribe") : t("noPlan.choose")),
  );
}

function featuresCard(ent) {
  return h(
    "section",
    { class: "card", "aria-labelledby": "features-title" },
    h("h2", { id: "features-title" }, t("features.title")),
    h("ul", { class: "features" },
      ent.features.map((x) => h("li", {}, f.feature(x))),
      Object.entries(ent.limits || {}).map(([k, v]) => h("li", {}, f.limit(k, v)))),
  );
}

function portalCard(sub) {
  const links = [
    [null, t("portal.manage")],
    ["payment_method_update", t("portal.card")],
    ["subscription_update", t("portal.change")],
    ["subscription_cancel", t("portal.cancel")],
  ];
  if (sub && (sub.pause_durations || []).length) links.push(["subscription_pause", t("portal.pause")]);
  const box = h("div");
  return h(
    "section",
    { class: "card", "aria-labelledby": "portal-title", "data-testid": "portal" },
    h("h2", { id: "portal-title" }, t("portal.title")),
    h("p", { class: "muted" }, t("portal.intro")),
    box,
    h("div", { class: "row" }, links.map(([flow, label], i) =>
      h("button", { type: "button", class: i ? "" : "primary", onclick: async ({ currentTarget: b }) => (await lazy("portal")()).openPortal(b, flow, box) }, label))),
  );
}

/**
 * Run one mutation of the overview: errors shown in `where`, success announced and the overview reloaded.
 * `call` sends the request through its Action (dom.js), which keeps or renews the Idempotency-Key.
 * @param {any} ctx
 * @param {HTMLElement} where
 * @param {() => Promise<any>} call
 * @param {string | ((out: any) => string)} [success]
 */
export async function mutate(ctx, where, call, success) {
  where.querySelector(":scope > .alert.error")?.remove();
  try {
    const out = await call();
    await ctx.reload();
    if (success) (await import("../dom.js")).announce(notice(typeof success === "function" ? success(out) : success));
    return out;
  } catch (err) {
    where.prepend(errorBox(err));
    return null;
  }
}
