// @ts-check
// Stripe's hosted customer portal, through a session the API creates (optionally deep-linked to one flow).
import { Action, busy, errorBox } from "../dom.js";
import { language, t } from "../i18n.js";

export function openPortal(button, flow, where) {
  button.action ||= new Action();
  return busy(button, async () => {
    where.replaceChildren();
    const body = { return_path: location.pathname, locale: language() }; // the portal in the page's language
    if (flow) body.flow = flow;
    try {
      const out = await button.action.send("POST", "/billing/portal-sessions", { body });
      location.assign(out.url);
    } catch (err) {
      where.replaceChildren(errorBox(err));
    }
  }, t("busy.openingStripe"));
}
