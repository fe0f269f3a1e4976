// @ts-check
// Members of a team: seat usage, members with roles (owners change roles, transfer ownership, remove people),
// invite by e-mail (owners and billing admins), pending invitations with revoke, leave the team.
import { api, chooseAccount } from "../api.js";
import { invites, managesRoles, roleName } from "../accounts.js";
import { Action, announce, busy, errorBox, field, h, notice, openDialog, setFieldError } from "../dom.js";
import * as f from "../format.js";
import { t } from "../i18n.js";
import { confirmRemoval } from "./removal.js";

const ROLES = ["member", "billing_admin", "owner"];
const enc = encodeURIComponent;

/** "4 of 5 seats used" (members plus pending invitations against the seats the plan pays for). */
export function seatUsage(seats) {
  if (!seats) return "";
  return seats.limit == null ? t("seats.usedNoLimit", { count: seats.used }) : t("seats.used", { used: f.number(seats.used), count: seats.limit });
}

const who = (m) => m.email || m.sub;

export async function renderMembers(ctx) {
  const account = await ctx.getAccount();
  const base = `/accounts/${enc(account.id)}`;
  const [list, pending] = await Promise.all([
    api("GET", `${base}/members`),
    invites(account) ? api("GET", `${base}/invitations`) : Promise.resolve(null),
  ]);
  const out = h("div", { "data-ready": "members" });
  out.append(membersCard(ctx, account, base, list));
  if (invites(account)) out.append(inviteCard(ctx, account, base, list.seats), invitationsCard(ctx, base, pending.invitations));
  return out;
}

function membersCard(ctx, account, base, list) {
  const owner = managesRoles(account);
  const card = h("section", { class: "card", "aria-labelledby": "members-title", "data-testid": "members" },
    h("div", { class: "row spread" }, h("h2", { id: "members-title" }, t("members.title", { name: account.name })),
      h("span", { class: "badge", "data-testid": "your-role" }, t("members.yourRole", { role: roleName(account.role) }))),
    h("p", { "data-testid": "seat-usage" }, seatUsage(list.seats)),
    h("p", { class: "muted small" }, t("seats.explain")));
  const body = h("tbody");
  const rank = (m) => ROLES.length - ROLES.indexOf(m.role); // owners first, then billing admins, then members
  const sorted = [...list.members].sort((a, b) => rank(a) - rank(b) || who(a).localeCompare(who(b)));
  for (const m of sorted) body.append(memberRow(ctx, card, base, m, owner));
  card.append(h("div", { class: "table-wrap" }, h("table", {}, h("thead", {}, h("tr", {},
    h("th", { scope: "col" }, t("members.member")), h("th", { scope: "col" }, t("members.role")),
    h("th", { scope: "col", class: "hide-narrow" }, t("members.joined")),
    h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, t("members.actions"))))), body)));
  const me = list.members.find((m) => m.you);
  const actions = h("div", { class: "row" });
  const others = list.members.filter((m) => !m.you && m.role !== "owner");
  if (owner && me && others.length) {
    actions.append(h("button", { type: "button", onclick: () => openTransfer(ctx, base, me, others) }, t("members.transfer")));
  }
  if (me) actions.append(h("button", { type: "button", class: "danger", onclick: () => openLeave(ctx, base, account, me) }, t("members.leave")));
  card.append(actions);
  return card;
}

function memberRow(ctx, card, base, m, owner) {
  let role;
  if (owner) {
    const select = h("select", { name: "role", "aria-label": t("members.roleOf", { member: who(m) }) },
      ROLES.map((r) => h("option", { value: r, selected: r === m.role }, roleName(r))));
    select.action = new Action();
    select.addEventListener("change", () => changeRole(ctx, card, base, m, select));
    role = select;
  } else {
    role = roleName(m.role);
  }
  const actions = h("div", { class: "row" });
  if (owner && !m.you) {
    actions.append(h("button", { type: "button", class: "danger", onclick: () => confirmRemoval(ctx, {
      title: t("members.remove.title"), question: t("members.remove.question", { member: who(m) }), keep: t("members.remove.keep"),
      remove: t("members.remove.title"), path: `${base}/members/${enc(m.sub)}`, done: t("members.remove.done", { member: who(m) }),
    }) }, t("action.remove")));
  }
  return h("tr", { "data-member": m.sub },
    h("td", {}, who(m), m.you ? h("span", { class: "muted" }, ` ${t("members.you")}`) : null),
    h("td", {}, role),
    h("td", { class: "hide-narrow" }, m.joined_at ? f.date(Date.parse(m.joined_at) / 1000) : ""),
    h("td", {}, actions));
}

