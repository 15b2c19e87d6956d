/* Kisaansay offline-first, the page's half (the service worker, tools/service-worker/sw.js, is the other):
 * registers the worker; while online keeps a fresh copy of the person's dashboard (GET /api/offline/copy,
 * cached by the worker); with no network shows that copy, clearly marked as not live, and lets the farmer
 * list produce, answer an offer, mark a message read or report a crop problem. Those writes go to the REST
 * API with an Idempotency-Key; offline the worker queues them and replays them when the network returns.
 * Words come from the copy (the server's catalogue, in the person's language). Plain JS, no framework:
 * it must run when the app's own socket cannot. */
(function () {
  "use strict";
  var COPY_URL = "/api/offline/copy";
  var SIGNED_OUT_PAGES = ["/login", "/register", "/forgot-password"];
  var REFRESH_MS = 60 * 1000;
  var WORDS_KEY = "kisaan-offline-words";
  // The copy is also kept in localStorage (a few KB): offline, the page reads it at once, with no round trip
  // through the worker (whose cache holds it too, for other readers of the endpoint).
  var COPY_KEY = "kisaan-offline-copy";
  var copy = null;

  function signedOutPage() {
    return SIGNED_OUT_PAGES.indexOf(location.pathname.replace(/\/$/, "") || "/") >= 0;
  }

  function words() {
    if (copy && copy.words) return copy.words;
    try {
      return JSON.parse(localStorage.getItem(WORDS_KEY) || "{}");
    } catch (e) {
      return {};
    }
  }

  function say(key, params) {
    var text = words()[key] || "";
    Object.keys(params || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(params[name]);
    });
    return text;
  }

  // A crop or place key ("Onion") as the reader calls it ("ਪਿਆਜ਼"): the copy's names, else the key itself.
  function named(key) {
    return (copy && copy.names && copy.names[key]) || key;
  }

  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs[name];
      else if (name.slice(0, 2) === "on") node.addEventListener(name.slice(2), attrs[name]);
      else node.setAttribute(name, attrs[name]);
    });
    for (var i = 2; i < arguments.length; i++) if (arguments[i]) node.appendChild(arguments[i]);
    return node;
  }

  function rupees(paise) {
    return "₹" + (paise / 100).toLocaleString("en-IN", { maximumFractionDigits: 2 });
  }

  function clock(iso) {
    return new Date(iso).toLocaleTimeString("en-GB", {
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: "Asia/Kolkata",
    });
  }

  function unit(name) {
    return say("unit_" + name) || name;
  }

  // A fresh key per write, naming its person: the server refuses to replay it as anyone else (a shared phone).
  function idempotencyKey() {
    var random = window.crypto && crypto.randomUUID ? crypto.randomUUID()
      : Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
    return (copy && copy.user_id ? "u" + copy.user_id + "-" : "k-") + random;
  }

  // ------------------------------------------------------------ the service worker

  function worker(message) {
    if (!navigator.serviceWorker || !navigator.serviceWorker.controller) return Promise.resolve(null);
    return new Promise(function (resolve) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function (event) { resolve(event.data); };
      navigator.serviceWorker.controller.postMessage(message, [channel.port2]);
      setTimeout(function () { resolve(null); }, 10000);
    });
  }

  function register() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function (err) {
      console.warn("service worker registration failed", err);
    });
    navigator.serviceWorker.addEventListener("message", function (event) { outboxNews(event.data || {}); });
  }

  // ------------------------------------------------------------ notes about queued writes

  function noteBox() {
    var box = document.getElementById("kisaan-outbox");
    if (!box) {
      box = el("div", { id: "kisaan-outbox", role: "status", "aria-live": "polite", class: "kisaan-outbox" });
      document.body.appendChild(box);
    }
    return box;
  }

  function note(text, kind) {
    if (!text) return;
    var item = el("div", { class: "kisaan-note kisaan-note-" + kind, "data-kind": kind },
      el("span", { text: text }),
      el("button", { type: "button", "aria-label": "×", text: "×", onclick: function () { item.remove(); } }));
    noteBox().appendChild(item);
    if (kind !== "failed") setTimeout(function () { item.remove(); }, 8000);
  }

  function pending(size) {
    var counter = document.getElementById("kisaan-outbox-waiting");
    if (!size) {
      if (counter) counter.remove();
      return;
    }
    if (!counter) {
      counter = el("div", { id: "kisaan-outbox-waiting", class: "kisaan-note kisaan-note-queued" });
      noteBox().prepend(counter);
    }
    counter.textContent = say("waiting", { count: size });
  }

  function outboxNews(data) {
    var what = say("what_" + data.what) || data.what;
    if (data.type === "outbox-sent") note(say("sent", { what: what }), "sent");
    else if (data.type === "outbox-failed") note(say("failed", { what: what, reason: data.reason || data.status }), "failed");
    else if (data.type === "outbox-size") pending(data.size);
  }

  // The network can come back before the worker can use it: try again a few times, further apart each time.
  function replay(attempt) {
    attempt = attempt || 0;
    worker({ type: "replay-outbox" }).then(function (answer) {
      if (!answer) return;
      pending(answer.size);
      if (answer.size && navigator.onLine && attempt < 6) {
        setTimeout(function () { replay(attempt + 1); }, 1000 * Math.pow(2, attempt));
      }
    });
  }

  function showWaitingResults() {
    worker({ type: "outbox-status" }).then(function (answer) {
      if (!answer) return;
      pending(answer.size);
      (answer.results || []).forEach(outboxNews);
    });
  }

  // ------------------------------------------------------------ writes

  function send(path, body, what, done) {
    var headers = { "Idempotency-Key": idempotencyKey(), "Accept-Language": (copy && copy.language) || "en" };
    if (body) headers["Content-Type"] = "application/json";
    return fetch(path, {
      method: "POST", credentials: "same-origin", headers: headers, body: body ? JSON.stringify(body) : undefined,
    }).then(function (response) {
      if (response.headers.get("X-Kisaan-Queued")) {
        note(say("queued"), "queued");
        if (done) done();
        return;
      }
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (response.ok) {
          note(say("sent", { what: say("what_" + what) }), "sent");
          if (done) done();
        } else {
          note(say("failed", { what: say("what_" + what), reason: (answer.error && answer.error.message) || response.status }), "failed");
        }
      });
    }).catch(function () {
      note(say("failed", { what: say("what_" + what), reason: "—" }), "failed");
    });
  }

  function priceForm(label, onSend) {
    var input = el("input", { type: "number", min: "1", step: "1", inputmode: "numeric", required: "required",
      "aria-label": label, placeholder: label, class: "kisaan-input" });
    return el("form", { class: "kisaan-inline", onsubmit: function (event) {
      event.preventDefault();
      onSend(Math.round(parseFloat(input.value) * 100));
    } }, input, el("button", { type: "submit", class: "kisaan-button", text: say("counter") }));
  }

  // ------------------------------------------------------------ the offline screen

  function section(id, title, items, render) {
    var list = el("div", { class: "kisaan-list" });
    if (!items.length) list.appendChild(el("p", { class: "kisaan-muted", text: say("nothing") }));
    items.forEach(function (item) { list.appendChild(render(item)); });
    return el("section", { id: id, class: "kisaan-section" }, el("h2", { text: title }), list);
  }

  function row() {
    var node = el("div", { class: "kisaan-row" });
    for (var i = 0; i < arguments.length; i++) if (arguments[i]) node.appendChild(arguments[i]);
    return node;
  }

  function screen() {
    var c = copy;
    var parts = [
      el("div", { class: "kisaan-offline-head" },
        el("strong", { id: "offline-as-of", text: say("as_of", { time: clock(c.as_of) }) }),
        el("span", { class: "kisaan-badge", text: say("not_live") })),
      el("p", { class: "kisaan-muted", text: say("saved_copy") }),
    ];
    if (c.warnings.length) {
      parts.push(section("offline-warnings", say("warnings"), c.warnings, function (w) {
        return row(el("strong", { class: "kisaan-sev kisaan-sev-" + w.severity, text: w.title }),
          el("span", { text: w.message }));
      }));
    }
    if (c.role === "farmer") {
      parts.push(section("offline-prices", say("prices"), c.prices, function (p) {
        return row(el("strong", { text: named(p.commodity) + (p.variety ? " · " + p.variety : "") }),
          el("span", { text: p.market }),
          el("span", { class: "kisaan-price", text: rupees(p.modal_paise) + " " + say("per_unit", { unit: unit("quintal") }) }));
      }));
    }
    parts.push(section("offline-offers", say("offers"), c.offers, function (o) {
      var item = row(el("strong", { text: named(o.crop) + " · " + o.quantity + " " + unit(o.unit) }),
        el("span", { class: "kisaan-price", text: rupees(o.price_paise) + " " + say("per_unit", { unit: unit(o.unit) }) }));
      var gone = function () { item.classList.add("kisaan-done"); };
      item.appendChild(el("button", { type: "button", class: "kisaan-button", "data-bid": o.bid_id, text: say("accept"),
        onclick: function () { send("/api/market/bids/" + o.bid_id + "/accept", null, "accept", gone); } }));
      item.appendChild(priceForm(say("your_price"), function (paise) {
        send("/api/market/bids/" + o.bid_id + "/counter", { price_paise: paise }, "counter", gone);
      }));
      item.setAttribute("data-bid", o.bid_id);
      return item;
    }));
    parts.push(section("offline-inbox", say("inbox"), c.inbox, function (m) {
      var item = row(el("strong", { text: m.title }), el("span", { text: m.body }));
      if (!m.read) {
        item.appendChild(el("button", { type: "button", class: "kisaan-button kisaan-quiet", text: say("mark_read"),
          onclick: function () { send("/api/inbox/" + m.id + "/read", null, "read", function () { item.classList.add("kisaan-done"); }); } }));
      }
      return item;
    }));
    if (c.role === "farmer" || c.role === "org_admin") {
      parts.push(section("offline-listings", say("listings"), c.listings, function (l) {
        return row(el("strong", { text: named(l.crop) }), el("span", { text: l.quantity_remaining + " " + unit(l.unit) }),
          el("span", { class: "kisaan-price", text: rupees(l.asking_price_paise) }),
          el("span", { class: "kisaan-muted", text: say("listing_" + l.status) || l.status }));
      }));
    }
    parts.push(section("offline-orders", say("orders"), c.orders, function (o) {
      return row(el("strong", { text: o.order_number }), el("span", { text: o.quantity + " " + unit(o.unit) }),
        el("span", { class: "kisaan-price", text: rupees(o.amount_paise) }),
        el("span", { class: "kisaan-muted", text: say("order_" + o.status) || o.status }));
    }));
    if (c.role === "farmer") parts.push(sellForm(c), reportForm(c));
    var panel = el("div", { id: "offline-copy", class: "kisaan-offline", lang: c.language });
    parts.forEach(function (part) { panel.appendChild(part); });
    return panel;
  }

  function field(label, input) {
    return el("label", { class: "kisaan-field" }, el("span", { text: label }), input);
  }

  function sellForm(c) {
    var crop = el("input", { name: "crop", required: "required", value: c.crops[0] || "", class: "kisaan-input" });
    var qty = el("input", { name: "quantity", type: "number", min: "0.1", step: "0.1", required: "required", class: "kisaan-input" });
    var price = el("input", { name: "price", type: "number", min: "1", step: "1", required: "required", class: "kisaan-input" });
    var form = el("form", { id: "offline-sell", class: "kisaan-section", onsubmit: function (event) {
      event.preventDefault();
      send("/api/market/listings", {
        crop: crop.value, quantity: parseFloat(qty.value), unit: "quintal", price_paise: Math.round(parseFloat(price.value) * 100),
        district: c.district, state: c.state || c.district,
      }, "listing", function () { form.reset(); });
    } }, el("h2", { text: say("list_produce") }), field(say("crop"), crop), field(say("quantity"), qty),
      field(say("price_per_quintal"), price), el("button", { type: "submit", class: "kisaan-button", text: say("send") }));
    return form;
  }

  function reportForm(c) {
    var crop = el("input", { name: "crop", required: "required", value: c.crops[0] || "", class: "kisaan-input" });
    var issue = el("select", { name: "issue_type", class: "kisaan-input" });
    ["pest", "disease", "water_stress", "nutrient", "other"].forEach(function (code) {
      issue.appendChild(el("option", { value: code, text: say("issue_" + code) || code }));
    });
    var what = el("textarea", { name: "note", maxlength: "1000", class: "kisaan-input" });
    var form = el("form", { id: "offline-report", class: "kisaan-section", onsubmit: function (event) {
      event.preventDefault();
      send("/api/crop-health/reports", { crop: crop.value, issue_type: issue.value, note: what.value }, "report",
        function () { form.reset(); });
    } }, el("h2", { text: say("report_problem") }), field(say("crop"), crop), issue, field(say("what_you_see"), what),
      el("button", { type: "submit", class: "kisaan-button", text: say("send") }));
    return form;
  }

  function hideScreen() {
    var panel = document.getElementById("offline-copy");
    if (panel) panel.remove();
    document.documentElement.classList.remove("kisaan-is-offline");
  }

  function keptCopy() {
    try {
      var kept = JSON.parse(localStorage.getItem(COPY_KEY) || "null");
      if (kept) return Promise.resolve(kept);
    } catch (e) { /* a damaged copy: ask the worker's cache */ }
    return fetch(COPY_URL, { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.json() : null;
    });
  }

  function forgetCopy() {
    localStorage.removeItem(COPY_KEY);
    localStorage.removeItem(WORDS_KEY);
    worker({ type: "forget-copy" }); // whoever signs in next must not see the last person's copy
  }

  function showScreen() {
    if (signedOutPage() || navigator.onLine) return;
    keptCopy().then(function (found) {
      if (!found || navigator.onLine) return;
      copy = found;
      hideScreen();
      var header = document.querySelector("header");
      var panel = screen();
      var place = function () {
        panel.style.top = (header ? Math.max(0, header.getBoundingClientRect().bottom) : 0) + "px";
      };
      place();
      // The header grows when its connection banner appears: the kept copy stays below it, never under it.
      if (header && window.ResizeObserver) new ResizeObserver(place).observe(header);
      document.body.appendChild(panel);
      document.documentElement.classList.add("kisaan-is-offline");
    }).catch(function () { /* no copy kept yet: the header's banner already says we are offline */ });
  }

  // ------------------------------------------------------------ keeping the copy fresh

  function refreshCopy(force) {
    if (!navigator.onLine) return;
    if (signedOutPage()) {
      forgetCopy();
      return;
    }
    var last = Number(sessionStorage.getItem("kisaan-copy-at") || 0);
    if (!force && Date.now() - last < REFRESH_MS) return;
    sessionStorage.setItem("kisaan-copy-at", String(Date.now()));
    fetch(COPY_URL, { credentials: "same-origin" }).then(function (response) {
      if (response.status === 401) forgetCopy();
      return response.ok ? response.json() : null;
    }).then(function (found) {
      if (!found) return;
      copy = found;
      try {
        localStorage.setItem(COPY_KEY, JSON.stringify(found));
        localStorage.setItem(WORDS_KEY, JSON.stringify(found.words));
      } catch (e) { /* storage full: the worker's cache still has it */ }
    }).catch(function () { /* offline after all */ });
  }

  // ------------------------------------------------------------ data saver (components/data_saver.py)

  var SAVER_KEY = "kisaan-data-saver";

  function applyDataSaver() {
    var choice = localStorage.getItem(SAVER_KEY) || "auto";
    var phoneSaves = !!(navigator.connection && navigator.connection.saveData); // what sends Save-Data
    var on = choice === "on" || (choice === "auto" && phoneSaves);
    document.documentElement.classList.toggle("kisaan-data-saver", on);
    var setting = document.getElementById("data-saver-setting");
    if (setting && setting.value !== choice) setting.value = choice;
  }

  function watchDataSaver() {
    applyDataSaver();
    document.addEventListener("click", function (event) {
      var reveal = event.target.closest && event.target.closest(".data-heavy-reveal");
      if (reveal) reveal.parentElement.classList.add("revealed");
    });
    document.addEventListener("change", function (event) {
      if (event.target.id !== "data-saver-setting") return;
      localStorage.setItem(SAVER_KEY, event.target.value);
      applyDataSaver();
    });
    // The settings page may be opened later without a reload: show its switch at the stored choice.
    new MutationObserver(function () {
      var setting = document.getElementById("data-saver-setting");
      if (setting && !setting.dataset.kisaanSet) {
        setting.dataset.kisaanSet = "1";
        applyDataSaver();
      }
    }).observe(document.body, { childList: true, subtree: true });
  }

  function start() {
    watchDataSaver();
    register();
    showWaitingResults();
    if (navigator.onLine) {
      // After the page is usable: the copy is a small background read, never in the way of the first paint.
      setTimeout(function () { refreshCopy(false); replay(); }, 2500);
    } else {
      showScreen();
    }
    window.addEventListener("offline", showScreen);
    window.addEventListener("online", function () {
      hideScreen();
      replay();
      setTimeout(function () { refreshCopy(true); }, 3000);
    });
  }

  if (document.readyState === "complete") start();
  else window.addEventListener("load", start);
})();
