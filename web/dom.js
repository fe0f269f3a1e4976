// @ts-check
// Small DOM helpers: element builder, dialogs (<dialog> with showModal: focus stays inside), busy buttons,
// errors with the request id and the brand's support contact, one idempotency key per user action.
import { api } from "./api.js";
import { support } from "./branding.js";
import { t } from "./i18n.js";

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c != null && c !== false) el.append(c);
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);

let uid = 0;
export const id = (p = "f") => `${p}-${++uid}`;

export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

/**
 * One user action = one Idempotency-Key: kept across retries after a lost response, renewed after an answer.
 * Every mutation of the page goes through `send`, the one place that pairs a request with its key.
 */
export class Action {
  constructor() {
    this.key = newKey();
  }
  answered() {
    this.key = newKey();
  }
  /**
   * Send one request of this action with its Idempotency-Key. An answer from the server (success, or an error
   * with a status) ends the action and makes a new key; a lost answer (network error, status 0) keeps the key,
   * so pressing again retries the same action and the server replays its first answer.
   * @param {string} method
   * @param {string} path
   * @param {{ body?: any, query?: Record<string, string | number | null | undefined> }} [options]
   * @returns {Promise<any>}
   */
  async send(method, path, options = {}) {
    try {
      const out = await api(method, path, { ...options, key: this.key });
      this.answered();
      return out;
    } catch (err) {
      if (err.status) this.answered();
      throw err;
    }
  }
}

/** Run fn with the button disabled and marked busy; a second click while in flight does nothing. */
export async function busy(button, fn, label = t("busy.working")) {
  if (button.disabled) return undefined;
  const text = button.textContent;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  button.textContent = label;
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.textContent = text;
  }
}

export function errorBox(err, extra) {
  // A success message of an earlier action must not stay next to this error as if it still applied.
  for (const ok of document.querySelectorAll("#flash .alert.success")) ok.remove();
  const box = h("div", { class: "alert error", role: "alert" });
  box.append(h("p", {}, err.message || String(err)));
  if (extra) box.append(h("p", {}, extra));
  if (err.requestId) box.append(h("p", { class: "muted small" }, t("error.reference"), " ", h("code", {}, err.requestId)));
  const help = contactSupport();
  if (help) box.append(help);
  return box;
}

/** "Contact support" (the brand's support_url, else its support_email) and the e-mail address; null without both. */
export function contactSupport() {
  const { url, email } = support;
  if (!url && !email) return null;
  const mail = email && h("a", { href: `mailto:${email}` }, url ? email : t("support.contact"));
  const site = url && h("a", { href: url, target: "_blank", rel: "noopener" }, t("support.contact"));
  return h("p", { class: "support small", "data-testid": "contact-support" }, site, site && mail ? " · " : null, mail);
}

export function notice(text, kind = "success") {
  return h("div", { class: `alert ${kind}`, role: "status" }, h("p", {}, text));
}

export function loading(text = t("loading")) {
  return h("p", { class: "loading", role: "status", "aria-live": "polite" }, h("span", { class: "spinner", "aria-hidden": "true" }), text);
}

/** Announce in the page-level live region (and show it). */
export function announce(node) {
  const region = $("#flash");
  region.replaceChildren(typeof node === "string" ? notice(node) : node);
  region.focus();
}

const FOCUSABLE = "a[href], button, input, select, textarea, iframe, [tabindex]:not([tabindex='-1'])";

/** The elements Tab can reach inside `root`, in order (enabled, rendered, not hidden). */
function tabbables(root) {
  return [...root.querySelectorAll(FOCUSABLE)].filter(
    (el) => !el.disabled && el.tabIndex >= 0 && !el.closest("[hidden], [inert]") && el.getClientRects().length > 0,
  );
}

/**
 * Open a modal dialog. Returns {dialog, body, footer, close, hide, show}. Escape and "Cancel" close it; focus goes
 * back to the element that opened it. Tab and Shift+Tab cycle inside the dialog (never out to the page or the
 * browser). `hide()`/`show()` let Stripe.js put its own 3-D Secure window on top (everything outside a modal
 * dialog is inert).
 */
/**
 * @param {string} title
 * @param {{ onClose?: () => void, wide?: boolean }} [options]
 */
export function openDialog(title, { onClose, wide } = {}) {
  const titleId = id("dlg");
  const opener = /** @type {HTMLElement | null} */ (document.activeElement);
  const body = h("div", { class: "dialog-body" });
  const footer = h("div", { class: "dialog-actions" });
  const closeBtn = h("button", { type: "button", class: "icon", "aria-label": t("dialog.close"), text: "×" });
  const dialog = h(
    "dialog",
    { "aria-labelledby": titleId, class: wide ? "wide" : "" },
    h("div", { class: "dialog-head" }, h("h2", { id: titleId }, title), closeBtn),
    body,
    footer,
  );
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    if (dialog.open) dialog.close();
    dialog.remove();
    if (opener && opener.isConnected && opener.focus) opener.focus();
    if (onClose) onClose();
  };
  const working = () => Boolean(dialog.querySelector("[aria-busy=true]"));
  let hiding = false;
  closeBtn.addEventListener("click", close);
  dialog.addEventListener("cancel", (e) => {
    e.preventDefault();
    if (!working()) close();
  });
  dialog.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      // Handled here: Chromium closes a dialog without a "cancel" event on a second Escape without user activation.
      e.preventDefault();
      if (!working()) close();
      return;
    }
    if (e.key !== "Tab") return;
    const items = tabbables(dialog);
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    const inside = dialog.contains(document.activeElement) && document.activeElement !== dialog;
    if (e.shiftKey && (!inside || document.activeElement === first)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (!inside || document.activeElement === last)) {
      e.preventDefault();
      first.focus();
    }
  });
  dialog.addEventListener("close", () => {
    // Closed by the browser rather than by close()/hide(): tidy up the same way (or stay open while working).
    if (hiding) {
      hiding = false; // the "close" event comes after hide() returned (it is queued)
      return;
    }
    if (closed) return;
    if (working()) dialog.showModal();
    else close();
  });
  document.body.append(dialog);
  dialog.showModal();
  return {
    dialog,
    body,
    footer,
    close,
    hide: () => {
      if (!dialog.open) return;
      hiding = true;
      dialog.close();
    },
    show: () => !closed && !dialog.open && dialog.showModal(),
    focusFirst: () => (dialog.querySelector("[autofocus], input, select, textarea, .dialog-actions button") || closeBtn).focus(),
  };
}

export function field(label, input, hint) {
  const fid = input.id || (input.id = id());
  const errId = `${fid}-err`;
  const hintId = hint ? `${fid}-hint` : null;
  if (hintId) input.setAttribute("aria-describedby", hintId);
  return h(
    "div",
    { class: "field", "data-field": input.name || "" },
    h("label", { for: fid }, label),
    hint ? h("p", { id: hintId, class: "muted small" }, hint) : null,
    input,
    h("p", { id: errId, class: "field-error", hidden: true }),
  );
}

export function setFieldError(input, message) {
  const err = document.getElementById(`${input.id}-err`);
  const described = (input.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && x !== err.id);
  if (message) {
    err.textContent = message;
    err.hidden = false;
    input.setAttribute("aria-invalid", "true");
    described.push(err.id);
  } else {
    err.textContent = "";
    err.hidden = true;
    input.removeAttribute("aria-invalid");
  }
  if (described.length) input.setAttribute("aria-describedby", described.join(" "));
  else input.removeAttribute("aria-describedby");
}
