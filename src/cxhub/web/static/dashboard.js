// cxhub service dashboard: draws the charts whose data the page carries in `data-chart`
// (plotly.js, served by the app from the installed `plotly` package). A click on a bar or a
// point opens the tickets behind it (the link in the point's `customdata`). Without JavaScript
// or plotly.js, the "Show the data" tables under each chart carry the same numbers and links.
(function () {
  "use strict";
  if (!window.Plotly) return;
  var holder = document.querySelector("[data-separators]");
  var separators = holder ? holder.getAttribute("data-separators") : ".,";
  var config = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d"] };

  Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (node) {
    var spec;
    try { spec = JSON.parse(node.getAttribute("data-chart")); } catch (error) { return; }
    var layout = Object.assign({ separators: separators, font: { family: getComputedStyle(document.body).fontFamily } }, spec.layout);
    window.Plotly.newPlot(node, spec.data, layout, config).then(function () {
      node.setAttribute("data-rendered", "");
      node.on("plotly_click", function (event) {
        var point = event && event.points && event.points[0];
        var url = point && point.customdata;
        if (typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/") window.location.assign(url);
      });
    });
  });
})();
