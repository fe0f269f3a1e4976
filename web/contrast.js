// WCAG 2.x contrast of the page's colour pairs (relative luminance, (L1 + 0.05) / (L2 + 0.05)). The same
// formula, colour syntax and pairs as `local/branding.py` (`make check-branding`); tests/browser pins both.
//
// Colours: #rgb, #rgba, #rrggbb, #rrggbbaa, rgb()/rgba() and hsl()/hsla() (comma or space syntax, optional
// "/ alpha"). A translucent foreground is blended over its background, a translucent background over white.

export const AA = 4.5;

/** [foreground, background] colour keys (branding `colors`, CSS `--color-<key with dashes>`) shown together. */
export const PAIRS = [
  ["text", "background"],
  ["text", "surface"],
  ["text", "input_background"],
  ["text", "selected_background"],
  ["muted", "background"],
  ["muted", "surface"],
  ["primary", "background"],
  ["primary", "surface"],
  ["primary_text", "primary"],
  ["danger", "background"],
  ["danger", "surface"],
  ["danger", "danger_background"],
  ["success", "background"],
  ["success", "surface"],
  ["success", "success_background"],
  ["warning", "warning_badge_background"],
  ["info_text", "info_background"],
  ["danger_text", "danger_background"],
  ["primary", "danger_background"], // "Contact support" under an error
  ["muted", "danger_background"], // "Reference for support"
  ["success_text", "success_background"],
  ["warning_text", "warning_background"],
];

const NUM = String.raw`[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?`;
const FUNC = new RegExp(
  String.raw`^(rgba?|hsla?)\(\s*(${NUM}(?:%|deg)?)\s*(?:,\s*|\s+)(${NUM}%?)\s*(?:,\s*|\s+)(${NUM}%?)\s*(?:(?:,|/)\s*(${NUM}%?)\s*)?\)$`,
  "i",
);

const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));
const num = (s) => parseFloat(s);
const alpha = (s) => (s == null ? 1 : clamp(s.endsWith("%") ? num(s) / 100 : num(s), 0, 1));

function hsl(hDeg, s, l) {
  const f = (n) => {
    const k = (n + hDeg / 30) % 12;
    return l - s * Math.min(l, 1 - l) * Math.max(-1, Math.min(k - 3, 9 - k, 1));
  };
  return [f(0) * 255, f(8) * 255, f(4) * 255];
}

/** [r, g, b (0..255), alpha (0..1)], or null when `value` is not one of the colour forms above. */
export function parseColor(value) {
  if (typeof value !== "string") return null;
  const v = value.trim();
  const hex = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(v);
  if (hex) {
    let d = hex[1];
    if (d.length <= 4) d = [...d].map((c) => c + c).join("");
    const b = [0, 2, 4, 6].map((i) => parseInt(d.slice(i, i + 2) || "ff", 16));
    return [b[0], b[1], b[2], b[3] / 255];
  }
  const m = FUNC.exec(v);
  if (!m) return null;
  const [, fn, a, b, c, al] = m;
  if (fn.toLowerCase().startsWith("rgb")) {
    const ch = (s) => clamp(s.endsWith("%") ? (num(s) * 255) / 100 : num(s), 0, 255);
    if ([a, b, c].some((s) => s.endsWith("deg"))) return null;
    return [ch(a), ch(b), ch(c), alpha(al)];
  }
  if (a.endsWith("%") || !b.endsWith("%") || !c.endsWith("%")) return null;
  const hue = ((num(a) % 360) + 360) % 360;
  return [...hsl(hue, clamp(num(b) / 100, 0, 1), clamp(num(c) / 100, 0, 1)), alpha(al)];
}

function over(fg, bg) {
  const a = fg[3];
  return [0, 1, 2].map((i) => fg[i] * a + bg[i] * (1 - a)).concat(1);
}

/** WCAG 2.x relative luminance of an opaque [r, g, b] (0..255). */
export function luminance(rgb) {
  const lin = (c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2]);
}

/** Contrast ratio (1..21) of a foreground on a background colour (strings or parsed), or null if unparsable. */
export function contrast(foreground, background) {
  const fg = typeof foreground === "string" ? parseColor(foreground) : foreground;
  const bg0 = typeof background === "string" ? parseColor(background) : background;
  if (!fg || !bg0) return null;
  const bg = over(bg0, [255, 255, 255, 1]);
  const l1 = luminance(over(fg, bg));
  const l2 = luminance(bg);
  return (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
}

/** The pairs of `colors` ({key: css colour}) below AA: [{pair: "text/background", ratio}] (ratio unrounded). */
export function failingPairs(colors) {
  const out = [];
  for (const [fg, bg] of PAIRS) {
    const ratio = contrast(colors[fg], colors[bg]);
    if (ratio != null && ratio < AA) out.push({ pair: `${fg}/${bg}`, ratio });
  }
  return out;
}
