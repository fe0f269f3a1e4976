// @ts-check
// Framed by a host app: the page posts its height, open dialog, section and completed changes to its parent,
// only for the origins in config.host_origins (protocol: web/README.md#embedding). Outside a frame: nothing.
import { config } from "./config.js";
import { currentSubscription } from "./views/overview.js";

const hosts = () => (window.parent !== window && Array.isArray(config.host_origins) ? config.host_origins : []);

/** Post to the parent once per allowed origin: the browser delivers it only to the one that matches. */
export const post = (message) => hosts().forEach((origin) => window.parent.postMessage(message, origin));

/** billing:resize (the height the page or an open dialog needs) and billing:dialog (where that dialog is). */
export function reportHeight() {
  if (!hosts().length || typeof ResizeObserver === "undefined") return;
  let last = 0;
  let lastDialog = "";
  const send = () => {
    const open = [...document.querySelectorAll("dialog[open]")];
    // Modal dialogs sit in the top layer, centred in the frame, outside the layout: 32px around one.
    const height = Math.ceil(Math.max(document.documentElement.getBoundingClientRect().height, ...open.map((d) => d.scrollHeight + 32)));
    if (height !== last) post({ type: "billing:resize", height: (last = height) });
    const r = open.at(-1)?.getBoundingClientRect();
    const dialog = r ? { type: "billing:dialog", open: true, top: Math.floor(r.top), height: Math.ceil(r.height) } : { type: "billing:dialog", open: false };
    const key = JSON.stringify(dialog);
    if (key !== lastDialog && (r || lastDialog)) {
      lastDialog = key;
      post(dialog);
    }
  };
  const sizes = new ResizeObserver(send);
  sizes.observe(document.documentElement);
  // Dialogs are appended to <body> (dom.js openDialog); their parts grow as previews and errors come in.
  new MutationObserver((records) => {
    for (const n of records.flatMap((r) => [...r.addedNodes])) {
      if (n instanceof HTMLDialogElement) [n, ...n.children].forEach((el) => sizes.observe(el));
    }
    send();
  }).observe(document.body, { childList: true });
  new MutationObserver(send).observe(document.body, { subtree: true, attributeFilter: ["open"] });
  send();
}

let lastAccount = null;
/**
 * billing:account when the page starts acting on a billing account (at start, and after a switch, a new team, an
 * accepted invitation or leaving): the host can show the same account (its entitlements, `custom:billing_account`).
 * @param {{ id: string, kind: string, name: string, role: string }} account
 */
export function reportAccount(account) {
  if (account.id === lastAccount) return;
  lastAccount = account.id;
  post({ type: "billing:account", account: { id: account.id || null, kind: account.kind, name: account.name || null, role: account.role } });
}

/** billing:navigated once a section (or the sign-in form: "signin") is shown. */
export const reportNavigation = (section) => post({ type: "billing:navigated", section });

// The API calls that change billing state, as "METHOD path" with ids as ":id". Previews, portal sessions and
// reads change nothing; a SetupIntent starts saving a card (Stripe.js saves it, not the API).
const ACTIONS = {
  "POST /billing/subscription": "subscribe",
  "POST /billing/subscription/change": "plan_change",
  "POST /billing/subscription/cancel": "cancel",
  "POST /billing/subscription/resume": "resume",
  "POST /billing/subscription/retention-offer": "retention_offer",
  "DELETE /billing/subscription/scheduled-change": "scheduled_change_undone",
  "POST /billing/payment-methods/setup-intent": "card",
  "POST /billing/payment-methods/:id/default": "card",
  "DELETE /billing/payment-methods/:id": "card",
  "POST /billing/invoices/:id/pay": "invoice_paid",
  "PATCH /billing/details": "details",
  "POST /billing/tax-ids": "details",
  "DELETE /billing/tax-ids/:id": "details",
};
let pending = null;

/** api.js: a call answered 2xx; a state-changing one is reported by the next reportChange(). */
export function noteSuccess(method, path) {
  const key = `${method} ${path.replace(/\/(payment-methods|invoices|tax-ids)\/(?!setup-intent$)[^/]+/, "/$1/:id")}`;
  pending = ACTIONS[key] || pending;
}

/** billing:changed with the state read after the change (GET /billing shows it at once, H4). */
export async function reportChange(getOverview) {
  const action = pending;
  pending = null;
  if (!action || !hosts().length) return;
  let ov;
  try {
    ov = await getOverview();
  } catch {
    return; // the section shows the error; the host hears of the change with the next one
  }
  const sub = currentSubscription(ov);
  const sc = sub?.scheduled_change;
  post({
    type: "billing:changed",
    action,
    plan: sub ? { id: sub.plan_id || null, name: sub.plan_name || null } : null,
    status: sub?.status || null,
    quantity: sub ? sub.quantity || 1 : null,
    cancel_at_period_end: !!(sub && (sub.cancel_at_period_end || sub.cancel_at)),
    scheduled_change: sc ? { plan_id: sc.plan_id || null, quantity: sc.quantity || null, effective_at: sc.effective_at || null } : null,
  });
}
