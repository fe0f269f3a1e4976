// @ts-check
// The /billing page: configuration, sign-in, the section router and shared state.
import { acceptPendingInvitation, invitationWaiting, loadAccounts, managesBilling, renderSwitcher, takeInvitationLink } from "./accounts.js";
import { api, chooseAccount, chosenAccount } from "./api.js";
import { listenForHandOver, onSessionChange, requestHostToken, session, signOut } from "./auth.js";
import { applyBranding } from "./branding.js";
import { config, loadConfig } from "./config.js";
import { $, announce, contactSupport, errorBox, h, loading, notice } from "./dom.js";
import { reportAccount, reportChange, reportHeight, reportNavigation } from "./embed.js";
import { t, translateStatic, useLocale } from "./i18n.js";
import { renderOverview } from "./views/overview.js";
import { renderSignIn } from "./views/signin.js";

const SECTIONS = {
  overview: { titleKey: "nav.overview", render: renderOverview },
  cards: { titleKey: "nav.cards", load: () => import("./views/cards.js").then((m) => m.renderCards) },
  invoices: { titleKey: "nav.invoices", load: () => import("./views/invoices.js").then((m) => m.renderInvoices) },
  details: { titleKey: "nav.details", load: () => import("./views/details.js").then((m) => m.renderDetails) },
  members: { titleKey: "nav.members", load: () => import("./views/members.js").then((m) => m.renderMembers) },
};

/** The sections a role sees: a team's member has no billing sections; a personal account has no members. */
function sectionsFor(account) {
  if (account.kind !== "team") return ["overview", "cards", "invoices", "details"];
  return managesBilling(account) ? ["overview", "cards", "invoices", "details", "members"] : ["overview", "members"];
}

/** The page in the language of the customer's preferred_locales (Stripe), else the browser's (i18n.js). */
async function speak(preferred = []) {
  if (await useLocale(preferred)) translateStatic();
}

async function readOverview() {
  const ov = await api("GET", "/billing");
  const c = ov.customer || {};
  await speak(c.preferred_locales || (c.preferred_locale ? [c.preferred_locale] : []));
  return ov;
}

const RELOAD_ATTEMPTS = 6;
const RELOAD_PAUSE_MS = 250;

const ctx = {
  overview: null,
  /** @type {Promise<{ accounts: any[] | null, account: any, gone?: boolean }> | null} GET /accounts, the account acted on */
  accounts: null,
  /**
   * Re-read GET /billing and re-render the current section. With `until(overview)`, a state that Stripe reaches
   * after this page's own step (a payment confirmed here with 3-D Secure, recorded by the webhook) is awaited:
   * GET /billing is read again, a bounded number of times, until it shows it. With `accounts`, GET /accounts too
   * (after a switch, or a change of the members that may change the user's own role).
   * @param {{ until?: (overview: any) => boolean, accounts?: boolean }} [options]
   */
  async reload({ until, accounts } = {}) {
    ctx.overview = null;
    ctx.early = null;
    if (accounts) ctx.accounts = null;
    if (until) {
      for (let attempt = 0; attempt < RELOAD_ATTEMPTS; attempt++) {
        try {
          ctx.overview = await readOverview();
        } catch {
          ctx.overview = null;
          break;
        }
        if (until(ctx.overview)) break;
        await new Promise((r) => setTimeout(r, RELOAD_PAUSE_MS * (attempt + 1)));
      }
    }
    await route();
    await ctx.changed();
  },
  /** After a change that does not reload the section: tell an embedding host (web/embed.js). */
  changed: () => reportChange(() => ctx.getOverview()),
  /** The billing account the page acts on ({id, kind, name, role, plan, status, seats}). */
  async getAccount() {
    ctx.accounts ||= loadAccounts().catch((err) => {
      ctx.accounts = null;
      throw err;
    });
    return (await ctx.accounts).account;
  },
  /** @type {{ account: string | null, promise: Promise<any> } | null} GET /billing started with GET /accounts */
  early: null,
  /** @type {{ account: string, email: string, role: string } | null} an invitation waiting for one more seat */
  inviteDraft: null,
  async getOverview() {
    const early = ctx.early;
    ctx.early = null;
    if (!ctx.overview && early && early.account === chosenAccount()) ctx.overview = await early.promise;
    ctx.overview ||= await readOverview();
    return ctx.overview;
  },
  go(section) {
    if (location.hash === `#${section}`) route();
    else location.hash = section;
  },
};

