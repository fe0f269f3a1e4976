// @ts-check
// Billing accounts: the personal account and the teams the user belongs to (GET /accounts), the switcher in the
// header, creating a team, and accepting an invitation from its link (/billing#invitation=<token>).
// The chosen account is sent as X-Billing-Account by api.js and remembered per user for the tab's session.
import { api, chooseAccount, chosenAccount } from "./api.js";
import { Action, announce, busy, errorBox, field, h, notice, openDialog, setFieldError } from "./dom.js";
import { t } from "./i18n.js";

const INVITATION_KEY = "billing.invitation";

/** The personal account when GET /accounts cannot be read (the page still works for it). */
const PERSONAL = { id: "", kind: "personal", name: "", role: "owner", plan: null, status: "none", seats: null };

/** Owners and billing admins see and change billing; a team's member sees the plan, its status and entitlements. */
export const managesBilling = (account) => account.role !== "member";
/** Only a team's owners change roles, transfer ownership and remove others. */
export const managesRoles = (account) => account.kind === "team" && account.role === "owner";
/** Owners and billing admins invite people and revoke invitations. */
export const invites = (account) => account.kind === "team" && account.role !== "member";

export const roleName = (role) => t(`role.${role}`);

/**
 * The caller's accounts and the one the page acts on. A chosen team the user no longer belongs to (left, removed)
 * falls back to the personal account. Without GET /accounts (the service is down) the personal account still
 * works; a chosen team does not (its role is unknown), so the error is shown with a retry.
 * @returns {Promise<{ accounts: any[] | null, account: any, gone?: boolean }>}
 */
export async function loadAccounts() {
  const chosen = chosenAccount();
  let accounts;
  try {
    accounts = (await api("GET", "/accounts")).accounts;
  } catch (err) {
    if (chosen || err.status === 401) throw err;
    return { accounts: null, account: PERSONAL };
  }
  if (chosenAccount() !== chosen) return loadAccounts(); // chosen meanwhile (a new team): read the list again
  let account = chosen && accounts.find((a) => a.id === chosen);
  const gone = Boolean(chosen && !account); // left or removed since it was chosen
  if (gone) chooseAccount(null);
  account ||= accounts.find((a) => a.kind === "personal") || PERSONAL;
  return { accounts, account, gone };
}

/** The switcher in the header: personal account first, then the teams, and "Create a team". */
export function renderSwitcher(ctx, { accounts, account }) {
  const box = /** @type {HTMLElement} */ (document.getElementById("switcher"));
  if (!accounts) {
    box.hidden = true;
    return;
  }
  const select = h("select", { id: "account-select", name: "account" },
    accounts.map((a) => h("option", { value: a.id, selected: a.id === account.id },
      a.kind === "personal" ? t("accounts.personal") : t("accounts.team", { name: a.name, role: roleName(a.role) }))));
  select.addEventListener("change", async () => {
    const next = accounts.find((a) => a.id === select.value);
    chooseAccount(next && next.kind === "team" ? next.id : null);
    document.getElementById("flash")?.replaceChildren();
    await ctx.reload({ accounts: true });
    document.getElementById("account-select")?.focus();
  });
  const create = h("button", { type: "button", class: "link", onclick: () => openCreateTeam(ctx) }, t("accounts.create"));
  box.replaceChildren(h("label", { for: "account-select", class: "muted" }, t("accounts.label")), select, create);
  box.hidden = false;
}

function openCreateTeam(ctx) {
  const dlg = openDialog(t("accounts.create"));
  const action = new Action();
  const msg = h("div", { "aria-live": "polite" });
  const name = h("input", { name: "name", type: "text", maxlength: "80", autocomplete: "organization", required: true });
  const go = h("button", { type: "button", class: "primary" }, t("accounts.createSubmit"));
  const form = h("form", { novalidate: true }, msg, field(t("accounts.teamName"), name, t("accounts.teamNameHint")));
  dlg.body.append(form);
  dlg.footer.append(h("button", { type: "button", onclick: dlg.close }, t("action.cancel")), go);
  dlg.focusFirst();
  const submit = (e) => {
    e.preventDefault();
    busy(go, async () => {
      msg.replaceChildren();
      const value = name.value.trim();
      setFieldError(name, value ? null : t("accounts.error.name"));
      if (!value) return name.focus();
      let team;
      try {
        team = await action.send("POST", "/accounts", { body: { name: value } });
      } catch (err) {
        msg.replaceChildren(errorBox(err));
        return;
      }
      dlg.close();
      chooseAccount(team.id);
      history.replaceState(null, "", "#members");
      await ctx.reload({ accounts: true });
      announce(notice(t("accounts.created", { name: team.name })));
    }, t("busy.saving"));
  };
  form.addEventListener("submit", submit);
  go.addEventListener("click", submit);
}

/** Keep the token of an invitation link (/billing#invitation=<token>) until the user is signed in. */
export function takeInvitationLink() {
  const frag = new URLSearchParams(location.hash.slice(1));
  const token = frag.get("invitation");
  if (!token) return;
  sessionStorage.setItem(INVITATION_KEY, token);
  // A token handed over in the same fragment is read and removed by auth.js.
  if (!frag.get("access_token")) history.replaceState(null, "", location.pathname + location.search);
}

/** Whether an invitation link's token waits for the user to sign in. */
export const invitationWaiting = () => Boolean(sessionStorage.getItem(INVITATION_KEY));

/**
 * Signed in with an invitation's token kept: accept it, switch to the team and show its members. A refusal (another
 * e-mail address, expired, revoked, used) is shown and the token dropped; a lost answer keeps it for "Try again".
 * @returns {Promise<boolean>} whether the user joined (the page then shows the team's members)
 */
export function acceptPendingInvitation(ctx) {
  // Signing in renders the page more than once at the same time: every render waits for the one acceptance.
  accepting ||= accept(ctx).finally(() => {
    accepting = null;
  });
  return accepting;
}

/** @type {Promise<boolean> | null} */
let accepting = null;

async function accept(ctx) {
  const token = sessionStorage.getItem(INVITATION_KEY);
  if (!token) return false;
  sessionStorage.removeItem(INVITATION_KEY);
  const action = new Action();
  let team;
  try {
    team = await action.send("POST", `/invitations/${encodeURIComponent(token)}/accept`);
  } catch (err) {
    const retryable = !err.status || err.status === 429 || err.status >= 500;
    const box = errorBox(err, t("invitation.notJoined"));
    if (retryable) {
      sessionStorage.setItem(INVITATION_KEY, token);
      box.append(h("button", { type: "button", onclick: () => ctx.reload({ accounts: true }) }, t("action.retry")));
    }
    announce(box);
    return false;
  }
  chooseAccount(team.id);
  ctx.accounts = null;
  ctx.overview = null;
  ctx.early = null;
  history.replaceState(null, "", "#members");
  announce(notice(t("invitation.joined", { name: team.name, role: roleName(team.role) })));
  return true;
}
