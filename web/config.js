// @ts-check
// The page's configuration: /billing/config.json (the offline stack generates it from .local/stack.json; a
// deployment writes the same file). Keys: api_url, region, user_pool_id, user_pool_client_id, cognito_endpoint
// (optional, default https://cognito-idp.<region>.amazonaws.com), stripe_publishable_key, stripe_js_url
// (optional, default https://js.stripe.com/v3/; offline: <stripe_js_base>/v3/), host_origins (optional: origins
// allowed to hand over a token by postMessage and to receive the page's billing:* messages, web/embed.js),
// branding (optional: web/branding.js), demo_users (offline only).
import { t } from "./i18n.js";

export const config = {};

export async function loadConfig() {
  const res = await fetch(new URL("config.json", import.meta.url), { cache: "no-store" });
  if (!res.ok) throw new Error(t("error.config", { status: res.status }));
  Object.assign(config, await res.json());
  config.api_url = String(config.api_url || "").replace(/\/$/, "");
  config.cognito_endpoint ||= `https://cognito-idp.${config.region}.amazonaws.com`;
  config.stripe_js_url ||= config.stripe_js_base ? `${config.stripe_js_base.replace(/\/$/, "")}/v3/` : "https://js.stripe.com/v3/";
  return config;
}
