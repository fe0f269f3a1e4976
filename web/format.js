// @ts-check
// Money, dates and plain words, formatted for the reader's locale (Intl) in the page's language (i18n.js).
import { has, locale, t } from "./i18n.js";

/** A Stripe amount in the currency's minor unit (cents; yen have none), written by Intl for the locale. */
export function money(amount, currency) {
  if (amount == null || !currency) return "";
  const nf = new Intl.NumberFormat(locale(), { style: "currency", currency: currency.toUpperCase() });
  return nf.format(amount / 10 ** nf.resolvedOptions().maximumFractionDigits);
}

export function date(ts) {
  if (!ts) return "";
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium" }).format(new Date(ts * 1000));
}

/** A card's expiry month and year (e.g. 04/2027 in English), written by Intl. */
export function expiry(month, year) {
  if (!month || !year) return "";
  return new Intl.DateTimeFormat(locale(), { month: "2-digit", year: "numeric", timeZone: "UTC" }).format(
    new Date(Date.UTC(year, month - 1, 1)),
  );
}

export const number = (n) => new Intl.NumberFormat(locale()).format(n);

/** "per month" for a price's interval. */
export const per = (interval) => (interval ? (has(`per.${interval}`) ? t(`per.${interval}`) : interval) : "");

const words = (prefix, value) => (value && has(`${prefix}.${value}`) ? t(`${prefix}.${value}`) : null);

export const status = (s) => words("status", s) || s || "";
export const invoiceStatus = (s) => words("invoiceStatus", s) || s || "";

export const feature = (x) => words("feature", x) || x.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());

export function limit(k, v) {
  if (has(`limit.${k}`)) return t(`limit.${k}`, { count: v });
  return `${number(v)} ${k.replace(/_/g, " ")}`;
}

export const BRAND = { visa: "Visa", mastercard: "Mastercard", amex: "American Express", discover: "Discover" };
export const brand = (b) => BRAND[b] || (b ? b[0].toUpperCase() + b.slice(1) : t("card.generic"));

// Why a customer cancels: Stripe's cancellation_details.feedback values plus "temporary" (a break), in plain words.
export const CANCEL_REASONS = ["too_expensive", "temporary", "missing_features", "switched_service", "unused", "customer_service", "too_complex", "low_quality", "other"];
export const cancelReason = (r) => t(`cancelReason.${r}`);

/** A decline code in words a card holder can act on; else the given message; else a general decline. */
export function decline(code, fallback) {
  return words("decline", code) || fallback || t("decline.generic");
}
