// @ts-check
// One confirm-then-delete dialog for saved things (cards, tax IDs): the Idempotency-Key is made when it opens.
import { Action, announce, busy, errorBox, h, notice, openDialog } from "../dom.js";
import { t } from "../i18n.js";

export function confirmRemoval(ctx, { title, question, keep, remove, path, done }) {
  const dlg = openDialog(title);
  const action = new Action();
  const msg = h("div", { "aria-live": "polite" });
  const go = h("button", { type: "button", class: "danger" }, remove);
  dlg.body.append(msg, h("p", {}, question));
  dlg.footer.append(h("button", { type: "button", onclick: dlg.close }, keep), go);
  go.focus();
  go.addEventListener("click", () => busy(go, async () => {
    try {
      await action.send("DELETE", path);
    } catch (err) {
      msg.replaceChildren(errorBox(err));
      return;
    }
    dlg.close();
    await ctx.reload();
    announce(notice(done));
  }, t("busy.removing")));
}
