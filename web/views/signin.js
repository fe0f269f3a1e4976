// @ts-check
// Sign-in form (Cognito user pool) and, offline, the demo logins.
import { AuthError, signIn } from "../auth.js";
import { config } from "../config.js";
import { busy, errorBox, field, h } from "../dom.js";
import { t } from "../i18n.js";

export function renderSignIn(main, done) {
  const email = h("input", { name: "username", type: "email", autocomplete: "username", required: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const submit = h("button", { type: "submit", class: "primary" }, t("signin.submit"));
  const errors = h("div", { "aria-live": "assertive" });
  const form = h(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "signin-title" },
    h("h2", { id: "signin-title" }, t("signin.title")),
    errors,
    field(t("signin.email"), email),
    field(t("signin.password"), password),
    submit,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    errors.replaceChildren();
    if (!email.value || !password.value) {
      errors.replaceChildren(errorBox(new Error(t("signin.error.empty"))));
      return;
    }
    busy(submit, async () => {
      try {
        await signIn(email.value.trim(), password.value);
        done();
      } catch (err) {
        errors.replaceChildren(errorBox(err instanceof AuthError ? err : new Error(t("signin.error.failed"))));
        password.focus();
      }
    }, t("busy.signingIn"));
  });
  const out = [form];
  if (Array.isArray(config.demo_users) && config.demo_users.length) {
    out.push(
      h(
        "section",
        { class: "card", "aria-labelledby": "demo-title" },
        h("h2", { id: "demo-title" }, t("signin.demo.title")),
        h("p", { class: "muted small" }, t("signin.demo.hint")),
        h(
          "ul",
          { class: "plain row" },
          config.demo_users.map((u) =>
            h("li", {}, h("button", {
              type: "button",
              class: "link",
              onclick: () => {
                email.value = u.username;
                password.value = u.password;
                submit.focus();
              },
            }, u.scenario)),
          ),
        ),
      ),
    );
  }
  main.replaceChildren(...out);
  main.dataset.view = "signin";
}
