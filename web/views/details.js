// Billing details (name, email, phone, address) with inline validation, and tax IDs with verification status.
import { api } from "../api.js";
import { Action, announce, busy, errorBox, field, h, notice, openDialog, setFieldError } from "../dom.js";
import { confirmRemoval } from "./removal.js";

const COUNTRIES = "AR AT AU BE BG BR CA CH CL CN CY CZ DE DK EE ES FI FR GB GR HK HR HU IE IL IN IS IT JP KR LI LT LU LV MT MX MY NL NO NZ PL PT RO SE SG SI SK TH TR TW US ZA".split(" ");
const TAX_TYPES = [
  ["eu_vat", "EU VAT number", "DE123456789"],
  ["gb_vat", "UK VAT number", "GB123456789"],
  ["ch_vat", "Swiss VAT number", "CHE-123.456.789 MWST"],
  ["no_vat", "Norwegian VAT number", "123456789MVA"],
  ["au_abn", "Australian Business Number", "12345678912"],
  ["ca_bn", "Canadian Business Number", "123456789"],
  ["us_ein", "US Employer Identification Number", "12-3456789"],
  ["in_gst", "Indian GST number", "12ABCDE3456FGZH"],
];
const VERIFICATION = { verified: ["Verified", "good"], pending: ["Verification pending", "warn"], unverified: ["Not verified", "bad"], unavailable: ["Cannot be verified", ""] };
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[0-9 ()./-]{6,20}$/;

export async function renderDetails(ctx) {
  const ov = await ctx.getOverview();
  const out = h("div", { "data-ready": "details" });
  if (!ov.has_customer) {
    out.append(h("section", { class: "card" }, h("h2", {}, "Billing details"), h("p", {}, "Your billing details appear here once you subscribe to a plan.")));
    return out;
  }
  out.append(detailsForm(ctx, ov.customer || {}), taxIds(ctx, (ov.customer && ov.customer.tax_ids) || []));
  return out;
}

function detailsForm(ctx, c) {
  const a = c.address || {};
  const input = (name, value, attrs = {}) => h("input", { name, value: value || "", ...attrs });
  const names = new Intl.DisplayNames([navigator.language || "en"], { type: "region" });
  const country = h("select", { name: "address.country", autocomplete: "country" }, h("option", { value: "" }, "Choose a country"),
    COUNTRIES.map((code) => [code, names.of(code)]).sort((x, y) => x[1].localeCompare(y[1])).map(([code, label]) => h("option", { value: code, selected: code === a.country }, label)));
  const fields = {
    name: input("name", c.name, { autocomplete: "name", maxlength: "256" }),
    email: input("email", c.email, { type: "email", autocomplete: "email" }),
    phone: input("phone", c.phone, { type: "tel", autocomplete: "tel" }),
    "address.line1": input("address.line1", a.line1, { autocomplete: "address-line1" }),
    "address.line2": input("address.line2", a.line2, { autocomplete: "address-line2" }),
    "address.city": input("address.city", a.city, { autocomplete: "address-level2" }),
    "address.state": input("address.state", a.state, { autocomplete: "address-level1" }),
    "address.postal_code": input("address.postal_code", a.postal_code, { autocomplete: "postal-code" }),
    "address.country": country,
  };
  const save = h("button", { type: "submit", class: "primary" }, "Save details");
  const msg = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "card", novalidate: true, "aria-labelledby": "details-title", "data-testid": "details-form" },
    h("h2", { id: "details-title" }, "Billing details"),
    h("p", { class: "muted small" }, "Shown on your invoices."),
    msg,
    h("div", { class: "grid2" },
      field("Name or company", fields.name), field("Billing email", fields.email, "Invoices and receipts go here."),
      field("Phone (optional)", fields.phone), field("Country", country),
      field("Address", fields["address.line1"]), field("Address line 2 (optional)", fields["address.line2"]),
      field("City", fields["address.city"]), field("State or region (optional)", fields["address.state"]),
      field("Postal code", fields["address.postal_code"])),
    save);
  const action = new Action();
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    msg.replaceChildren();
    const v = Object.fromEntries(Object.entries(fields).map(([k, el]) => [k, el.value.trim()]));
    const errors = {};
    if (!v.name) errors.name = "Enter the name to show on invoices.";
    if (!v.email) errors.email = "Enter an email address for invoices.";
    else if (!EMAIL.test(v.email)) errors.email = "Enter an email address like name@example.com.";
    if (v.phone && !PHONE.test(v.phone)) errors.phone = "Enter a phone number with digits only, for example +1 555 0100.";
    if (!v["address.country"]) errors["address.country"] = "Choose a country.";
    if (!v["address.line1"]) errors["address.line1"] = "Enter the street address.";
    if (!v["address.city"]) errors["address.city"] = "Enter the city.";
    if (!v["address.postal_code"] && v["address.country"] !== "IE" && v["address.country"] !== "HK") errors["address.postal_code"] = "Enter the postal code.";
    else if (v["address.country"] === "US" && v["address.postal_code"] && !/^\d{5}(-\d{4})?$/.test(v["address.postal_code"])) errors["address.postal_code"] = "Enter a US ZIP code like 12345 or 12345-6789.";
    for (const [k, x] of Object.entries(v)) if (/[<>]/.test(x)) errors[k] = "Remove the < and > characters.";
    for (const [k, el] of Object.entries(fields)) setFieldError(el, errors[k]);
    const bad = Object.keys(errors);
    if (bad.length) {
      msg.replaceChildren(errorBox(new Error(`Check ${bad.length === 1 ? "the highlighted field" : `the ${bad.length} highlighted fields`}.`)));
      fields[bad[0]].focus();
      return;
    }
    const body = {
      name: v.name, email: v.email, phone: v.phone || null,
      address: { line1: v["address.line1"], line2: v["address.line2"] || null, city: v["address.city"], state: v["address.state"] || null, postal_code: v["address.postal_code"] || null, country: v["address.country"] },
    };
    busy(save, async () => {
      try {
        await api("PATCH", "/billing/details", { body, key: action.key });
        action.answered();
      } catch (err) {
        if (err.status) action.answered();
        const el = err.param && fields[err.param.replace(/^body\./, "")];
        if (el) {
          setFieldError(el, err.status === 422 ? "This value is not accepted. Check it and try again." : err.message);
          el.focus();
        }
        msg.replaceChildren(errorBox(err));
        return;
      }
      ctx.overview = null;
      announce(notice("Your billing details were saved."));
      ctx.changed();
    }, "Saving…");
  });
  return form;
}

