/* Voice on the page (the server does the work, see kisaan_app/api/voice.py):
 * - "Listen": any [data-listen-kind][data-listen-ref] button asks POST /api/voice/speech for the item's audio
 *   (Opus, cached on the server) and plays it in one shared <audio> element; a second tap stops it. While the
 *   audio is fetched the button is busy (aria-busy, data-voice-state="loading").
 * - Push-to-talk: hold a [data-voice-mic] button to record (MediaRecorder, WebM/Opus at 24 kbit/s, at most
 *   data-max-seconds); letting go sends it to POST /api/voice/command. A [data-voice-form] sends typed words to
 *   the same route. The answer's choices become links in the box's [data-voice-results].
 * - Translate: a [data-translate-kind][data-translate-id] button swaps its box's [data-translate-text] for the
 *   translation (POST /api/voice/translate), and back to the original on the next tap.
 * Words come from data-* attributes in the reader's language; server errors arrive already translated.
 * GET /api/voice/status decides once per page whether speech and commands are offered at all (html classes
 * voice-speech-off / voice-commands-off hide them, styles.css). */
(function () {
  if (window.kisaanVoice) return;
  var audio = null, playing = null;

  function lang(el) { return (el && el.dataset.lang) || document.documentElement.lang || "en"; }

  function post(url, body, el) {
    var headers = { "Accept-Language": lang(el) };
    if (!(body instanceof FormData)) { headers["Content-Type"] = "application/json"; body = JSON.stringify(body); }
    return fetch(url, { method: "POST", credentials: "same-origin", headers: headers, body: body }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) throw new Error((data.error && data.error.message) || (el && el.dataset.failed) || "Error");
        return data;
      });
    });
  }

  function status() {
    fetch("/api/voice/status", { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) return;
        var html = document.documentElement.classList;
        html.toggle("voice-speech-off", !s.speech);
        html.toggle("voice-commands-off", !s.commands);
        html.toggle("voice-translate-off", !s.translation);
      }).catch(function () { /* offline: leave the buttons; a tap will say what is wrong */ });
  }

  function setState(button, state, label) {
    button.setAttribute("data-voice-state", state);
    button.setAttribute("aria-busy", state === "loading" ? "true" : "false");
    var text = button.querySelector("[data-voice-label]") || button;
    if (label) text.textContent = label;
  }

  function stop() {
    if (audio) audio.pause();
    if (playing) setState(playing, "idle", playing.dataset.listenLabel);
    playing = null;
  }

  function listen(button) {
    if (playing === button) return stop();
    stop();
    if (!audio) {
      audio = document.createElement("audio");
      audio.id = "kisaan-voice-audio";
      audio.preload = "auto";
      audio.addEventListener("ended", stop);
      document.body.appendChild(audio);
    }
    playing = button;
    setState(button, "loading", button.dataset.loading);
    post("/api/voice/speech", { kind: button.dataset.listenKind, ref: button.dataset.listenRef }, button)
      .then(function (data) {
        if (playing !== button) return;
        audio.src = data.url;
        audio.setAttribute("data-bytes", data.bytes);
        setState(button, "playing", button.dataset.stop);
        return audio.play();
      })
      .catch(function (err) {
        if (playing === button) playing = null;
        setState(button, "error", button.dataset.listenLabel);
        button.title = err.message;
        toast(button, err.message);
      });
  }

  function toast(near, message) {
    var box = near.closest("[data-voice-box]");
    var out = box && box.querySelector("[data-voice-results]");
    if (out) { out.textContent = message; return; }
    var t = document.getElementById("voice-toast");
    if (!t) {
      t = document.createElement("div");
      t.id = "voice-toast"; t.setAttribute("role", "status"); t.className = "voice-toast";
      document.body.appendChild(t);
    }
    t.textContent = message; t.hidden = false;
    clearTimeout(t._timer); t._timer = setTimeout(function () { t.hidden = true; }, 5000);
  }

  function showChoices(box, data) {
    var out = box.querySelector("[data-voice-results]");
    out.textContent = "";
    var heard = document.createElement("p");
    heard.className = "voice-heard";
    heard.textContent = (box.dataset.heard || "") + " " + (data.heard || "…");
    out.appendChild(heard);
    if (!data.choices || !data.choices.length) {
      var none = document.createElement("p");
      none.className = "voice-none"; none.textContent = box.dataset.notUnderstood || "";
      out.appendChild(none);
      return;
    }
    data.choices.forEach(function (c) {
      var a = document.createElement("a");
      a.className = "voice-choice"; a.href = c.href; a.setAttribute("data-kind", c.kind);
      var label = document.createElement("strong"); label.textContent = c.label; a.appendChild(label);
      if (c.detail) { var d = document.createElement("span"); d.textContent = c.detail; a.appendChild(d); }
      out.appendChild(a);
    });
  }

  function ask(box, form) {
    box.setAttribute("data-voice-state", "loading");
    return post("/api/voice/command", form, box)
      .then(function (data) { showChoices(box, data); })
      .catch(function (err) { box.querySelector("[data-voice-results]").textContent = err.message; })
      .then(function () { box.setAttribute("data-voice-state", "idle"); });
  }

  var recorder = null, timer = null;

  function startRecording(button) {
    var box = button.closest("[data-voice-box]");
    if (!navigator.mediaDevices || !window.MediaRecorder) { toast(button, box.dataset.micUnavailable); return; }
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      var type = MediaRecorder.isTypeSupported("audio/webm;codecs=opus") ? "audio/webm;codecs=opus" : "";
      var chunks = [];
      recorder = new MediaRecorder(stream, type ? { mimeType: type, audioBitsPerSecond: 24000 } : {});
      recorder.ondataavailable = function (e) { if (e.data && e.data.size) chunks.push(e.data); };
      recorder.onstop = function () {
        stream.getTracks().forEach(function (t) { t.stop(); });
        setState(button, "idle", button.dataset.idleLabel);
        var blob = new Blob(chunks, { type: (recorder && recorder.mimeType) || "audio/webm" });
        recorder = null;
        var form = new FormData();
        form.append("audio", blob, "command.webm");
        ask(box, form);
      };
      recorder.start();
      setState(button, "recording", button.dataset.recording);
      timer = setTimeout(stopRecording, 1000 * Number(button.dataset.maxSeconds || 8));
    }).catch(function () { toast(button, box.dataset.micUnavailable); });
  }

  function stopRecording() {
    clearTimeout(timer);
    if (recorder && recorder.state === "recording") recorder.stop();
  }

  function translate(button) {
    var box = button.closest("[data-translate-box]"), text = box && box.querySelector("[data-translate-text]");
    if (!text) return;
    if (button.dataset.showing === "translation") {
      text.textContent = text.dataset.original;
      button.dataset.showing = "original";
      setState(button, "idle", button.dataset.translateLabel);
      return;
    }
    if (!text.dataset.original) text.dataset.original = text.textContent;
    setState(button, "loading", button.dataset.loading);
    post("/api/voice/translate", { kind: button.dataset.translateKind, id: Number(button.dataset.translateId) }, button)
      .then(function (data) {
        if (!data.translated) { setState(button, "idle", button.dataset.translateLabel); return; } // already yours
        text.textContent = data.text;
        button.dataset.showing = "translation";
        setState(button, "idle", button.dataset.originalLabel);
      })
      .catch(function (err) { setState(button, "error", button.dataset.translateLabel); toast(button, err.message); });
  }

  document.addEventListener("click", function (event) {
    var el = event.target.closest && event.target.closest("[data-listen-kind],[data-translate-kind]");
    if (!el) return;
    event.preventDefault();
    if (el.hasAttribute("data-listen-kind")) listen(el); else translate(el);
  });
  document.addEventListener("pointerdown", function (event) {
    var mic = event.target.closest && event.target.closest("[data-voice-mic]");
    if (mic && !recorder) { event.preventDefault(); startRecording(mic); }
  });
  ["pointerup", "pointercancel"].forEach(function (name) {
    document.addEventListener(name, function () { if (recorder) stopRecording(); });
  });
  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("[data-voice-form]");
    if (!form) return;
    event.preventDefault();
    event.stopPropagation();
    var input = form.querySelector("input[name=text]");
    if (!input || !input.value.trim()) return;
    var body = new FormData();
    body.append("text", input.value.trim());
    ask(form.closest("[data-voice-box]"), body);
  }, true);

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", status); else status();
  window.kisaanVoice = { listen: listen, stop: stop, status: status };
})();
