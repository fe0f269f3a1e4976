// @ts-check
// Branding from config.json's `branding` (web/README.md#branding), the same rules as local/branding.py: colours,
// font and radius become :root custom properties through CSSOM setProperty (no 'unsafe-inline' style needed);
// name, logo, favicon and the support contact are shown. Invalid values and pairs below WCAG AA: console.warn.
import { config } from "./config.js";
import { t } from "./i18n.js";
import { AA, PAIRS, failingPairs, luminance, parseColor } from "./contrast.js";

const KEYS = ["name", "logo_url", "favicon_url", "colors", "font_family", "border_radius", "support_url", "support_email"];
const EMAIL = /^[^@\s<>"]+@[^@\s<>"]+\.[^@\s<>"]+$/;

/** The brand's support contact ({url, email}, either may be null): footer and error messages (dom.js). */
export const support = { url: null, email: null };

const warn = (msg) => console.warn(`Branding: ${msg}`);
const cssName = (key) => `--color-${key.replace(/_/g, "-")}`;
const isObject = (v) => v != null && typeof v === "object" && !Array.isArray(v);

/** https://host/..., or a same-origin relative URL (no scheme, not //host, no backslash or whitespace). */
export function safeUrl(v) {
  if (typeof v !== "string" || !v || v.length > 2000 || /[\s\\]/.test(v) || v.startsWith("//")) return null;
  if (/^[a-z][a-z0-9+.-]*:/i.test(v) && !/^https:\/\/[^/?#]+/i.test(v)) return null;
  try {
    const url = new URL(v, location.href);
    return url.protocol === "https:" || url.origin === location.origin ? url.href : null;
  } catch {
    return null;
  }
}

/** The page's colours now (app.css defaults, overridden by the brand), by branding key. */
export function currentColors() {
  const style = getComputedStyle(document.documentElement);
  return Object.fromEntries([...new Set(PAIRS.flat())].map((k) => [k, style.getPropertyValue(cssName(k)).trim()]));
}

/** Apply `branding` (default: config.branding). Returns the colour pairs below AA. */
export function applyBranding(branding = config.branding) {
  if (branding != null && !isObject(branding)) warn("`branding` must be an object; ignored");
  const b = isObject(branding) ? branding : {};
  for (const key of Object.keys(b)) if (!KEYS.includes(key)) warn(`unknown key "${key}" ignored`);
  const root = document.documentElement.style;
  const bad = (key, why) => warn(`${key} ${JSON.stringify(b[key])} ${why}; ignored`);
  if (b.colors != null && !isObject(b.colors)) bad("colors", "must be an object");
  const defaults = getComputedStyle(document.documentElement);
  for (const [key, value] of Object.entries(isObject(b.colors) ? b.colors : {})) {
    if (!/^[a-z_]+$/.test(key) || !defaults.getPropertyValue(cssName(key))) warn(`unknown colour "${key}" ignored`);
    else if (!parseColor(value) || !CSS.supports("color", value.trim())) warn(`colors.${key} ${JSON.stringify(value)} is not a #hex, rgb() or hsl() colour; ignored`);
    else root.setProperty(cssName(key), value.trim());
  }
  if (b.font_family != null) {
    if (typeof b.font_family === "string" && /^[A-Za-z0-9 _"',.-]{1,200}$/.test(b.font_family)) root.setProperty("--font-family", b.font_family);
    else bad("font_family", "may hold letters, digits, spaces, quotes, commas, dots and hyphens only");
  }
  if (b.border_radius != null) {
    const r = b.border_radius;
    if (typeof r === "string" && /^(0|\d{1,2}(\.\d+)?(px|rem|em))$/.test(r)) {
      root.setProperty("--radius", r); // cards and dialogs keep today's 6 : 8 : 10
      root.setProperty("--radius-large", `calc(${r} * 4 / 3)`);
      root.setProperty("--radius-dialog", `calc(${r} * 5 / 3)`);
    } else bad("border_radius", "must be 0 or a length in px, rem or em");
  }
  const name = typeof b.name === "string" && b.name.trim().length > 0 && b.name.trim().length <= 80 ? b.name.trim() : null;
  if (b.name != null && !name) bad("name", "must be text of 1 to 80 characters");
  const url = (key) => {
    const u = b[key] == null ? null : safeUrl(b[key]);
    if (b[key] != null && !u) bad(key, "must be an https:// URL or a same-origin relative one");
    return u;
  };
  const logo = url("logo_url");
  const favicon = url("favicon_url");
  support.url = url("support_url");
  support.email = typeof b.support_email === "string" && b.support_email.length <= 254 && EMAIL.test(b.support_email) ? b.support_email : null;
  if (b.support_email != null && !support.email) bad("support_email", "is not an e-mail address");

  const nameEl = document.getElementById("brand-name");
  nameEl.textContent = name || "";
  nameEl.hidden = !name;
  if (logo) {
    const img = /** @type {HTMLImageElement} */ (document.getElementById("brand-logo"));
    img.alt = name ? "" : t("brand.logo"); // next to the name it is decorative
    img.src = logo;
    img.hidden = false;
  }
  if (favicon) /** @type {HTMLLinkElement} */ (document.querySelector("link[rel=icon]")).href = favicon;

  const colors = currentColors();
  const bg = parseColor(colors.background);
  if (bg && luminance(bg) < 0.18) root.setProperty("color-scheme", "dark"); // native controls match a dark page
  const failing = failingPairs(colors);
  for (const f of failing) warn(`contrast of ${f.pair} is ${f.ratio.toFixed(2)}:1, below WCAG AA ${AA}:1`);
  return failing;
}
