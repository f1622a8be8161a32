// The new-request form asks the help center for articles while the customer types the subject.
// The help center answers an HTML fragment; its element carrying data-search-id names the
// search, which the form sends with the ticket (hidden field search_id). Without a help center
// (404) the suggestion box stays empty.
(function () {
  "use strict";
  var input = document.querySelector("[data-suggest-url]");
  if (!input) { return; }
  var target = document.querySelector(input.getAttribute("data-suggest-target"));
  var searchId = document.getElementById("search-id");
  var timer = null;
  var last = "";
  function ask() {
    var q = input.value.trim();
    if (q.length < 3 || q === last) { return; }
    last = q;
    fetch(input.getAttribute("data-suggest-url") + "?q=" + encodeURIComponent(q), {
      credentials: "same-origin", headers: { "HX-Request": "true" }
    }).then(function (response) {
      return response.ok ? response.text() : "";
    }).then(function (html) {
      if (!target) { return; }
      target.innerHTML = html;
      var marked = target.querySelector("[data-search-id]");
      if (marked && searchId) { searchId.value = marked.getAttribute("data-search-id"); }
    }).catch(function () { /* no suggestions: the form works without them */ });
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 400);
  });
})();
