// @ts-check
// Billing details (name, email, phone, address) with inline validation, and tax IDs with verification status.
import { Action, announce, busy, errorBox, field, h, notice, openDialog, setFieldError } from "../dom.js";
import { LANGUAGES, language, locale, pick, t } from "../i18n.js";
import { confirmRemoval } from "./removal.js";

const COUNTRIES = "AR AT AU BE BG BR CA CH CL CN CY CZ DE DK EE ES FI FR GB GR HK HR HU IE IL IN IS IT JP KR LI LT LU LV MT MX MY NL NO NZ PL PT RO SE SG SI SK TH TR TW US ZA".split(" ");
// Tax ID types (their names are the catalog's taxType.<type>) with an example number.
const TAX_TYPES = [
  ["eu_vat", "DE123456789"],
  ["gb_vat", "GB123456789"],
  ["ch_vat", "CHE-123.456.789 MWST"],
  ["no_vat", "123456789MVA"],
  ["au_abn", "12345678912"],
  ["ca_bn", "123456789"],
  ["us_ein", "12-3456789"],
  ["in_gst", "12ABCDE3456FGZH"],
];
const taxType = (type) => (TAX_TYPES.some((x) => x[0] === type) ? t(`taxType.${type}`) : type);
const VERIFICATION = { verified: "good", pending: "warn", unverified: "bad", unavailable: "" };
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[0-9 ()./-]{6,20}$/;

export async function renderDetails(ctx) {
  const ov = await ctx.getOverview();
  const out = h("div", { "data-ready": "details" });
  if (!ov.has_customer) {
    out.append(h("section", { class: "card" }, h("h2", {}, t("nav.details")), h("p", {}, t("details.noCustomer"))));
    return out;
  }
  out.append(detailsForm(ctx, ov.customer || {}), taxIds(ctx, (ov.customer && ov.customer.tax_ids) || []));
  return out;
}

function detailsForm(ctx, c) {
  const a = c.address || {};
  const input = (name, value, attrs = {}) => h("input", { name, value: value || "", ...attrs });
  const names = new Intl.DisplayNames([locale(), language()], { type: "region" });
  const country = h("select", { name: "address.country", autocomplete: "country" }, h("option", { value: "" }, t("details.chooseCountry")),
    COUNTRIES.map((code) => [code, names.of(code)]).sort((x, y) => x[1].localeCompare(y[1], locale())).map(([code, label]) => h("option", { value: code, selected: code === a.country }, label)));
  const languageNow = languageOf(c);
  const lang = h("select", { name: "preferred_locale" }, h("option", { value: "" }, t("details.languageUnset")),
    languageNow && !LANGUAGES.includes(languageNow) ? h("option", { value: languageNow, selected: true }, languageName(languageNow, language())) : null,
    LANGUAGES.map((l) => h("option", { value: l, lang: l, selected: l === languageNow }, languageName(l, l))));
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
    preferred_locale: lang,
  };
  const save = h("button", { type: "submit", class: "primary" }, t("details.save"));
  const msg = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "card", novalidate: true, "aria-labelledby": "details-title", "data-testid": "details-form" },
    h("h2", { id: "details-title" }, t("nav.details")),
    h("p", { class: "muted small" }, t("details.intro")),
    msg,
    h("div", { class: "grid2" },
      field(t("details.name"), fields.name), field(t("details.email"), fields.email, t("details.emailHint")),
      field(t("details.phone"), fields.phone), field(t("details.country"), country),
      field(t("details.line1"), fields["address.line1"]), field(t("details.line2"), fields["address.line2"]),
      field(t("details.city"), fields["address.city"]), field(t("details.state"), fields["address.state"]),
      field(t("details.postalCode"), fields["address.postal_code"]), field(t("details.language"), lang, t("details.languageHint"))),
    save);
  const action = new Action();
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    msg.replaceChildren();
    const v = Object.fromEntries(Object.entries(fields).map(([k, el]) => [k, el.value.trim()]));
    const errors = {};
    if (!v.name) errors.name = t("details.error.name");
    if (!v.email) errors.email = t("details.error.email");
    else if (!EMAIL.test(v.email)) errors.email = t("details.error.emailFormat");
    if (v.phone && !PHONE.test(v.phone)) errors.phone = t("details.error.phone");
    if (!v["address.country"]) errors["address.country"] = t("details.error.country");
    if (!v["address.line1"]) errors["address.line1"] = t("details.error.line1");
    if (!v["address.city"]) errors["address.city"] = t("details.error.city");
    if (!v["address.postal_code"] && v["address.country"] !== "IE" && v["address.country"] !== "HK") errors["address.postal_code"] = t("details.error.postalCode");
    else if (v["address.country"] === "US" && v["address.postal_code"] && !/^\d{5}(-\d{4})?$/.test(v["address.postal_code"])) errors["address.postal_code"] = t("details.error.zip");
    for (const [k, x] of Object.entries(v)) if (/[<>]/.test(x)) errors[k] = t("details.error.angle");
    for (const [k, el] of Object.entries(fields)) setFieldError(el, errors[k]);
    const bad = Object.keys(errors);
    if (bad.length) {
      msg.replaceChildren(errorBox(new Error(t("details.error.check", { count: bad.length }))));
      fields[bad[0]].focus();
      return;
    }
    const body = {
      name: v.name, email: v.email, phone: v.phone || null,
      address: { line1: v["address.line1"], line2: v["address.line2"] || null, city: v["address.city"], state: v["address.state"] || null, postal_code: v["address.postal_code"] || null, country: v["address.country"] },
    };
    // The language is sent only when chosen here (Stripe's preferred_locales; it cannot be cleared).
    const newLanguage = v.preferred_locale && v.preferred_locale !== languageNow ? v.preferred_locale : null;
    if (newLanguage) body.preferred_locale = newLanguage;
    busy(save, async () => {
      try {
        await action.send("PATCH", "/billing/details", { body });
      } catch (err) {
        const el = err.param && fields[err.param.replace(/^body\./, "")];
        if (el) {
          setFieldError(el, err.status === 422 ? t("details.error.notAccepted") : err.message);
          el.focus();
        }
        msg.replaceChildren(errorBox(err));
        return;
      }
      if (newLanguage) await ctx.reload(); // the page now speaks the customer's new preferred locale; reload reports the change
      else {
        ctx.overview = null;
        ctx.changed();
      }
      announce(notice(t("details.saved")));
    }, t("busy.saving"));
  });
  return form;
}

