// Embedded in a host app's iframe: the page tells its parent, and only origins in config.host_origins, its
// content height (so the host sizes the iframe and there is no inner scrollbar), the section shown and each
// completed change. The protocol is in web/README.md#embedding. Outside a frame nothing is posted.
import { config } from "./config.js";
import { currentSubscription } from "./views/overview.js";

const framed = () => window.parent !== window;
const hosts = () => (Array.isArray(config.host_origins) ? config.host_origins : []);

/** postMessage to the parent for each allowed host origin (the browser delivers it only to the matching one). */
export function post(message) {
  if (!framed()) return;
  for (const origin of hosts()) window.parent.postMessage(message, origin);
}

const DIALOG_MARGIN = 32; // px above and below an open dialog (it is centred in the frame)

/**
 * {type: "billing:resize", height} whenever the height the page needs changes: its content, or an open dialog
 * (modal dialogs sit in the top layer, centred in the frame, outside the page's layout) when that is taller.
 */
export function reportHeight() {
  if (!framed() || !hosts().length || typeof ResizeObserver === "undefined") return;
  let last = -1;
  let lastDialog = "";
  const send = () => {
    const content = document.documentElement.getBoundingClientRect().height;
    const open = [...document.querySelectorAll("dialog[open]")];
    const height = Math.ceil(Math.max(content, ...open.map((d) => d.scrollHeight + DIALOG_MARGIN)));
    if (height !== last) {
      last = height;
      post({ type: "billing:resize", height });
    }
    // Where the open dialog is, so that the host scrolls it into view (the frame itself never scrolls).
    const top = open.at(-1)?.getBoundingClientRect();
    const dialog = top ? { type: "billing:dialog", open: true, top: Math.floor(top.top), height: Math.ceil(top.height) } : { type: "billing:dialog", open: false };
    if (JSON.stringify(dialog) !== lastDialog && (top || lastDialog)) {
      lastDialog = JSON.stringify(dialog);
      post(dialog);
    }
  };
  const sizes = new ResizeObserver(send);
  sizes.observe(document.documentElement);
  // Dialogs are appended to <body> (dom.js openDialog); their parts grow as previews and errors come in.
  const watch = (d) => [d, ...d.children].forEach((el) => sizes.observe(el));
  new MutationObserver((records) => {
    for (const r of records) for (const n of r.addedNodes) if (n.nodeName === "DIALOG") watch(n);
    send();
  }).observe(document.body, { childList: true });
  new MutationObserver(send).observe(document.body, { subtree: true, attributeFilter: ["open"] });
  send();
}

/** {type: "billing:navigated", section} once a section (or the sign-in form: "signin") is shown. */
export const reportNavigation = (section) => post({ type: "billing:navigated", section });

// The API calls that change billing state, by what the host is told changed. Previews, Stripe portal sessions
// and reads change nothing; a SetupIntent is the start of saving a card (Stripe.js saves it, not the API).
const ACTIONS = [
  ["POST", /^\/billing\/subscription$/, "subscribe"],
  ["POST", /^\/billing\/subscription\/change$/, "plan_change"],
  ["POST", /^\/billing\/subscription\/cancel$/, "cancel"],
  ["POST", /^\/billing\/subscription\/resume$/, "resume"],
  ["POST", /^\/billing\/subscription\/retention-offer$/, "retention_offer"],
  ["DELETE", /^\/billing\/subscription\/scheduled-change$/, "scheduled_change_undone"],
  ["POST", /^\/billing\/payment-methods\/setup-intent$/, "card"],
  ["POST", /^\/billing\/payment-methods\/[^/]+\/default$/, "card"],
  ["DELETE", /^\/billing\/payment-methods\/[^/]+$/, "card"],
  ["POST", /^\/billing\/invoices\/[^/]+\/pay$/, "invoice_paid"],
  ["PATCH", /^\/billing\/details$/, "details"],
  ["POST", /^\/billing\/tax-ids$/, "details"],
  ["DELETE", /^\/billing\/tax-ids\/[^/]+$/, "details"],
];

let pending = null;

/** api.js: a call answered 2xx. A state-changing one is reported by the next reportChange(). */
export function noteSuccess(method, path) {
  const hit = ACTIONS.find(([m, re]) => m === method && re.test(path));
  if (hit) pending = hit[2];
}

/**
 * {type: "billing:changed", action, plan: {id, name} | null, status, quantity, cancel_at_period_end,
 * scheduled_change} from the overview read after the change (GET /billing shows it at once, H4).
 */
export async function reportChange(getOverview) {
  const action = pending;
  pending = null;
  if (!action || !framed() || !hosts().length) return;
  let ov;
  try {
    ov = await getOverview();
  } catch {
    return; // the section shows the error; the host learns of the change with the next one
  }
  const sub = currentSubscription(ov);
  const sc = sub && sub.scheduled_change;
  post({
    type: "billing:changed",
    action,
    plan: sub ? { id: sub.plan_id || null, name: sub.plan_name || null } : null,
    status: sub ? sub.status : null,
    quantity: sub ? sub.quantity || 1 : null,
    cancel_at_period_end: sub ? !!(sub.cancel_at_period_end || sub.cancel_at) : false,
    scheduled_change: sc ? { plan_id: sc.plan_id || null, quantity: sc.quantity || null, effective_at: sc.effective_at || null } : null,
  });
}
