// Money, dates and plain words, formatted for the reader's locale (Intl).
const locale = () => navigator.language || "en-US";

export function money(amount, currency) {
  if (amount == null || !currency) return "";
  const cur = currency.toUpperCase();
  const digits = new Intl.NumberFormat(locale(), { style: "currency", currency: cur }).resolvedOptions()
    .maximumFractionDigits;
  return new Intl.NumberFormat(locale(), { style: "currency", currency: cur }).format(amount / 10 ** digits);
}

export function date(ts) {
  if (!ts) return "";
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium" }).format(new Date(ts * 1000));
}

export const INTERVAL = { month: "month", year: "year", week: "week", day: "day" };
export const per = (interval) => (interval ? `per ${INTERVAL[interval] || interval}` : "");

export const STATUS = {
  active: "Active",
  trialing: "Free trial",
  past_due: "Payment overdue",
  unpaid: "Unpaid",
  canceled: "Canceled",
  incomplete: "Awaiting payment",
  incomplete_expired: "Expired",
  paused: "Paused",
  none: "No plan",
};
export const status = (s) => STATUS[s] || s || "";

export const INVOICE_STATUS = { paid: "Paid", open: "Due", draft: "Draft", void: "Void", uncollectible: "Uncollectible" };

export const FEATURES = {
  projects: "Projects",
  email_support: "Email support",
  priority_support: "Priority support",
  api_access: "API access",
  custom_domain: "Custom domain",
  sso: "Single sign-on (SSO)",
  audit_log: "Audit log",
};
export const feature = (f) => FEATURES[f] || f.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());

export const LIMITS = { projects: "projects", seats: "seats", api_calls_per_month: "API calls a month" };
export function limit(k, v) {
  const label = LIMITS[k] || k.replace(/_/g, " ");
  return `${new Intl.NumberFormat(locale()).format(v)} ${v === 1 ? label.replace(/s\b/, "") : label}`;
}

export const BRAND = { visa: "Visa", mastercard: "Mastercard", amex: "American Express", discover: "Discover" };
export const brand = (b) => BRAND[b] || (b ? b[0].toUpperCase() + b.slice(1) : "Card");

// Stripe's cancellation_details.feedback values, in plain words.
export const CANCEL_REASONS = [
  ["too_expensive", "It's too expensive"],
  ["missing_features", "Some features are missing"],
  ["switched_service", "I'm switching to another service"],
  ["unused", "I don't use it enough"],
  ["customer_service", "Customer service was less than expected"],
  ["too_complex", "It's too hard to use"],
  ["low_quality", "Quality was less than expected"],
  ["other", "Another reason"],
];

// Decline codes in words a card holder can act on.
const DECLINES = {
  insufficient_funds: "The card has insufficient funds. Try another card or contact your bank.",
  expired_card: "The card has expired. Add a card that is still valid.",
  incorrect_cvc: "The security code is incorrect. Check it and try again.",
  processing_error: "The bank could not process the payment. Try again in a moment.",
  authentication_required: "Your bank requires authentication for this payment.",
  payment_intent_authentication_failure: "Authentication with your bank failed, so nothing was charged.",
  setup_intent_authentication_failure: "Authentication with your bank failed, so the card was not added.",
};
export function decline(code, fallback) {
  return DECLINES[code] || fallback || "Your bank declined the card. Try another card or contact your bank.";
}