async function changeRole(ctx, card, base, m, select) {
  card.querySelector(":scope > .alert.error")?.remove();
  select.disabled = true;
  try {
    await select.action.send("PATCH", `${base}/members/${enc(m.sub)}`, { body: { role: select.value } });
  } catch (err) {
    select.value = m.role;
    select.disabled = false;
    card.prepend(errorBox(err));
    return;
  }
  await ctx.reload({ accounts: m.you });
  announce(notice(t("members.roleChanged", { member: who(m), role: roleName(select.value) })));
}

/** Ownership as the API models it: the other member becomes an owner, then the current owner a billing admin. */
function openTransfer(ctx, base, me, others) {
  const dlg = openDialog(t("members.transfer"));
  const promote = new Action();
  const step = new Action();
  const msg = h("div", { "aria-live": "polite" });
  const target = h("select", { name: "new_owner" }, others.map((m) => h("option", { value: m.sub }, who(m))));
  const go = h("button", { type: "button", class: "primary" }, t("members.transferSubmit"));
  dlg.body.append(msg, field(t("members.transferTo"), target), h("p", {}, t("members.transferExplain")));
  dlg.footer.append(h("button", { type: "button", onclick: dlg.close }, t("action.cancel")), go);
  dlg.focusFirst();
  let promoted = null;
  go.addEventListener("click", () => busy(go, async () => {
    msg.replaceChildren();
    const m = others.find((o) => o.sub === target.value);
    try {
      if (promoted !== m.sub) await promote.send("PATCH", `${base}/members/${enc(m.sub)}`, { body: { role: "owner" } });
      promoted = m.sub;
      target.disabled = true; // a retry finishes this transfer
      await step.send("PATCH", `${base}/members/${enc(me.sub)}`, { body: { role: "billing_admin" } });
    } catch (err) {
      msg.replaceChildren(errorBox(err, promoted ? t("members.transferHalf", { member: who(m) }) : null));
      return;
    }
    dlg.close();
    await ctx.reload({ accounts: true });
    announce(notice(t("members.transferred", { member: who(m) })));
  }, t("busy.saving")));
}

function openLeave(ctx, base, account, me) {
  const dlg = openDialog(t("members.leave"));
  const action = new Action();
  const msg = h("div", { "aria-live": "polite" });
  const go = h("button", { type: "button", class: "danger" }, t("members.leaveSubmit"));
  dlg.body.append(msg, h("p", {}, t("members.leaveQuestion", { name: account.name })));
  dlg.footer.append(h("button", { type: "button", onclick: dlg.close }, t("members.stay")), go);
  go.focus();
  go.addEventListener("click", () => busy(go, async () => {
    try {
      await action.send("DELETE", `${base}/members/${enc(me.sub)}`);
    } catch (err) {
      msg.replaceChildren(errorBox(err));
      return;
    }
    dlg.close();
    chooseAccount(null);
    history.replaceState(null, "", "#overview");
    await ctx.reload({ accounts: true });
    announce(notice(t("members.left", { name: account.name })));
  }, t("busy.removing")));
}