/** The customer's first preferred locale: its language when the page has it (de-AT -> de), else the tag itself. */
function languageOf(c) {
  const first = (c.preferred_locales || [c.preferred_locale]).find(Boolean);
  if (!first) return "";
  const found = pick([first]);
  return found.tag === first && LANGUAGES.includes(found.lang) ? found.lang : first;
}

/** A language's name, in `inLanguage` (each of the page's languages is named in its own words). */
function languageName(code, inLanguage) {
  try {
    return new Intl.DisplayNames([inLanguage], { type: "language" }).of(code) || code;
  } catch {
    return code;
  }
}

function taxIds(ctx, ids) {
  const card = h("section", { class: "card", "aria-labelledby": "tax-title", "data-testid": "tax-ids" }, h("h2", { id: "tax-title" }, t("tax.title")));
  const list = h("ul", { class: "plain list" });
  if (!ids.length) card.append(h("p", { class: "muted" }, t("tax.none")));
  for (const x of ids) {
    const label = taxType(x.type);
    const st = x.verification_status;
    const vtext = st && st in VERIFICATION ? t(`tax.verification.${st}`) : st || "";
    const vclass = VERIFICATION[st] || "";
    const remove = h("button", { type: "button", class: "danger", "aria-label": t("tax.removeLabel", { value: x.value }), onclick: () => confirmRemoveTaxId(ctx, x, label) }, t("action.remove"));
    list.append(h("li", { "data-tax-id": x.id }, h("div", {}, h("strong", {}, x.value), " ", vtext ? h("span", { class: `badge ${vclass}` }, vtext) : null,
      h("p", { class: "muted small" }, label)), remove));
  }
  card.append(list, h("button", { type: "button", onclick: () => addTaxId(ctx) }, t("tax.add")));
  return card;
}

/** Removing a tax ID asks first (it disappears from new invoices); the dialog shows what went wrong, if anything. */
function confirmRemoveTaxId(ctx, x, label) {
  confirmRemoval(ctx, {
    title: t("tax.remove.title"), question: t("tax.remove.question", { type: label, value: x.value }),
    keep: t("tax.remove.keep"), remove: t("tax.remove.title"), path: `/billing/tax-ids/${x.id}`, done: t("tax.remove.done", { value: x.value }),
  });
}

function addTaxId(ctx) {
  const dlg = openDialog(t("tax.add"));
  const action = new Action();
  const type = h("select", { name: "type" }, TAX_TYPES.map(([v]) => h("option", { value: v }, taxType(v))));
  const value = h("input", { name: "value", autocomplete: "off", placeholder: TAX_TYPES[0][1] });
  type.addEventListener("change", () => (value.placeholder = TAX_TYPES.find((x) => x[0] === type.value)[1]));
  const msg = h("div", { "aria-live": "polite" });
  const go = h("button", { type: "button", class: "primary" }, t("tax.addButton"));
  dlg.body.append(msg, field(t("tax.type"), type), field(t("tax.number"), value, t("tax.numberHint")));
  dlg.footer.append(h("button", { type: "button", onclick: dlg.close }, t("action.cancel")), go);
  dlg.focusFirst();
  go.addEventListener("click", () => busy(go, async () => {
    msg.replaceChildren();
    setFieldError(value, value.value.trim() ? null : t("tax.error.number"));
    if (!value.value.trim()) return value.focus();
    try {
      await action.send("POST", "/billing/tax-ids", { body: { type: type.value, value: value.value.trim() } });
    } catch (err) {
      if (err.status === 400 || err.status === 422 || err.code === "tax_id_exists") {
        setFieldError(value, err.message);
        value.focus();
      } else msg.replaceChildren(errorBox(err));
      return;
    }
    dlg.close();
    await ctx.reload();
    announce(notice(t("tax.added")));
  }, t("busy.adding")));
}
