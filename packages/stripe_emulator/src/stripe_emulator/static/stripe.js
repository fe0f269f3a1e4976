/*
 * Stripe.js stand-in served by the Stripe emulator at /v3/. It talks only to the emulator that served it.
 *
 * Implements what a billing page needs: Stripe(pk) -> elements({clientSecret, customerSessionClientSecret,
 * appearance}) -> elements.create('payment') (an accessible radio list of test cards; with a customer session whose
 * Payment Element may redisplay saved cards, those first, as "Saved Visa •••• 4242"), confirmSetup, confirmPayment,
 * confirmCardSetup, confirmCardPayment, handleNextAction, retrieveSetupIntent, retrievePaymentIntent.
 * 3-D Secure shows a modal "3-D Secure test authentication" with "Complete authentication" and
 * "Fail authentication" that call the emulator's /_emulator/{setup,payment}_intents/{id}/3ds helpers.
 * Results resolve like Stripe.js: {setupIntent} | {paymentIntent} | {error: {type, code, message, decline_code}}.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var API_BASE = script && script.src ? new URL(script.src).origin : window.location.origin;

  var TEST_CARDS = [
    { token: "pm_card_visa", label: "Visa 4242 (succeeds)" },
    { token: "pm_card_mastercard", label: "Mastercard 4444 (succeeds)" },
    { token: "pm_card_chargeDeclined", label: "Declines" },
    { token: "pm_card_chargeDeclinedInsufficientFunds", label: "Insufficient funds" },
    { token: "pm_card_authenticationRequired", label: "Requires 3-D Secure" },
    { token: "pm_card_chargeCustomerFail", label: "Fails on every charge" }
  ];

  var uid = 0;

  function encode(value, prefix, out) {
    out = out || [];
    if (value === undefined || value === null) return out;
    if (Array.isArray(value)) {
      value.forEach(function (v, i) { encode(v, prefix + "[" + i + "]", out); });
    } else if (typeof value === "object") {
      Object.keys(value).forEach(function (k) { encode(value[k], prefix ? prefix + "[" + k + "]" : k, out); });
    } else {
      out.push(encodeURIComponent(prefix) + "=" + encodeURIComponent(String(value)));
    }
    return out;
  }

  function intentId(clientSecret) {
    var i = String(clientSecret || "").indexOf("_secret_");
    return i > 0 ? clientSecret.slice(0, i) : null;
  }

  function kindOf(clientSecret) {
    return String(clientSecret || "").indexOf("seti_") === 0 ? "setup_intent" : "payment_intent";
  }

  function resultKey(kind) {
    return kind === "setup_intent" ? "setupIntent" : "paymentIntent";
  }

  function connectionError(e) {
    return { type: "api_connection_error", message: "Could not reach the Stripe emulator: " + (e && e.message) };
  }

  function Stripe(publishableKey, options) {
    if (!(this instanceof Stripe)) return new Stripe(publishableKey, options);
    if (!publishableKey || String(publishableKey).indexOf("pk_") !== 0) {
      throw new Error("Stripe(): invalid publishable key; expected a key starting with pk_");
    }
    this._key = publishableKey;
    this._options = options || {};
  }

  Stripe.prototype._request = function (method, path, params) {
    var body = params ? encode(params, "").join("&") : "";
    var url = API_BASE + path;
    var init = { method: method, headers: { Authorization: "Bearer " + this._key } };
    if (method === "GET") {
      if (body) url += "?" + body;
    } else {
      init.headers["Content-Type"] = "application/x-www-form-urlencoded";
      init.body = body;
    }
    return fetch(url, init).then(
      function (res) {
        return res.json().then(
          function (json) { return { ok: res.ok, status: res.status, body: json }; },
          function () { return { ok: false, status: res.status, body: { error: { type: "api_error", message: "Invalid response" } } }; }
        );
      },
      function (e) { return { ok: false, status: 0, body: { error: connectionError(e) } }; }
    );
  };

  Stripe.prototype._retrieve = function (kind, clientSecret) {
    var id = intentId(clientSecret);
    return this._request("GET", "/v1/" + kind + "s/" + encodeURIComponent(id), { client_secret: clientSecret });
  };

  Stripe.prototype.retrieveSetupIntent = function (clientSecret) {
    return this._retrieve("setup_intent", clientSecret).then(function (r) {
      return r.ok ? { setupIntent: r.body } : { error: r.body.error };
    });
  };

  Stripe.prototype.retrievePaymentIntent = function (clientSecret) {
    return this._retrieve("payment_intent", clientSecret).then(function (r) {
      return r.ok ? { paymentIntent: r.body } : { error: r.body.error };
    });
  };

  Stripe.prototype.elements = function (options) {
    return new Elements(this, options || {});
  };

  // --- confirmation ----------------------------------------------------------------------------------------

  Stripe.prototype._confirm = function (kind, clientSecret, paymentMethod, confirmParams, redirect) {
    var self = this;
    if (!intentId(clientSecret)) {
      return Promise.resolve({
        error: { type: "invalid_request_error", code: "parameter_missing", message: "Missing or invalid clientSecret." }
      });
    }
    if (!paymentMethod) {
      return Promise.resolve({
        error: { type: "validation_error", code: "incomplete", message: "Select a test card." }
      });
    }
    var params = { client_secret: clientSecret, payment_method: paymentMethod };
    if (confirmParams && confirmParams.return_url) params.return_url = confirmParams.return_url;
    var id = intentId(clientSecret);
    return this._request("POST", "/v1/" + kind + "s/" + encodeURIComponent(id) + "/confirm", params).then(function (r) {
      if (!r.ok) return self._errorResult(kind, clientSecret, r.body.error);
      return self._settle(kind, clientSecret, r.body, confirmParams, redirect);
    });
  };

  Stripe.prototype._errorResult = function (kind, clientSecret, error) {
    // Like Stripe.js, the error carries the intent as it is after the failed attempt when it can be read.
    return this._retrieve(kind, clientSecret).then(function (r) {
      var err = Object.assign({}, error || {});
      if (r.ok) err[kind] = r.body;
      return { error: err };
    });
  };

  Stripe.prototype._settle = function (kind, clientSecret, intent, confirmParams, redirect) {
    var self = this;
    if (intent.status === "requires_action") {
      return authenticate(self, kind, intent).then(function () {
        return self._retrieve(kind, clientSecret);
      }).then(function (r) {
        if (!r.ok) return { error: r.body.error };
        return self._finish(kind, r.body, confirmParams, redirect);
      });
    }
    return Promise.resolve(self._finish(kind, intent, confirmParams, redirect));
  };

  Stripe.prototype._finish = function (kind, intent, confirmParams, redirect) {
    var lastError = kind === "setup_intent" ? intent.last_setup_error : intent.last_payment_error;
    if (intent.status === "requires_payment_method" && lastError) {
      var err = Object.assign({}, lastError);
      err[kind] = intent;
      return { error: err };
    }
    var ok = intent.status === "succeeded" || intent.status === "processing" || intent.status === "requires_capture";
    if (ok && redirect !== "if_required" && confirmParams && confirmParams.return_url) {
      var url = new URL(confirmParams.return_url, window.location.href);
      url.searchParams.set(kind, intent.id);
      url.searchParams.set(kind + "_client_secret", intent.client_secret);
      url.searchParams.set("redirect_status", intent.status === "succeeded" ? "succeeded" : intent.status);
      window.location.assign(url.toString());
      return new Promise(function () {}); // the page navigates away, as with Stripe.js
    }
    var out = {};
    out[resultKey(kind)] = intent;
    return out;
  };

  function selectedFrom(elements) {
    var el = elements && elements._element;
    return el ? el._value : null;
  }

  Stripe.prototype.confirmSetup = function (options) {
    options = options || {};
    var elements = options.elements;
    var clientSecret = options.clientSecret || (elements && elements._clientSecret);
    var pm = (options.confirmParams && options.confirmParams.payment_method) || selectedFrom(elements);
    return this._confirm("setup_intent", clientSecret, pm, options.confirmParams, options.redirect);
  };

  Stripe.prototype.confirmPayment = function (options) {
    options = options || {};
    var elements = options.elements;
    var clientSecret = options.clientSecret || (elements && elements._clientSecret);
    var pm = (options.confirmParams && options.confirmParams.payment_method) || selectedFrom(elements);
    return this._confirm("payment_intent", clientSecret, pm, options.confirmParams, options.redirect);
  };

  function paymentMethodArg(data) {
    if (!data) return null;
    var pm = data.payment_method;
    if (typeof pm === "string") return pm;
    if (pm && pm.card && pm.card._value) return pm.card._value;
    if (pm && pm._value) return pm._value;
    return null;
  }

  Stripe.prototype.confirmCardPayment = function (clientSecret, data) {
    var self = this;
    var pm = paymentMethodArg(data);
    if (!pm) {
      // No payment method: Stripe.js confirms with the one already on the intent (e.g. a saved card).
      return this._retrieve("payment_intent", clientSecret).then(function (r) {
        if (!r.ok) return { error: r.body.error };
        var existing = r.body.payment_method && (r.body.payment_method.id || r.body.payment_method);
        if (r.body.status === "requires_action") return self._settle("payment_intent", clientSecret, r.body, null, "if_required");
        return self._confirm("payment_intent", clientSecret, existing, null, "if_required");
      });
    }
    return this._confirm("payment_intent", clientSecret, pm, null, "if_required");
  };

  Stripe.prototype.confirmCardSetup = function (clientSecret, data) {
    return this._confirm("setup_intent", clientSecret, paymentMethodArg(data), null, "if_required");
  };

  Stripe.prototype.handleNextAction = function (options) {
    var self = this;
    var clientSecret = options && options.clientSecret;
    var kind = kindOf(clientSecret);
    if (!intentId(clientSecret)) {
      return Promise.resolve({
        error: { type: "invalid_request_error", code: "parameter_missing", message: "Missing or invalid clientSecret." }
      });
    }
    return this._retrieve(kind, clientSecret).then(function (r) {
      if (!r.ok) return { error: r.body.error };
      return self._settle(kind, clientSecret, r.body, null, "if_required");
    });
  };

  Stripe.prototype.handleCardAction = function (clientSecret) {
    return this.handleNextAction({ clientSecret: clientSecret });
  };

  // --- 3-D Secure modal ------------------------------------------------------------------------------------

  function authenticate(stripe, kind, intent) {
    return new Promise(function (resolve) {
      var previous = document.activeElement;
      var overlay = document.createElement("div");
      overlay.setAttribute("data-stripe-emulator", "3ds");
      overlay.style.cssText = "position:fixed;inset:0;background:rgba(0,0,0,.45);display:flex;" +
        "align-items:center;justify-content:center;z-index:2147483647";
      var dialog = document.createElement("div");
      var titleId = "stripe-emulator-3ds-title-" + (++uid);
      var descId = "stripe-emulator-3ds-desc-" + uid;
      dialog.setAttribute("role", "dialog");
      dialog.setAttribute("aria-modal", "true");
      dialog.setAttribute("aria-labelledby", titleId);
      dialog.setAttribute("aria-describedby", descId);
      dialog.style.cssText = "background:#fff;color:#1a1a1a;padding:1.5rem;border-radius:8px;max-width:26rem;" +
        "font-family:system-ui,sans-serif";
      var h = document.createElement("h2");
      h.id = titleId;
      h.textContent = "3-D Secure test authentication";
      var p = document.createElement("p");
      p.id = descId;
      p.textContent = "This test card requires authentication. Complete or fail it to continue.";
      var ok = document.createElement("button");
      ok.type = "button";
      ok.textContent = "Complete authentication";
      var fail = document.createElement("button");
      fail.type = "button";
      fail.textContent = "Fail authentication";
      fail.style.marginLeft = ".5rem";
      dialog.appendChild(h);
      dialog.appendChild(p);
      dialog.appendChild(ok);
      dialog.appendChild(fail);
      overlay.appendChild(dialog);
      document.body.appendChild(overlay);
      ok.focus();

      var done = false;
      function finish(outcome) {
        if (done) return;
        done = true;
        ok.disabled = fail.disabled = true;
        var path = "/_emulator/" + kind + "s/" + encodeURIComponent(intent.id) + "/3ds";
        stripe._request("POST", path, { result: outcome === "complete" ? "approve" : "fail" })
          .then(function () {
            overlay.remove();
            if (previous && previous.focus) previous.focus();
            resolve();
          });
      }
      ok.addEventListener("click", function () { finish("complete"); });
      fail.addEventListener("click", function () { finish("fail"); });
      dialog.addEventListener("keydown", function (e) {
        if (e.key === "Escape") { e.preventDefault(); finish("fail"); }
        if (e.key === "Tab") { // keep focus inside the dialog
          e.preventDefault();
          (document.activeElement === ok ? fail : ok).focus();
        }
      });
    });
  }

  // --- Elements --------------------------------------------------------------------------------------------

  function Elements(stripe, options) {
    this._stripe = stripe;
    this._clientSecret = options.clientSecret || null;
    this._customerSessionClientSecret = options.customerSessionClientSecret || null;
    this._appearance = options.appearance || {};
    this._element = null;
  }

  Elements.prototype.create = function (type, options) {
    if (type !== "payment" && type !== "card") {
      throw new Error("The Stripe emulator's Stripe.js supports the 'payment' element only, not '" + type + "'.");
    }
    if (this._element) throw new Error("Can only create one Element of type " + type + ".");
    this._element = new PaymentElement(this, type, options || {});
    return this._element;
  };

  /** The saved cards the customer session lets the Payment Element show ([] without one). */
  Elements.prototype._savedCards = function () {
    var secret = this._customerSessionClientSecret;
    if (!secret) return Promise.resolve([]);
    return this._stripe._request("GET", "/_emulator/customer_sessions/payment_methods", {
      customer_session_client_secret: secret
    }).then(function (r) {
      if (!r.ok) throw new Error((r.body.error && r.body.error.message) || "Invalid customerSessionClientSecret.");
      return r.body.data || [];
    });
  };

  Elements.prototype.getElement = function (type) {
    return this._element && this._element._type === type ? this._element : null;
  };

  Elements.prototype.update = function (options) {
    if (options && options.appearance) this._appearance = options.appearance;
  };

  Elements.prototype.submit = function () {
    if (!this._element || !this._element._value) {
      return Promise.resolve({ error: { type: "validation_error", code: "incomplete", message: "Select a test card." } });
    }
    return Promise.resolve({});
  };

  Elements.prototype.fetchUpdates = function () {
    return Promise.resolve({});
  };

  function PaymentElement(elements, type, options) {
    this._elements = elements;
    this._type = type;
    this._options = options;
    this._handlers = {};
    this._node = null;
    this._value = null;
  }

  PaymentElement.prototype.on = function (event, handler) {
    (this._handlers[event] = this._handlers[event] || []).push(handler);
    return this;
  };

  PaymentElement.prototype.off = function (event, handler) {
    this._handlers[event] = (this._handlers[event] || []).filter(function (h) { return h !== handler; });
    return this;
  };

  PaymentElement.prototype._emit = function (event, payload) {
    (this._handlers[event] || []).forEach(function (h) { h(payload); });
  };

  PaymentElement.prototype.mount = function (target) {
    var host = typeof target === "string" ? document.querySelector(target) : target;
    if (!host) throw new Error("mount(): no element matches " + target);
    var self = this;
    var vars = (this._elements._appearance && this._elements._appearance.variables) || {};
    var fieldset = document.createElement("fieldset");
    fieldset.setAttribute("data-stripe-emulator", "payment-element");
    fieldset.style.cssText = "border:1px solid #ccc;border-radius:6px;padding:.5rem 1rem;" +
      (vars.fontFamily ? "font-family:" + vars.fontFamily + ";" : "") +
      (vars.colorText ? "color:" + vars.colorText + ";" : "");
    var legend = document.createElement("legend");
    legend.textContent = "Test card";
    fieldset.appendChild(legend);
    var name = "stripe-emulator-card-" + (++uid);
    function option(token, text, saved) {
      var label = document.createElement("label");
      label.style.display = "block";
      var input = document.createElement("input");
      input.type = "radio";
      input.name = name;
      input.value = token;
      if (saved) input.setAttribute("data-saved-card", "");
      input.addEventListener("change", function () {
        if (!input.checked) return;
        self._value = token;
        self._emit("change", {
          elementType: self._type, empty: false, complete: true, collapsed: false,
          value: { type: "card", payment_method: token }
        });
      });
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + text));
      return label;
    }
    TEST_CARDS.forEach(function (card) { fieldset.appendChild(option(card.token, card.label, false)); });
    host.appendChild(fieldset);
    this._node = fieldset;
    this._elements._savedCards().then(function (cards) {
      cards.slice().reverse().forEach(function (pm) {
        var card = pm.card || {};
        var brand = card.display_brand || card.brand || "card";
        var text = "Saved " + brand.charAt(0).toUpperCase() + brand.slice(1) + " \u2022\u2022\u2022\u2022 " + card.last4;
        fieldset.insertBefore(option(pm.id, text, true), legend.nextSibling);
      });
      self._emit("ready", { elementType: self._type });
    }, function (e) {
      self._emit("loaderror", { elementType: self._type, error: { type: "invalid_request_error", message: e.message } });
      self._emit("ready", { elementType: self._type });
    });
    return this;
  };

  PaymentElement.prototype.unmount = function () {
    if (this._node) this._node.remove();
    this._node = null;
    this._value = null;
    return this;
  };

  PaymentElement.prototype.destroy = function () {
    this.unmount();
    this._elements._element = null;
  };

  PaymentElement.prototype.focus = function () {
    var first = this._node && this._node.querySelector("input");
    if (first) first.focus();
  };

  PaymentElement.prototype.clear = function () {
    if (!this._node) return;
    Array.prototype.forEach.call(this._node.querySelectorAll("input"), function (i) { i.checked = false; });
    this._value = null;
    this._emit("change", { elementType: this._type, empty: true, complete: false, value: { type: "card" } });
  };

  PaymentElement.prototype.update = function () {};

  window.Stripe = Stripe;
})();
