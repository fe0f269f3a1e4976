// @ts-check
// The billing API: bearer token, JSON, the Idempotency-Key of the user action, the billing account the page acts
// on (X-Billing-Account on every /billing request), errors as ApiError.
import { accessToken, refresh, session } from "./auth.js";
import { config } from "./config.js";
import { noteSuccess } from "./embed.js";
import { has, language, t } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, body, requestId) {
    const e = (body && body.error) || {};
    const code = e.code || (status === 0 ? "network" : `http_${status}`);
    // The API's error code in the page's language. In English the API's own message is kept (it can be more
    // specific, e.g. the seat range of a plan); a code the page does not know keeps it in every language.
    const own = e.message && (language() === "en" || !has(`error.${code}`)) ? e.message : null;
    super(own || (has(`error.${code}`) ? t(`error.${code}`) : plain(status)));
    this.status = status;
    this.code = code;
    this.param = e.param || null;
    /** What the API adds to some refusals (seat counts and the price of one more seat). */
    this.details = e.details || null;
    this.requestId = e.request_id || requestId || null;
  }
}

const ACCOUNT_KEY = "billing.account";

function chosenAccounts() {
  try {
    return JSON.parse(sessionStorage.getItem(ACCOUNT_KEY) || "{}") || {};
  } catch {
    return {};
  }
}

/**
 * The team account the signed-in user chose (remembered per user for the tab's session), or null: the personal
 * account, which the API uses when a request names none.
 * @returns {string | null}
 */
export function chosenAccount() {
  const s = session();
  return (s && chosenAccounts()[s.user || ""]) || null;
}

/**
 * Act on `accountId` from now on (null: the personal account).
 * @param {string | null} accountId
 */
export function chooseAccount(accountId) {
  const s = session();
  if (!s) return;
  const all = chosenAccounts();
  if (accountId) all[s.user || ""] = accountId;
  else delete all[s.user || ""];
  sessionStorage.setItem(ACCOUNT_KEY, JSON.stringify(all));
}

function plain(status) {
  if (status === 401) return t("error.http_401");
  if (status === 404) return t("error.http_404");
  if (status === 429 || status === 503) return t("error.busy");
  return t("error.http_500");
}

/**
 * @param {string} method
 * @param {string} path
 * @param {{ body?: any, key?: string, query?: Record<string, string | number | null | undefined> }} [options]
 * @param {boolean} [retried]
 * @returns {Promise<any>}
 */
export async function api(method, path, { body, key, query } = {}, retried = false) {
  const token = await accessToken();
  if (!token) throw new ApiError(401, null);
  const url = new URL(config.api_url + path);
  for (const [k, v] of Object.entries(query || {})) if (v != null) url.searchParams.set(k, String(v));
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (key) headers["Idempotency-Key"] = key;
  const account = path.startsWith("/billing") ? chosenAccount() : null;
  if (account) headers["X-Billing-Account"] = account;
  let res;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, null);
  }
  if (res.status === 401 && !retried && (await refresh())) return api(method, path, { body, key, query }, true);
  const json = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, json, res.headers.get("x-request-id"));
  noteSuccess(method, path);
  return json;
}

let stripePromise = null;
/** Stripe.js, loaded on first use only (the overview does not wait for it). */
export function stripe() {
  stripePromise ||= new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = config.stripe_js_url;
    s.onload = () => resolve(/** @type {any} */ (window).Stripe(config.stripe_publishable_key, { locale: language() }));
    s.onerror = () => {
      stripePromise = null;
      reject(new Error(t("error.stripe_js")));
    };
    document.head.append(s);
  });
  return stripePromise;
}