let generation = 0;
async function route() {
  const main = $("#main");
  const signedIn = !!session();
  $("#tabs").hidden = !signedIn;
  $("#account").hidden = !signedIn;
  if (!signedIn) {
    document.title = t("title.page", { section: t("title.signin") });
    renderSignIn(main, () => route());
    if (invitationWaiting()) $("#flash").replaceChildren(notice(t("invitation.signIn"), "warning"));
    reportNavigation("signin");
    return;
  }
  $("#account-name").textContent = session().user || "";
  const mine = ++generation;
  main.setAttribute("aria-busy", "true");
  main.replaceChildren(loading());
  try {
    await acceptPendingInvitation(ctx);
    if (!ctx.overview && !ctx.early && ["", "overview", "cards", "details"].includes(location.hash.slice(1))) {
      // The account GET /billing acts on is known already (api.js): it does not wait for GET /accounts.
      ctx.early = { account: chosenAccount(), promise: readOverview() };
      ctx.early.promise.catch(() => {}); // a failure is shown by the section that reads it (or not at all)
    }
    const account = await ctx.getAccount();
    if (mine !== generation) return;
    const state = await ctx.accounts;
    renderSwitcher(ctx, state);
    reportAccount(account);
    if (state.gone) {
      state.gone = false;
      announce(notice(t("accounts.gone"), "warning"));
    }
    const visible = sectionsFor(account);
    const asked = location.hash.slice(1);
    const name = visible.includes(asked) ? asked : "overview";
    for (const a of document.querySelectorAll("#tabs a")) {
      const href = (a.getAttribute("href") || "").slice(1);
      /** @type {HTMLElement} */ (a).hidden = !visible.includes(href);
      if (href === name) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    const section = SECTIONS[name];
    document.title = t("title.page", { section: t(section.titleKey) });
    const render = section.render || (await section.load());
    const view = await render(ctx);
    if (mine !== generation) return;
    document.title = t("title.page", { section: t(SECTIONS[name].titleKey) }); // the customer's language may have applied
    main.replaceChildren(view);
    main.dataset.view = name;
    performance.mark(`billing:${name}`); // bench/web.py: time from navigation to the section rendered
    reportNavigation(name);
  } catch (err) {
    if (mine !== generation) return;
    if (err.status === 401) {
      signOut();
      return;
    }
    if (err.code === "account_not_found" && chosenAccount()) {
      // Removed from the team (or it is gone) since it was chosen: back to the personal account, saying why.
      chooseAccount(null);
      ctx.accounts = null;
      ctx.overview = null;
      ctx.early = null;
      const why = errorBox(err);
      await route();
      $("#flash").replaceChildren(why);
      return;
    }
    main.replaceChildren(
      errorBox(err),
      h("button", { type: "button", onclick: () => ctx.reload() }, t("action.retry")),
    );
    main.dataset.view = "error";
  } finally {
    if (mine === generation) main.removeAttribute("aria-busy");
  }
}

async function start() {
  try {
    await speak();
    await loadConfig();
  } catch (err) {
    $("#main").replaceChildren(errorBox(err));
    return;
  }
  applyBranding();
  const help = contactSupport();
  if (help) {
    help.prepend(`${t("support.questions")} `);
    $("#support").replaceChildren(help);
    $("#support").hidden = false;
  }
  reportHeight();
  takeInvitationLink();
  listenForHandOver();
  if (!session()) requestHostToken(); // an embedding host hands its token over once the page listens
  $("#sign-out").addEventListener("click", () => {
    signOut();
    $("#flash").replaceChildren();
    location.hash = "";
  });
  let wasSignedIn = !!session();
  onSessionChange((s) => {
    if (!!s !== wasSignedIn) {
      wasSignedIn = !!s;
      ctx.overview = null;
      ctx.early = null;
      ctx.accounts = null;
      (s ? Promise.resolve() : speak()).then(route);
    }
  });
  window.addEventListener("hashchange", () => {
    $("#flash").replaceChildren();
    route().then(() => $("#main").focus());
  });
  document.documentElement.dataset.stage = config.stage || "";
  await route();
}

start();