function taxIds(ctx, ids) {
  const card = h("section", { class: "card", "aria-labelledby": "tax-title", "data-testid": "tax-ids" }, h("h2", { id: "tax-title" }, "Tax IDs"));
  const list = h("ul", { class: "plain list" });
  if (!ids.length) card.append(h("p", { class: "muted" }, "No tax ID on file. Businesses can add one to show it on invoices."));
  for (const t of ids) {
    const label = (TAX_TYPES.find((x) => x[0] === t.type) || [0, t.type])[1];
    const [vtext, vclass] = VERIFICATION[t.verification_status] || [t.verification_status || "", ""];
    const remove = h("button", { type: "button", class: "danger", "aria-label": `Remove tax ID ${t.value}`, onclick: () => confirmRemoveTaxId(ctx, t, label) }, "Remove");
    list.append(h("li", { "data-tax-id": t.id }, h("div", {}, h("strong", {}, t.value), " ", vtext ? h("span", { class: `badge ${vclass}` }, vtext) : null,
      h("p", { class: "muted small" }, label)), remove));
  }
  card.append(list, h("button", { type: "button", onclick: () => addTaxId(ctx) }, "Add a tax ID"));
  return card;
}

/** Removing a tax ID asks first (it disappears from new invoices); the dialog shows what went wrong, if anything. */
function confirmRemoveTaxId(ctx, t, label) {
  confirmRemoval(ctx, {
    title: "Remove tax ID", question: `Remove ${label} ${t.value}? It will no longer be shown on new invoices.`,
    keep: "Keep tax ID", remove: "Remove tax ID", path: `/billing/tax-ids/${t.id}`, done: `Tax ID ${t.value} was removed.`,
  });
}

function addTaxId(ctx) {
  const dlg = openDialog("Add a tax ID");
  const action = new Action();
  const type = h("select", { name: "type" }, TAX_TYPES.map(([v, l]) => h("option", { value: v }, l)));
  const value = h("input", { name: "value", autocomplete: "off", placeholder: TAX_TYPES[0][2] });
  type.addEventListener("change", () => (value.placeholder = TAX_TYPES.find((x) => x[0] === type.value)[2]));
  const msg = h("div", { "aria-live": "polite" });
  const go = h("button", { type: "button", class: "primary" }, "Add tax ID");
  dlg.body.append(msg, field("Type", type), field("Number", value, "As printed on your registration, for example with the country prefix."));
  dlg.footer.append(h("button", { type: "button", onclick: dlg.close }, "Cancel"), go);
  dlg.focusFirst();
  go.addEventListener("click", () => busy(go, async () => {
    msg.replaceChildren();
    setFieldError(value, value.value.trim() ? null : "Enter the tax ID number.");
    if (!value.value.trim()) return value.focus();
    try {
      await api("POST", "/billing/tax-ids", { body: { type: type.value, value: value.value.trim() }, key: action.key });
      action.answered();
    } catch (err) {
      if (err.status) action.answered();
      if (err.status === 400 || err.status === 422 || err.code === "tax_id_exists") {
        setFieldError(value, err.message);
        value.focus();
      } else msg.replaceChildren(errorBox(err));
      return;
    }
    dlg.close();
    await ctx.reload();
    announce(notice("Your tax ID was added. Verification can take a moment."));
  }, "Adding…"));
}
