// @ts-check
// The invitation that waits for its seat (`needs_seat`: a full team whose plan buys seats as needed, seat policy
// `auto`). The dialog shows Stripe's exact proration of one more seat (POST .../seat-preview) and "Buy the seat and
// send the invitation" confirms exactly that preview (POST .../confirm-seat, with an Idempotency-Key). A seat that
// is free by now (someone left, an invitation was revoked) sends the invitation without buying anything.
import { api } from "../api.js";
import { roleName } from "../accounts.js";
import { Action, announce, busy, errorBox, h, loading, notice, openDialog } from "../dom.js";
import { t } from "../i18n.js";
import { currentSubscription } from "./overview.js";
import { confirmPayment } from "./payment.js";
import { renderPreview } from "./plans.js";

const enc = encodeURIComponent;
/** After a 3-D Secure payment the webhook records the new seat count; the invitation is then sent on it. */
const PAID_SEAT_ATTEMPTS = 20;
const PAID_SEAT_PAUSE_MS = 1500;

/**
 * @param {any} ctx
 * @param {any} account the team
 * @param {string} base `/accounts/<id>`
 * @param {{ id: string, email: string, role: string }} inv the waiting invitation
 */
export async function openSeatPurchase(ctx, account, base, inv) {
  const dlg = openDialog(t("seat.title"), { wide: true });
  const path = `${base}/invitations/${enc(inv.id)}`;
  const action = new Action(); // one key for this purchase, made when the dialog opened
  const msg = h("div", { "aria-live": "polite" });
  const box = h("div", { "aria-live": "polite", "data-testid": "seat-purchase" });
  const buy = h("button", { type: "button", class: "primary", hidden: true }, t("seat.buy"));
  const goToCards = () => h("a", { href: "#cards", onclick: dlg.close }, t("plans.goToCards"));
  dlg.body.append(h("p", { "data-testid": "seat-invitation" }, t("seat.waiting", { email: inv.email, role: roleName(inv.role) })), msg, box);
  dlg.footer.append(h("button", { type: "button", onclick: dlg.close }, t("action.cancel")), buy);
  const planName = await ctx.getOverview().then((ov) => currentSubscription(ov)?.plan_name, () => null) || account.plan || "";
  /** @type {any} */
  let seat = null;
  const load = async () => {
    seat = null;
    buy.hidden = true;
    box.replaceChildren(loading(t("busy.calculating")));
    try {
      seat = await api("POST", `${path}/seat-preview`);
    } catch (err) {
      box.replaceChildren(errorBox(err));
      return false;
    }
    if (seat.seat_available) {
      box.replaceChildren(h("p", { "data-testid": "seat-free" }, t("seat.free")));
      buy.textContent = t("seat.send");
    } else {
      const p = seat.preview;
      box.replaceChildren(renderPreview(p, { plan: { per_seat: true, name: planName }, quantity: p.target.quantity }, goToCards));
      buy.textContent = t("seat.buy");
    }
    // A seat charged now needs a card: the preview says so and there is nothing to confirm (H2).
    buy.hidden = Boolean(seat.preview && seat.preview.payment_method_required);
    return true;
  };
  if (await load()) (buy.hidden ? dlg.body.querySelector("a, button") : buy)?.focus();
  else dlg.focusFirst();

  buy.addEventListener("click", () => busy(buy, async () => {
    msg.replaceChildren();
    const body = seat.preview ? { preview_id: seat.preview.preview_id } : undefined;
    let out;
    try {
      out = await action.send("POST", `${path}/confirm-seat`, { body });
    } catch (err) {
      if (err.code === "preview_stale") {
        // The subscription changed since (seats bought or freed, another plan): the new exact amount to confirm.
        await load();
        msg.replaceChildren(h("div", { class: "alert warning", "data-testid": "seat-changed" }, h("p", {}, t("seat.changed"))));
        return;
      }
      const needsCard = err.code === "payment_method_required";
      msg.replaceChildren(errorBox(err, needsCard || err.status === 402 ? t("seat.notBought") : null));
      if (needsCard || err.status === 402) msg.firstChild.append(goToCards());
      return;
    }
    const paidHere = out.status === "requires_action";
    if (paidHere) {
      const payment = out.change && out.change.payment;
      const paid = payment ? await confirmPayment(payment.client_secret, dlg) : { ok: false, message: t("payment.notCompleted") };
      if (!paid.ok) {
        msg.replaceChildren(errorBox(new Error(paid.message), t("seat.notBought")));
        await load();
        return;
      }
      out = await sendOnPaidSeat(path);
      if (!out) {
        dlg.close();
        await ctx.reload();
        announce(notice(t("seat.paidNotSent", { email: inv.email })));
        return;
      }
    }
    dlg.close();
    await ctx.reload({ accounts: true });
    announce(notice(out.seat_bought || paidHere ? t("seat.bought", { email: inv.email }) : t("invite.sent", { email: inv.email })));
  }, t("busy.buying")));
}

/**
 * The seat is paid (3-D Secure finished): send the invitation on it once the webhook has recorded the new seat
 * count (until then the server answers 409 seat_purchase_required). Null when that takes longer than the page
 * waits; the invitation still waits, and "Preview the seat" then finds the paid seat free.
 */
async function sendOnPaidSeat(path) {
  for (let i = 0; i < PAID_SEAT_ATTEMPTS; i++) {
    try {
      return await new Action().send("POST", `${path}/confirm-seat`);
    } catch (err) {
      if (err.code !== "seat_purchase_required") return null;
    }
    await new Promise((resolve) => setTimeout(resolve, PAID_SEAT_PAUSE_MS));
  }
  return null;
}
