// @ts-check
// WCAG 2.x contrast of the page's colour pairs; the same colour forms, formula and pairs as local/contrast.py
// (`make check-branding`), pinned by tests/browser/test_brand_embed.py. Colours: #rgb(a), #rrggbb(aa), rgb(a)(),
// hsl(a)(); a translucent foreground is blended over its background, a translucent background over white.
export const AA = 4.5;

/** [foreground, background] branding colour keys (CSS --color-<key with dashes>) shown together. */
export const PAIRS = [
  ["text", "background"], ["text", "surface"], ["text", "input_background"], ["text", "selected_background"],
  ["muted", "background"], ["muted", "surface"], ["primary", "background"], ["primary", "surface"],
  ["primary_text", "primary"], ["danger", "background"], ["danger", "surface"], ["danger", "danger_background"],
  ["success", "background"], ["success", "surface"], ["success", "success_background"],
  ["warning", "warning_badge_background"], ["info_text", "info_background"], ["danger_text", "danger_background"],
  ["primary", "danger_background"], ["muted", "danger_background"], // "Contact support", "Reference for support"
  ["success_text", "success_background"], ["warning_text", "warning_background"],
];

const NUM = String.raw`[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?`;
const ARGS = String.raw`\s*(${NUM}(?:%|deg)?)`;
const ARG = String.raw`(${NUM}%?)\s*`;
// Commas throughout (legacy) or spaces with an optional "/ alpha" (modern), as CSS accepts.
const FUNCS = [String.raw`,\s*${ARG},\s*${ARG}(?:,\s*${ARG})?`, String.raw`\s+${ARG}\s+${ARG}(?:/\s*${ARG})?`].map(
  (rest) => new RegExp(String.raw`^(rgba?|hsla?)\(${ARGS}\s*${rest}\)$`, "i"),
);
const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));
const pct = (s, scale) => (s.endsWith("%") ? (parseFloat(s) * scale) / 100 : parseFloat(s));

/** [r, g, b (0..255), alpha (0..1)], or null when `value` is not one of the forms above. */
export function parseColor(value) {
  if (typeof value !== "string") return null;
  const v = value.trim();
  const hex = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(v);
  if (hex) {
    const d = hex[1].length <= 4 ? [...hex[1]].map((c) => c + c).join("") : hex[1];
    const b = [0, 2, 4, 6].map((i) => parseInt(d.slice(i, i + 2) || "ff", 16));
    return [b[0], b[1], b[2], b[3] / 255];
  }
  const m = FUNCS[0].exec(v) || FUNCS[1].exec(v);
  if (!m) return null;
  const [, fn, a, b, c, al] = m;
  const alpha = al == null ? 1 : clamp(pct(al, 1), 0, 1);
  if (/^rgb/i.test(fn)) return a.endsWith("deg") ? null : [...[a, b, c].map((s) => clamp(pct(s, 255), 0, 255)), alpha];
  if (a.endsWith("%") || !b.endsWith("%") || !c.endsWith("%")) return null;
  const h = ((parseFloat(a) % 360) + 360) % 360;
  const s = clamp(parseFloat(b) / 100, 0, 1);
  const l = clamp(parseFloat(c) / 100, 0, 1);
  const f = (n) => {
    const k = (n + h / 30) % 12;
    return (l - s * Math.min(l, 1 - l) * Math.max(-1, Math.min(k - 3, 9 - k, 1))) * 255;
  };
  return [f(0), f(8), f(4), alpha];
}

const over = (fg, bg) => [0, 1, 2].map((i) => fg[i] * fg[3] + bg[i] * (1 - fg[3])).concat(1);

/** WCAG 2.x relative luminance of an opaque [r, g, b] (0..255). */
export function luminance(rgb) {
  const lin = (c) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2]);
}

/** (L1 + 0.05) / (L2 + 0.05) of a foreground on a background colour string, or null if either is unparsable. */
export function contrast(foreground, background) {
  const fg = parseColor(foreground);
  const bg0 = parseColor(background);
  if (!fg || !bg0) return null;
  const bg = over(bg0, [255, 255, 255, 1]);
  const [l1, l2] = [luminance(over(fg, bg)), luminance(bg)];
  return (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
}

/** The pairs of `colors` ({key: colour}) below AA: [{pair: "text/background", ratio}] (ratio unrounded). */
export const failingPairs = (colors) =>
  PAIRS.map(([fg, bg]) => ({ pair: `${fg}/${bg}`, ratio: contrast(colors[fg], colors[bg]) })).filter((p) => p.ratio != null && p.ratio < AA);
