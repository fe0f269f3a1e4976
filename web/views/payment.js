// @ts-check
// Finishing a payment in the browser with Stripe.js (3-D Secure). Modal dialogs make the rest of the page inert,
// so the calling dialog is hidden while Stripe.js shows its own authentication window.
import { stripe } from "../api.js";
import * as f from "../format.js";
import { t } from "../i18n.js";

/** Returns {ok: true} or {ok: false, message}. */
export async function confirmPayment(clientSecret, dlg) {
  dlg?.hide();
  try {
    const s = await stripe();
    const result = await s.confirmCardPayment(clientSecret);
    if (result.error) return { ok: false, message: explain(result.error) };
    const st = result.paymentIntent && result.paymentIntent.status;
    if (st === "succeeded" || st === "processing") return { ok: true };
    return { ok: false, message: t("payment.notCompleted") };
  } catch (err) {
    return { ok: false, message: err.message };
  } finally {
    dlg?.show();
  }
}

export function explain(error) {
  if (!error) return "";
  if (error.type === "validation_error") return error.message;
  const code = error.decline_code || error.code;
  return f.decline(code, error.type === "card_error" ? error.message : undefined);
}
