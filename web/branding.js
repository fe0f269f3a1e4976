// Branding from config.json's optional `branding` object (web/README.md#branding): colours, font and radius as
// CSS custom properties on :root (CSSOM setProperty: allowed by a CSP without 'unsafe-inline' for styles), the
// name and logo in the header, the favicon, and the support contact. Invalid values are ignored with a
// console.warn; a colour pair below WCAG AA (4.5:1) is reported with console.warn and the page still loads.
// The same rules as `local/branding.py` (`make check-branding`).
import { config } from "./config.js";
import { AA, PAIRS, failingPairs, luminance, parseColor } from "./contrast.js";

const KEYS = ["name", "logo_url", "favicon_url", "colors", "font_family", "border_radius", "support_url", "support_email"];
const FONT = /^[A-Za-z0-9 _"',.-]{1,200}$/;
const RADIUS = /^(0|\d{1,2}(\.\d+)?(px|rem|em))$/;
const EMAIL = /^[^@\s<>"]+@[^@\s<>"]+\.[^@\s<>"]+$/;

/** The support contact of the brand ({url, email}, either may be null): footer and error messages. */
export const support = { url: null, email: null };

const warn = (msg) => console.warn(`Branding: ${msg}`);
const cssName = (key) => `--color-${key.replace(/_/g, "-")}`;

/** https://host/..., or a same-origin relative URL (no scheme, not //host, no backslash or whitespace). */
export function safeUrl(v) {
  if (typeof v !== "string" || !v || v.length > 2000 || /[\s\\]/.test(v)) return null;
  if (/^[a-z][a-z0-9+.-]*:/i.test(v)) {
    if (!/^https:\/\/[^/?#]+/i.test(v)) return null;
  } else if (v.startsWith("//")) {
    return null;
  }
  try {
    const url = new URL(v, location.href);
    return url.protocol === "https:" || url.origin === location.origin ? url.href : null;
  } catch {
    return null;
  }
}

const isColor = (v) => parseColor(v) !== null && (typeof CSS === "undefined" || CSS.supports("color", v.trim()));

/** The page's colours as they are now (defaults from app.css, overridden by the brand), by branding key. */
export function currentColors() {
  const style = getComputedStyle(document.documentElement);
  const out = {};
  for (const key of new Set(PAIRS.flat())) out[key] = style.getPropertyValue(cssName(key)).trim();
  return out;
}

/** Apply `branding` (default: config.branding). Returns the colour pairs below AA (also console.warn'ed). */
export function applyBranding(branding = config.branding) {
  if (branding != null && (typeof branding !== "object" || Array.isArray(branding))) {
    warn("`branding` must be an object; ignored");
    branding = null;
  }
  const b = branding || {};
  for (const key of Object.keys(b)) if (!KEYS.includes(key)) warn(`unknown key "${key}" ignored`);
  const root = document.documentElement.style;
  if (b.colors != null) {
    if (typeof b.colors !== "object" || Array.isArray(b.colors)) warn("`colors` must be an object; ignored");
    else {
      const known = getComputedStyle(document.documentElement);
      for (const [key, value] of Object.entries(b.colors)) {
        if (!/^[a-z_]+$/.test(key) || !known.getPropertyValue(cssName(key))) warn(`unknown colour "${key}" ignored`);
        else if (!isColor(value)) warn(`colors.${key} ${JSON.stringify(value)} is not a #hex, rgb() or hsl() colour; ignored`);
        else root.setProperty(cssName(key), value.trim());
      }
    }
  }
  if (b.font_family != null) {
    if (typeof b.font_family === "string" && FONT.test(b.font_family)) root.setProperty("--font-family", b.font_family);
    else warn("font_family may hold letters, digits, spaces, quotes, commas, dots and hyphens only; ignored");
  }
  if (b.border_radius != null) {
    if (typeof b.border_radius === "string" && RADIUS.test(b.border_radius)) {
      // Today's 6px / 8px / 10px keep their proportions.
      root.setProperty("--radius", b.border_radius);
      root.setProperty("--radius-large", `calc(${b.border_radius} * 4 / 3)`);
      root.setProperty("--radius-dialog", `calc(${b.border_radius} * 5 / 3)`);
    } else warn(`border_radius ${JSON.stringify(b.border_radius)} must be 0 or a length in px, rem or em; ignored`);
  }
  let name = null;
  if (b.name != null) {
    if (typeof b.name === "string" && b.name.trim() && b.name.trim().length <= 80) name = b.name.trim();
    else warn("name must be text of 1 to 80 characters; ignored");
  }
  const url = (key) => {
    if (b[key] == null) return null;
    const u = safeUrl(b[key]);
    if (!u) warn(`${key} ${JSON.stringify(b[key])} must be an https:// URL or a same-origin relative one; ignored`);
    return u;
  };
  const logo = url("logo_url");
  const favicon = url("favicon_url");
  support.url = url("support_url");
  support.email = null;
  if (b.support_email != null) {
    if (typeof b.support_email === "string" && b.support_email.length <= 254 && EMAIL.test(b.support_email)) support.email = b.support_email;
    else warn(`support_email ${JSON.stringify(b.support_email)} is not an e-mail address; ignored`);
  }
  showIdentity(name, logo, favicon);
  const colors = currentColors();
  // A dark page gets dark native controls (radio buttons, scrollbars, date pickers) too.
  const bg = parseColor(colors.background);
  if (bg && luminance(bg) < 0.18) root.setProperty("color-scheme", "dark");
  const failing = failingPairs(colors);
  for (const f of failing) warn(`contrast of ${f.pair} is ${f.ratio.toFixed(2)}:1, below WCAG AA ${AA}:1`);
  return failing;
}

function showIdentity(name, logo, favicon) {
  const nameEl = document.getElementById("brand-name");
  const logoEl = document.getElementById("brand-logo");
  if (nameEl) {
    nameEl.textContent = name || "";
    nameEl.hidden = !name;
  }
  if (logoEl && logo) {
    logoEl.alt = name ? "" : "Logo"; // next to the name it is decorative
    logoEl.src = logo;
    logoEl.hidden = false;
  }
  if (favicon) {
    const link = document.querySelector("link[rel=icon]");
    if (link) link.href = favicon;
  }
  if (name) document.documentElement.dataset.brand = name;
}
