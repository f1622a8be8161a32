/* cxhub in-product survey widget.
 *
 *   <script src="https://cx.example.com/embed/survey.js" data-survey="cxs_…"
 *           data-user-id="42" data-locale="it" data-touchpoint="dashboard" async></script>
 *
 * Asks the server whether to show the survey (sampling and the workspace throttle decide), shows
 * its questions in the visitor's language, and posts the answer. Requests are CORS "simple
 * requests" (text/plain bodies, no credentials), so no cookie of the host page ever travels.
 * An answered or dismissed survey is remembered in localStorage for anonymous visitors.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var key = script.getAttribute("data-survey");
  if (!key) return;
  var base = new URL(script.src).origin + "/api/v1/public/surveys/" + encodeURIComponent(key);
  var memory = "cxhub-survey:" + key;
  try { if (window.localStorage.getItem(memory)) return; } catch (e) { /* storage blocked */ }
  var anonymousId = null;
  try {
    anonymousId = window.localStorage.getItem("cxhub-anonymous-id");
    if (!anonymousId) {
      anonymousId = String(Date.now()) + Math.random().toString(36).slice(2);
      window.localStorage.setItem("cxhub-anonymous-id", anonymousId);
    }
  } catch (e) { anonymousId = null; }
  var visitor = {
    user_id: script.getAttribute("data-user-id") || null,
    email: script.getAttribute("data-email") || null,
    anonymous_id: anonymousId,
    locale: script.getAttribute("data-locale") || navigator.language || null,
    touchpoint: script.getAttribute("data-touchpoint") || null
  };
  var TEXTS = {
    en: { send: "Send", thanks: "Thank you for your feedback!", close: "Close" },
    it: { send: "Invia", thanks: "Grazie per il tuo riscontro!", close: "Chiudi" },
    zh: { send: "提交", thanks: "感谢您的反馈！", close: "关闭" },
    id: { send: "Kirim", thanks: "Terima kasih atas masukan Anda!", close: "Tutup" }
  };

  function post(path, body) {
    return fetch(base + path, {
      method: "POST", mode: "cors", credentials: "omit",
      headers: { "Content-Type": "text/plain" }, body: JSON.stringify(body)
    }).then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); });
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  }
  function remember() { try { window.localStorage.setItem(memory, "1"); } catch (e) { /* ignore */ } }

  function render(view, token) {
    var t = TEXTS[view.language] || TEXTS.en;
    var box = el("form", { "class": "cxhub-survey", "data-cxhub-survey": key, lang: view.language,
      style: "position:fixed;bottom:16px;right:16px;max-width:360px;background:#fff;color:#111;" +
        "border:1px solid #ccc;border-radius:8px;padding:12px;font:14px system-ui;z-index:2147483647;" +
        "box-shadow:0 4px 16px rgba(0,0,0,.15)" });
    view.questions.forEach(function (q) {
      var field = el("fieldset", { style: "border:0;margin:0 0 8px;padding:0" });
      field.appendChild(el("legend", { style: "margin-bottom:4px" }, q.text));
      if (q.min != null) {
        for (var s = q.min; s <= q.max; s++) {
          var label = el("label", { style: "display:inline-block;margin:2px" });
          var input = el("input", { type: "radio", name: q.key, value: String(s) });
          if (q.required) input.required = true;
          label.appendChild(input); label.appendChild(document.createTextNode(String(s)));
          field.appendChild(label);
        }
        if (q.labels) field.appendChild(el("div", { style: "font-size:12px;color:#555" }, q.labels[0] + " … " + q.labels[1]));
      } else if (q.type === "choice") {
        q.options.forEach(function (option) {
          var label = el("label", { style: "display:block" });
          var input = el("input", { type: "radio", name: q.key, value: option });
          if (q.required) input.required = true;
          label.appendChild(input); label.appendChild(document.createTextNode(" " + option));
          field.appendChild(label);
        });
      } else {
        field.appendChild(el("textarea", { name: q.key, rows: "3", maxlength: "5000", style: "width:100%" }));
      }
      box.appendChild(field);
    });
    var send = el("button", { type: "submit" }, t.send);
    var close = el("button", { type: "button", style: "margin-left:8px" }, t.close);
    close.addEventListener("click", function () { remember(); box.remove(); });
    box.appendChild(send); box.appendChild(close);
    box.addEventListener("submit", function (event) {
      event.preventDefault();
      var answers = {};
      new FormData(box).forEach(function (value, name) { if (value !== "") answers[name] = value; });
      view.questions.forEach(function (q) { if (q.min != null && answers[q.key] != null) answers[q.key] = Number(answers[q.key]); });
      post("/responses", { token: token, answers: answers, language: view.language,
        user_id: visitor.user_id, email: visitor.email, touchpoint: visitor.touchpoint })
        .then(function (result) {
          if (!result.ok) return;
          remember();
          box.textContent = "";
          box.appendChild(el("p", { "data-cxhub-thanks": "" }, t.thanks));
          setTimeout(function () { box.remove(); }, 4000);
        });
    });
    document.body.appendChild(box);
  }

  post("/display", visitor).then(function (result) {
    if (result.ok && result.body.show) render(result.body, result.body.token);
  }).catch(function () { /* the survey is optional: never break the host page */ });
})();
