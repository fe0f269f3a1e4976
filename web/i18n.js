// @ts-check
// The page's languages: one JSON catalog per language in i18n/<lang>.json, only the chosen one is loaded.
// t(key, params): "{name}" placeholders; a catalog value may be an object of plural forms ("one", "other", ...)
// chosen with Intl.PluralRules by params.count ({count} is written with Intl.NumberFormat).
// The language: the Stripe customer's preferred_locales, then navigator.languages, then English; matched by the
// language subtag (de-AT -> de). Amounts and dates are formatted for the tag that matched (de-AT keeps de-AT).

export const LANGUAGES = ["en", "de", "fr", "es", "ja"];
const FALLBACK = "en";

let lang = FALLBACK;
let tag = FALLBACK;
let messages = {};
let english = null;
const cache = {};

/** The first tag whose language the page has: {lang, tag}; English when none. */
export function pick(...lists) {
  for (const list of lists) {
    for (const raw of list || []) {
      const spelled = String(raw || "").trim().replace(/_/g, "-");
      const l = spelled.split("-")[0].toLowerCase();
      if (LANGUAGES.includes(l)) return { lang: l, tag: spelled };
    }
  }
  return { lang: FALLBACK, tag: FALLBACK };
}

async function catalog(l) {
  cache[l] ||= fetch(new URL(`i18n/${l}.json`, import.meta.url)).then((res) => {
    if (!res.ok) throw new Error(`The ${l} texts could not be loaded (HTTP ${res.status}).`);
    return res.json();
  });
  try {
    return await cache[l];
  } catch (err) {
    delete cache[l];
    throw err;
  }
}

/**
 * Use the language of the first matching tag (customer's preferred locales first, then the browser's). Returns
 * true when the language or the formatting tag changed. A catalog that cannot be loaded keeps the current one.
 */
export async function useLocale(preferred) {
  const chosen = pick(preferred, navigator.languages, [navigator.language]);
  if (chosen.lang === lang && chosen.tag === tag && Object.keys(messages).length) return false;
  let loaded;
  try {
    loaded = await catalog(chosen.lang);
    if (chosen.lang !== FALLBACK && !english) english = await catalog(FALLBACK).catch(() => null);
  } catch (err) {
    if (Object.keys(messages).length) return false;
    if (chosen.lang === FALLBACK) throw err;
    return useLocale([FALLBACK]);
  }
  lang = chosen.lang;
  tag = chosen.tag;
  messages = loaded;
  if (lang === FALLBACK) english = loaded;
  document.documentElement.lang = lang;
  return true;
}

/** The language of the texts ("de"). */
export const language = () => lang;
/** The tag amounts and dates are formatted for ("de-AT"; a valid BCP 47 tag or the language). */
export function locale() {
  try {
    return Intl.getCanonicalLocales(tag)[0] || lang;
  } catch {
    return lang;
  }
}

const entry = (key) => (key in messages ? messages[key] : english && key in english ? english[key] : undefined);

/** Whether the catalog has a text for `key` (e.g. an API error code). */
export const has = (key) => entry(key) !== undefined;

export function t(key, params = {}) {
  let text = entry(key);
  if (text === undefined) return key;
  if (typeof text === "object") {
    const n = Number(params.count);
    text = text[new Intl.PluralRules(locale()).select(n)] ?? text.other;
  }
  return text.replace(/\{(\w+)\}/g, (all, name) => {
    if (!(name in params)) return all;
    if (name === "count" && typeof params.count === "number") return new Intl.NumberFormat(locale()).format(params.count);
    return String(params[name] ?? "");
  });
}

/** Write the static texts of index.html: data-i18n (text) and data-i18n-aria-label. */
export function translateStatic(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(/** @type {HTMLElement} */ (el).dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-aria-label]")) {
    el.setAttribute("aria-label", t(/** @type {HTMLElement} */ (el).dataset.i18nAriaLabel));
  }
}
