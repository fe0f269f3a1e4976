// @ts-check
// Sign-in against the Cognito user pool from the browser (InitiateAuth USER_PASSWORD_AUTH / REFRESH_TOKEN_AUTH
// on the Cognito JSON API). Tokens live in sessionStorage: they last as long as the tab.
//
// Token hand-over from a host app (the page embedded in, or opened by, the app the user is already signed in to):
//   * URL fragment: /billing#access_token=<Cognito access token>&expires_in=<seconds> (removed from the URL at once);
//   * postMessage: {type: "billing:token", access_token, expires_in} from an origin listed in config.host_origins.
// A handed-over token has no refresh token: shortly before it expires the page posts {type: "billing:token-request"}
// to its parent/opener and otherwise asks the user to sign in.
import { config } from "./config.js";
import { t } from "./i18n.js";

const KEY = "billing.session";
const listeners = [];

function save(s) {
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
  listeners.forEach((fn) => fn(s));
}

export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || "null");
  } catch {
    return null;
  }
}

export const onSessionChange = (fn) => listeners.push(fn);

function claims(token) {
  try {
    return JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
  } catch {
    return {};
  }
}

function fromResult(r, previousRefresh, source = "cognito") {
  const c = claims(r.AccessToken);
  return {
    access: r.AccessToken,
    refresh: r.RefreshToken || previousRefresh || null,
    expires: Date.now() + (r.ExpiresIn || 3600) * 1000,
    user: c.username || c["cognito:username"] || "",
    source,
  };
}

export class AuthError extends Error {}

async function cognito(target, body) {
  let res;
  try {
    res = await fetch(config.cognito_endpoint.replace(/\/?$/, "/"), {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": `AWSCognitoIdentityProviderService.${target}`,
      },
      body: JSON.stringify(body),
    });
  } catch {
    throw new AuthError(t("signin.error.unreachable"));
  }
  const json = await res.json().catch(() => ({}));
  if (res.ok) return json;
  const type = String(json.__type || "").split("#").pop();
  const words = {
    NotAuthorizedException: "signin.error.wrong",
    UserNotFoundException: "signin.error.wrong",
    UserNotConfirmedException: "signin.error.unconfirmed",
    PasswordResetRequiredException: "signin.error.reset",
    TooManyRequestsException: "signin.error.tooMany",
  };
  throw new AuthError(t(words[type] || "signin.error.failed"));
}

export async function signIn(username, password) {
  const out = await cognito("InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    ClientId: config.user_pool_client_id,
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
  if (!out.AuthenticationResult) throw new AuthError(t("signin.error.challenge"));
  const s = fromResult(out.AuthenticationResult);
  s.user = username;
  save(s);
  return s;
}

let refreshing = null;
export async function refresh() {
  const s = session();
  if (!s || !s.refresh) {
    if (s && s.source === "host") requestHostToken();
    return null;
  }
  refreshing ||= cognito("InitiateAuth", {
    AuthFlow: "REFRESH_TOKEN_AUTH",
    ClientId: config.user_pool_client_id,
    AuthParameters: { REFRESH_TOKEN: s.refresh },
  })
    .then((out) => {
      const next = { ...fromResult(out.AuthenticationResult, s.refresh), user: s.user };
      save(next);
      return next;
    })
    .catch(() => {
      save(null);
      return null;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/** A valid access token (refreshed a minute before expiry), or null when the user must sign in. */
export async function accessToken() {
  const s = session();
  if (!s) return null;
  if (s.expires - Date.now() > 60_000) return s.access;
  const next = await refresh();
  return next && next.access;
}

export function signOut() {
  const s = session();
  save(null);
  if (s && s.refresh) {
    cognito("RevokeToken", { Token: s.refresh, ClientId: config.user_pool_client_id }).catch(() => {});
  }
}

export function handOver(token, expiresIn) {
  if (!token || claims(token).token_use !== "access") return false;
  const c = claims(token);
  const exp = c.exp ? c.exp * 1000 : Date.now() + (Number(expiresIn) || 3600) * 1000;
  save({ access: token, refresh: null, expires: exp, user: c.username || "", source: "host" });
  return true;
}

/** Ask the parent/opener for a token: before a handed-over one expires, and at start when not signed in. */
export function requestHostToken() {
  const target = window.opener || (window.parent !== window ? window.parent : null);
  if (target) for (const origin of config.host_origins || []) target.postMessage({ type: "billing:token-request" }, origin);
}

/** Accept a token from the URL fragment or from a host app's postMessage. */
export function listenForHandOver() {
  const frag = new URLSearchParams(location.hash.slice(1));
  if (frag.get("access_token")) {
    handOver(frag.get("access_token"), frag.get("expires_in"));
    history.replaceState(null, "", location.pathname + location.search);
  }
  window.addEventListener("message", (e) => {
    if (!(config.host_origins || []).includes(e.origin)) return;
    const d = e.data || {};
    if (d.type === "billing:token") handOver(d.access_token, d.expires_in);
  });
}
