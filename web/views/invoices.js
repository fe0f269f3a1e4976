// @ts-check
// Invoices: number, date, amount, status, PDF and hosted page links, load more; pay an open invoice now.
import { api } from "../api.js";
import { Action, announce, busy, errorBox, h, notice } from "../dom.js";
import * as f from "../format.js";
import { t } from "../i18n.js";
import { settle } from "./cards.js";

export async function renderInvoices(ctx) {
  const page = await api("GET", "/billing/invoices", { query: { limit: 10 } });
  const card = h("section", { class: "card", "aria-labelledby": "inv-title", "data-ready": "invoices" }, h("h2", { id: "inv-title" }, t("nav.invoices")));
  if (!page.invoices.length) {
    card.append(h("p", { class: "muted" }, t("invoices.none")));
    return card;
  }
  const body = h("tbody");
  const table = h("table", {}, h("thead", {}, h("tr", {},
    h("th", { scope: "col" }, t("invoices.date")), h("th", { scope: "col", class: "hide-narrow" }, t("invoices.number")), h("th", { scope: "col", class: "num" }, t("invoices.amount")),
    h("th", { scope: "col" }, t("invoices.status")), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, t("invoices.links"))))), body);
  const more = h("button", { type: "button" }, t("invoices.more"));
  const status = h("p", { class: "muted small", role: "status" });
  let cursor = page.next_cursor || (page.invoices.at(-1) || {}).id;
  const add = (invoices) => invoices.forEach((inv) => body.append(row(ctx, inv)));
  add(page.invoices);
  more.hidden = !page.has_more;
  more.addEventListener("click", () => busy(more, async () => {
    try {
      const next = await api("GET", "/billing/invoices", { query: { limit: 10, starting_after: cursor } });
      add(next.invoices);
      cursor = next.next_cursor || (next.invoices.at(-1) || {}).id;
      more.hidden = !next.has_more;
      status.textContent = t("invoices.shown", { count: body.children.length });
    } catch (err) {
      status.replaceChildren(errorBox(err));
    }
  }, t("loading")));
  card.append(h("div", { class: "table-wrap" }, table), status, more);
  return card;
}

function row(ctx, inv) {
  const st = f.invoiceStatus(inv.status);
  const links = h("td", { class: "row" });
  const label = inv.number || inv.id;
  if (inv.invoice_pdf) links.append(h("a", { href: inv.invoice_pdf, target: "_blank", rel: "noopener", "aria-label": t("invoices.pdfLabel", { number: label }) }, t("invoices.pdf")));
  if (inv.hosted_invoice_url) links.append(h("a", { href: inv.hosted_invoice_url, target: "_blank", rel: "noopener", "aria-label": t("invoices.viewLabel", { number: label }) }, t("invoices.view")));
  if (inv.status === "open" && inv.amount_remaining > 0) {
    links.append(h("button", { type: "button", class: "link", onclick: (e) => payInvoice(ctx, inv, e.currentTarget) }, t("invoices.pay", { amount: f.money(inv.amount_remaining, inv.currency) })));
  }
  return h("tr", { "data-invoice": inv.id },
    h("td", {}, f.date(inv.created)),
    h("td", { class: "hide-narrow" }, inv.number || ""),
    h("td", { class: "num" }, f.money(inv.total, inv.currency)),
    h("td", {}, h("span", { class: `badge ${inv.status === "paid" ? "good" : inv.status === "open" ? "warn" : ""}` }, st)),
    links);
}

/** GET /billing no longer reports the subscription past due. */
export const recovered = (ov) => !ov.dunning?.past_due && ov.entitlements?.status !== "past_due";

/** Pay an open invoice with the default card (3-D Secure when the bank asks for it). */
export function payInvoice(ctx, inv, button) {
  button.action ||= new Action();
  return busy(button, async () => {
    let r;
    try {
      r = await button.action.send("POST", `/billing/invoices/${inv.id}/pay`, { body: {} });
    } catch (err) {
      announce(errorBox(err, err.status === 402 ? t("invoices.declined") : null));
      return;
    }
    const problem = await settle(r, null);
    await ctx.reload(problem || r.status === "paid" ? {} : { until: recovered });
    announce(problem ? errorBox(new Error(problem), t("invoices.stillOpen")) : notice(t("invoices.paid")));
  }, t("busy.paying"));
}
