// cxhub web shell: small progressive enhancements. Every page works without this file.
// - "/" focuses the search box; arrow keys move through results; Escape goes back.
// - live search: the search form fetches its results fragment while you type (debounced).
// - "Load more" on timelines fetches the next page fragment instead of a full page.
// - ticket lists: j/k move between tickets, Enter opens the current one, x selects it.
// - cxhub.fetch(): fetch() that sends the page's CSRF token on state-changing requests.
// - macro picker: "Insert" previews the macro through the API and fills the reply box in place
//   (without JavaScript the same form reloads the page with the reply box filled).
// - knowledge assist: the ticket's assist panel (articles, suggested macro, similar solved
//   tickets) is fetched in place; "Use this macro" previews it like the picker; "Insert link"
//   appends the article's link to the reply box (the use is recorded when the reply is sent).
(function () {
  "use strict";

  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var SAFE = { GET: true, HEAD: true, OPTIONS: true };

  function csrfFetch(url, options) {
    var opts = Object.assign({ credentials: "same-origin" }, options || {});
    var headers = new Headers(opts.headers || {});
    headers.set("X-Requested-With", "fetch");
    var method = (opts.method || "GET").toUpperCase();
    if (!SAFE[method] && csrfMeta) headers.set("X-CSRF-Token", csrfMeta.content);
    opts.headers = headers;
    return fetch(url, opts).then(function (response) {
      // A session that ended while the page was open: go to the login form.
      if (response.redirected && new URL(response.url).pathname === "/login") {
        window.location.assign(response.url);
        throw new Error("signed out");
      }
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response;
    });
  }
  window.cxhub = { fetch: csrfFetch };

  function isTyping(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    if (tag === "input" && (target.type === "checkbox" || target.type === "radio")) return false;
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  // --- "/" focuses search ------------------------------------------------------------------
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    var box = document.querySelector("[data-search-primary]") || document.querySelector("[data-search-input]");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });

  // --- arrow keys through results ------------------------------------------------------------
  function resultLinks(container) {
    return Array.prototype.slice.call(container.querySelectorAll("[data-result]"));
  }

  function bindResultKeys(input, container) {
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        var links = resultLinks(container);
        if (links.length) { event.preventDefault(); links[0].focus(); }
      }
    });
    container.addEventListener("keydown", function (event) {
      var links = resultLinks(container);
      var index = links.indexOf(document.activeElement);
      if (index < 0) return;
      if (event.key === "ArrowDown" && index < links.length - 1) { event.preventDefault(); links[index + 1].focus(); }
      else if (event.key === "ArrowUp") { event.preventDefault(); (index > 0 ? links[index - 1] : input).focus(); }
      else if (event.key === "Escape") { event.preventDefault(); input.focus(); }
    });
  }

  // --- live search ---------------------------------------------------------------------------
  function bindLiveSearch(form) {
    var input = form.querySelector("[data-search-input]");
    var target = document.getElementById(form.getAttribute("data-results-target"));
    var url = form.getAttribute("data-results-url");
    if (!input || !target || !url) return;
    bindResultKeys(input, target);
    var timer = null;
    var inflight = null;
    var last = null;

    function run() {
      var params = new URLSearchParams(new FormData(form));
      var query = params.toString();
      if (query === last) return;
      last = query;
      if (inflight) inflight.abort();
      inflight = new AbortController();
      target.setAttribute("aria-busy", "true");
      csrfFetch(url + "?" + query, { signal: inflight.signal })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          target.innerHTML = html;
          target.removeAttribute("aria-busy");
          history.replaceState(null, "", form.getAttribute("action") + (query ? "?" + query : ""));
        })
        .catch(function (error) {
          if (error.name !== "AbortError") target.removeAttribute("aria-busy");
        });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 180);
    });
    form.addEventListener("submit", function (event) {
      // Enter in the box opens the only result, otherwise refreshes the results in place.
      event.preventDefault();
      clearTimeout(timer);
      var links = resultLinks(target);
      if (links.length === 1 && last === new URLSearchParams(new FormData(form)).toString()) {
        window.location.assign(links[0].href);
        return;
      }
      last = null;
      run();
    });
    last = new URLSearchParams(new FormData(form)).toString();
  }
  Array.prototype.forEach.call(document.querySelectorAll("form[data-live-search]"), bindLiveSearch);

  // --- timeline "Load more" ------------------------------------------------------------------
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-fragment-url]") : null;
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    var block = link.closest("[data-load-more]");
    var section = block && block.parentElement;
    if (!section) return;
    event.preventDefault();
    link.setAttribute("aria-busy", "true");
    csrfFetch(link.getAttribute("data-fragment-url"))
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fragment = document.createRange().createContextualFragment(html);
        var list = section.querySelector("[data-timeline-list]");
        var incoming = Array.prototype.slice.call(fragment.querySelectorAll("[data-timeline-item]"));
        if (list) incoming.forEach(function (item) { list.appendChild(item); });
        var nextBlock = fragment.querySelector("[data-load-more]");
        if (nextBlock) block.replaceWith(nextBlock);
        if (incoming.length) incoming[0].focus();
      })
      .catch(function () {
        // Fall back to the plain link (a full page with ?cursor=).
        window.location.assign(link.href);
      });
  });
  // --- ticket lists: j / k / Enter / x --------------------------------------------------------
  var ticketList = document.querySelector("[data-ticket-list]");
  if (ticketList) {
    var rows = Array.prototype.slice.call(ticketList.querySelectorAll("[data-ticket-row]"));
    var current = -1;

    function moveTo(index) {
      if (!rows.length) return;
      index = Math.max(0, Math.min(rows.length - 1, index));
      if (current >= 0 && rows[current]) rows[current].removeAttribute("data-current");
      current = index;
      rows[current].setAttribute("data-current", "");
      rows[current].focus();
    }

    ticketList.addEventListener("focusin", function (event) {
      var row = event.target.closest ? event.target.closest("[data-ticket-row]") : null;
      var index = rows.indexOf(row);
      if (index >= 0 && index !== current) {
        if (current >= 0 && rows[current]) rows[current].removeAttribute("data-current");
        current = index;
        row.setAttribute("data-current", "");
      }
    });

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      if (event.target.tagName && event.target.tagName.toLowerCase() === "select") return;
      var key = event.key;
      if (key === "j") { event.preventDefault(); moveTo(current + 1); }
      else if (key === "k") { event.preventDefault(); moveTo(current < 0 ? 0 : current - 1); }
      else if (current >= 0 && key === "x") {
        event.preventDefault();
        var box = rows[current].querySelector("[data-select]");
        if (box) box.click();
      } else if (current >= 0 && key === "Enter" && event.target === rows[current]) {
        event.preventDefault();
        window.location.assign(rows[current].getAttribute("data-href"));
      }
    });
  }

  // --- macro picker: preview a macro into the reply box -------------------------------------
  var macroForm = document.querySelector("[data-macro-form]");
  var replyForm = document.querySelector("[data-reply-form]");
  if (macroForm && replyForm) {
    macroForm.addEventListener("submit", function (event) {
      var select = document.querySelector("[data-macro-select]");
      var status = document.querySelector("[data-macro-status]");
      if (!select || !select.value) { event.preventDefault(); return; }
      event.preventDefault();
      var url = "/api/v1/tickets/" + encodeURIComponent(macroForm.getAttribute("data-ticket-id")) +
        "/macros/" + encodeURIComponent(select.value) + "/apply?preview=true";
      csrfFetch(url, { method: "POST", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (preview) {
          var body = replyForm.querySelector("textarea[name=body]");
          var hasReply = preview.public_reply && preview.public_reply.trim();
          var text = hasReply ? preview.public_reply : (preview.internal_note || "");
          var visibility = replyForm.querySelector('input[name=visibility][value="' + (hasReply || !preview.internal_note ? "public" : "internal") + '"]');
          if (visibility) visibility.checked = true;
          if (body) { body.value = text; body.focus(); }
          var wanted = preview.changed_fields.indexOf("status") >= 0 ? preview.ticket.status : "";
          var submitAs = replyForm.querySelector("select[name=status]");
          if (submitAs && wanted && submitAs.querySelector('option[value="' + wanted + '"]')) submitAs.value = wanted;
          if (status) status.textContent = status.getAttribute("data-review") || "";
        })
        .catch(function () { macroForm.submit(); });
    });
  }

  // The next-best-action panel of the contact and account pages (experience/nextaction):
  // the page holds a link; the fragment replaces it. Its forms post without JavaScript.
  var nextActions = document.querySelector("[data-next-actions]");
  if (nextActions) {
    csrfFetch(nextActions.getAttribute("data-next-actions"), { headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var panel = holder.querySelector("[data-next-actions-loaded]");
        var link = nextActions.querySelector("p");
        if (panel && link) link.replaceWith(panel);
      })
      .catch(function () { /* the panel's link still opens the actions */ });
  }

  var assist = document.querySelector("[data-kb-assist]");
  if (assist) {
    csrfFetch(assist.getAttribute("data-kb-assist"), { headers: { Accept: "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var panel = holder.querySelector("[data-kb-assist-loaded]");
        var link = assist.querySelector("p");
        if (panel && link) link.replaceWith(panel);
      })
      .catch(function () { /* the panel's link still opens the suggestions */ });
    assist.addEventListener("click", function (event) {
      var useMacro = event.target.closest ? event.target.closest("[data-kb-macro]") : null;
      var picker = document.querySelector("[data-macro-select]");
      var pickerForm = document.querySelector("[data-macro-form]");
      if (useMacro && picker && pickerForm && pickerForm.requestSubmit) {
        event.preventDefault();
        picker.value = useMacro.getAttribute("data-kb-macro");
        pickerForm.requestSubmit();
        return;
      }
      var button = event.target.closest ? event.target.closest("[data-kb-insert]") : null;
      if (!button) return;
      var body = document.getElementById("reply-body");
      if (!body) return;
      var line = button.getAttribute("data-kb-title") + ": " + button.getAttribute("data-kb-insert");
      body.value = body.value ? body.value.replace(/\s*$/, "") + "\n\n" + line : line;
      body.focus();
    });
  }
})();