function inviteCard(ctx, account, base, seats) {
  const action = new Action();
  // An invitation that waits for one more seat is kept while the seat is previewed and bought (the view is
  // rendered again after the change), so "Send invitation" is all that is left to press.
  const draft = ctx.inviteDraft && ctx.inviteDraft.account === account.id ? ctx.inviteDraft : null;
  const email = h("input", { name: "email", type: "email", autocomplete: "off", required: true, value: draft && draft.email });
  const role = h("select", { name: "role" },
    ROLES.filter((r) => r !== "owner" || managesRoles(account)).map((r) => h("option", { value: r, selected: draft && draft.role === r }, roleName(r))));
  const send = h("button", { type: "submit", class: "primary" }, t("invite.send"));
  const msg = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "card", novalidate: true, "aria-labelledby": "invite-title", "data-testid": "invite" },
    h("h2", { id: "invite-title" }, t("invite.title")), msg,
    h("div", { class: "row" }, field(t("invite.email"), email), field(t("invite.role"), role)), send);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(send, async () => {
      msg.replaceChildren();
      const value = email.value.trim();
      const problem = !value ? t("invite.error.email") : !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value) ? t("invite.error.emailFormat") : null;
      setFieldError(email, problem);
      if (problem) return email.focus();
      try {
        await action.send("POST", `${base}/invitations`, { body: { email: value, role: role.value } });
      } catch (err) {
        if (err.param === "email") {
          setFieldError(email, err.message);
          return email.focus();
        }
        msg.replaceChildren(refusal(ctx, err, seats));
        ctx.inviteDraft = err.code === "seat_purchase_required" ? { account: account.id, email: value, role: role.value } : null;
        return;
      }
      ctx.inviteDraft = null;
      await ctx.reload();
      announce(notice(t("invite.sent", { email: value })));
    }, t("busy.sending"));
  });
  return form;
}

/** An invitation refused: every seat taken says how many, and (auto seat policy) what one more seat costs. */
function refusal(ctx, err, seats) {
  const d = err.details || {};
  const used = d.seats || seats;
  const box = errorBox(err, used && used.limit != null ? seatUsage(used) : null);
  const price = d.seat_price;
  if (err.code === "seat_purchase_required" && price && d.quantity) {
    const per = t("plans.pricePerSeat", { amount: f.money(price.unit_amount, price.currency), per: f.per(price.interval) });
    const offer = h("div", {}, h("p", { "data-testid": "seat-offer" }, t("invite.seatOffer", { count: d.quantity, price: per })),
      h("p", {}, h("button", { type: "button", onclick: async () => (await import("./plans.js")).openChangePlan(ctx, { price_lookup_key: price.price_lookup_key, quantity: d.quantity }) },
        t("invite.addSeat"))));
    box.insertBefore(offer, box.children[used && used.limit != null ? 2 : 1] || null); // before the reference for support
  }
  return box;
}

function invitationsCard(ctx, base, invitations) {
  const pending = invitations.filter((i) => i.status === "pending");
  const card = h("section", { class: "card", "aria-labelledby": "pending-title", "data-testid": "invitations" },
    h("h2", { id: "pending-title" }, t("invitations.title")));
  if (!pending.length) {
    card.append(h("p", { class: "muted" }, t("invitations.none")));
    return card;
  }
  const list = h("ul", { class: "plain list" });
  for (const inv of pending) {
    const revoke = h("button", { type: "button", "aria-label": t("invitations.revokeLabel", { email: inv.email }) }, t("invitations.revoke"));
    revoke.action = new Action();
    revoke.addEventListener("click", () => busy(revoke, async () => {
      card.querySelector(":scope > .alert.error")?.remove();
      try {
        await revoke.action.send("DELETE", `${base}/invitations/${enc(inv.id)}`);
      } catch (err) {
        card.prepend(errorBox(err));
        return;
      }
      await ctx.reload();
      announce(notice(t("invitations.revoked", { email: inv.email })));
    }, t("busy.removing")));
    list.append(h("li", { "data-invitation": inv.id },
      h("div", {}, h("strong", {}, inv.email), " ", h("span", { class: "badge" }, roleName(inv.role)),
        h("p", { class: "muted small" }, t("invitations.expires", { date: f.date(inv.expires_at) }))),
      revoke));
  }
  card.append(list);
  return card;
}
