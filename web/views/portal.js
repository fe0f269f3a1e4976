// Stripe's hosted customer portal, through a session the API creates (optionally deep-linked to one flow).
import { api } from "../api.js";
import { Action, busy, errorBox } from "../dom.js";
import { language, t } from "../i18n.js";

export function openPortal(button, flow, where) {
  button.action ||= new Action();
  return busy(button, async () => {
    where.replaceChildren();
    const body = { return_path: location.pathname, locale: language() }; // the portal in the page's language
    if (flow) body.flow = flow;
    try {
      const out = await api("POST", "/billing/portal-sessions", { body, key: button.action.key });
      button.action.answered();
      location.assign(out.url);
    } catch (err) {
      if (err.status) button.action.answered();
      where.replaceChildren(errorBox(err));
    }
  }, t("busy.openingStripe"));
}
