// The example host app: sign in against the same Cognito user pool as the billing page, embed /billing in an
// iframe, answer its token requests, size the iframe from billing:resize and show billing:navigated and
// billing:changed. Every message is checked against the billing page's origin before it is used.
const $ = (id) => document.getElementById(id);
let config = null;
let token = null; // {access_token, expires_in}
let frame = null;
let billingOrigin = "";

/** What the host received, in order (the browser tests read it). */
window.billingMessages = [];

async function signIn(email, password) {
  const res = await fetch(config.cognito_endpoint.replace(/\/?$/, "/"), {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
    },
    body: JSON.stringify({
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: config.user_pool_client_id,
      AuthParameters: { USERNAME: email, PASSWORD: password },
    }),
  });
  const out = await res.json().catch(() => ({}));
  if (!res.ok || !out.AuthenticationResult) throw new Error("The email or password is not correct.");
  return { access_token: out.AuthenticationResult.AccessToken, expires_in: out.AuthenticationResult.ExpiresIn };
}

function handOver() {
  if (frame && token) frame.contentWindow.postMessage({ type: "billing:token", ...token }, billingOrigin);
}

function openBilling() {
  frame = document.createElement("iframe");
  frame.title = "Billing";
  frame.src = config.billing_url;
  frame.id = "billing-frame";
  // Also on load: a page that already listens takes it at once (the billing page ignores it from other origins).
  frame.addEventListener("load", handOver);
  $("frame-slot").replaceChildren(frame);
  $("events").hidden = false;
}

window.addEventListener("message", (e) => {
  if (e.origin !== billingOrigin || !frame || e.source !== frame.contentWindow) return;
  const d = e.data || {};
  if (typeof d.type !== "string" || !d.type.startsWith("billing:")) return;
  window.billingMessages.push(d);
  if (d.type === "billing:token-request") handOver();
  else if (d.type === "billing:resize" && Number.isFinite(d.height) && d.height > 0) {
    frame.style.height = `${Math.ceil(d.height)}px`;
    $("frame-height").textContent = `${Math.ceil(d.height)}px`;
  } else if (d.type === "billing:dialog" && d.open && Number.isFinite(d.top) && Number.isFinite(d.height)) {
    // Bring the billing page's dialog into view: whole when it fits, else its top.
    const top = frame.getBoundingClientRect().top + d.top;
    const bottom = top + d.height;
    const margin = 16;
    if (top < 0 || d.height + 2 * margin > innerHeight) window.scrollBy(0, top - margin);
    else if (bottom > innerHeight) window.scrollBy(0, bottom - innerHeight + margin);
  } else if (d.type === "billing:navigated") {
    $("last-section").textContent = String(d.section);
  } else if (d.type === "billing:changed") {
    const plan = d.plan ? `${d.plan.name || d.plan.id} (${d.status})` : "no plan";
    $("last-change").textContent = `${d.action}: ${plan}`;
    $("last-change").dataset.plan = d.plan ? d.plan.id : "";
  }
});

async function start() {
  config = await (await fetch("/host/config.json", { cache: "no-store" })).json();
  billingOrigin = new URL(config.billing_url).origin;
  if (config.demo_user) {
    $("email").value = config.demo_user.username;
    $("password").value = config.demo_user.password;
  }
  $("sign-in").addEventListener("submit", async (e) => {
    e.preventDefault();
    $("sign-in-error").hidden = true;
    try {
      token = await signIn($("email").value.trim(), $("password").value);
    } catch (err) {
      $("sign-in-error").textContent = err.message;
      $("sign-in-error").hidden = false;
      return;
    }
    $("sign-in").hidden = true;
    openBilling(); // the billing page asks for the token (billing:token-request) once it listens
  });
}

start();
