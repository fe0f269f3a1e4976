// The billing API: bearer token, JSON, the Idempotency-Key of the user action, errors as ApiError.
import { accessToken, refresh } from "./auth.js";
import { config } from "./config.js";
import { noteSuccess } from "./embed.js";

export class ApiError extends Error {
  constructor(status, body, requestId) {
    const e = (body && body.error) || {};
    super(e.message || plain(status));
    this.status = status;
    this.code = e.code || (status === 0 ? "network" : `http_${status}`);
    this.param = e.param || null;
    this.requestId = e.request_id || requestId || null;
  }
}

function plain(status) {
  if (status === 0) return "The billing service cannot be reached. Check your connection and try again.";
  if (status === 401) return "Your session has ended. Sign in again.";
  if (status === 404) return "This is not available any more. Reload the page.";
  if (status === 429 || status === 503) return "The billing service is busy. Try again in a minute.";
  return "Something went wrong on our side. Try again; if it keeps happening, contact support.";
}

export async function api(method, path, { body, key, query } = {}, retried = false) {
  const token = await accessToken();
  if (!token) throw new ApiError(401, null);
  const url = new URL(config.api_url + path);
  for (const [k, v] of Object.entries(query || {})) if (v != null) url.searchParams.set(k, v);
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (key) headers["Idempotency-Key"] = key;
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
    s.onload = () => resolve(window.Stripe(config.stripe_publishable_key));
    s.onerror = () => {
      stripePromise = null;
      reject(new Error("The payment form could not be loaded. Check your connection and try again."));
    };
    document.head.append(s);
  });
  return stripePromise;
}
