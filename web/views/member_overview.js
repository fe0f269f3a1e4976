// @ts-check
// What a team's member sees: the plan's name and status and what it entitles them to, with no billing action, and
// who to ask (the team's owners and billing admins, from the member list).
import { api } from "../api.js";
import { roleName } from "../accounts.js";
import { h } from "../dom.js";
import * as f from "../format.js";
import { t } from "../i18n.js";
import { seatUsage } from "./members.js";

export async function renderMemberOverview(ctx, account) {
  const [ov, list, plans] = await Promise.all([
    ctx.getOverview(),
    api("GET", `/accounts/${encodeURIComponent(account.id)}/members`),
    api("GET", "/billing/plans").catch(() => null), // only for the plan's name: its id is shown without it
  ]);
  const ent = ov.entitlements || {};
  const plan = ent.plan && ((plans && plans.plans.find((p) => p.id === ent.plan)) || { name: ent.plan });
  const out = h("div", { "data-ready": "overview" });
  const facts = h("dl", { class: "facts" });
  const fact = (k, v) => v && facts.append(h("dt", {}, k), h("dd", {}, v));
  fact(t("memberView.team"), account.name);
  fact(t("memberView.yourRole"), roleName(account.role));
  fact(t("plan.seats"), seatUsage(list.seats));
  if (ent.period_end && ent.entitled) fact(ent.cancel_at_period_end ? t("memberView.ends") : t("memberView.renews"), f.date(ent.period_end));
  const good = ent.status === "active" || ent.status === "trialing";
  out.append(h("section", { class: "card", "aria-labelledby": "plan-title", "data-testid": "member-plan" },
    h("div", { class: "row spread" },
      h("h2", { id: "plan-title" }, plan ? t("plan.title", { plan: plan.name }) : t("noPlan.none")),
      plan ? h("span", { class: `badge ${good ? "good" : ent.status === "past_due" ? "bad" : "warn"}` }, f.status(ent.status)) : null),
    facts));
  if (ent.entitled && (ent.features || []).length) {
    out.append(h("section", { class: "card", "aria-labelledby": "features-title" },
      h("h2", { id: "features-title" }, t("features.title")),
      h("ul", { class: "features" },
        ent.features.map((x) => h("li", {}, f.feature(x))),
        Object.entries(ent.limits || {}).map(([k, v]) => h("li", {}, f.limit(k, v))))));
  }
  const admins = list.members.filter((m) => m.role !== "member" && m.email);
  out.append(h("section", { class: "card", "aria-labelledby": "ask-title", "data-testid": "who-to-ask" },
    h("h2", { id: "ask-title" }, t("memberView.askTitle")),
    h("p", {}, t("memberView.ask", { name: account.name })),
    h("ul", { class: "plain" }, admins.map((m) => h("li", {}, h("a", { href: `mailto:${m.email}` }, m.email), " ",
      h("span", { class: "muted" }, `(${roleName(m.role)})`))))));
  return out;
}
