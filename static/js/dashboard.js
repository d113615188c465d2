/* Dashboard: draw each chart's figure (server-built Plotly JSON) with Plotly's
   toolbar (PNG download, no logo); a click on a point, cell or bar whose
   customdata is a URL on this site ("/...") opens that list. */
(function () {
  "use strict";
  if (typeof Plotly === "undefined") { return; }

  // A site-relative URL only: "/people/search/?..." yes, "//elsewhere" no.
  function urlOf(point) {
    var data = point && point.customdata;
    if (Array.isArray(data)) {
      data = data.filter(function (item) { return typeof item === "string"; })[0];
    }
    if (typeof data === "string" && data.charAt(0) === "/" && data.charAt(1) !== "/") {
      return data;
    }
    return null;
  }

  // Counts: an axis formatted as whole numbers ("d") over a short range would
  // repeat rounded labels (0, 0, 1, 1, ...); give it one tick per unit.
  function wholeNumberTicks(el) {
    var layout = el._fullLayout || {}, update = {};
    Object.keys(layout).forEach(function (name) {
      var axis = layout[name];
      if (!/^[xy]axis\d*$/.test(name) || !axis || axis.tickformat !== "d" || !axis.range) { return; }
      var span = Math.abs(axis.range[1] - axis.range[0]);
      if (span > 0 && span <= 6) { update[name + ".dtick"] = 1; }
    });
    return Object.keys(update).length ? Plotly.relayout(el, update) : null;
  }

  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-figure"));
    if (!source) { return; }
    var figure = JSON.parse(source.textContent);
    var config = {
      responsive: true,
      displaylogo: false,
      toImageButtonOptions: {format: "png", filename: el.getAttribute("data-filename") || "chart"}
    };
    Plotly.newPlot(el, figure.data || [], figure.layout || {}, config).then(function () {
      wholeNumberTicks(el);
      el.on("plotly_click", function (event) {
        var url = urlOf(event && event.points && event.points[0]);
        if (url) { window.location.assign(url); }
      });
      el.on("plotly_hover", function (event) {
        el.classList.toggle("dashboard-linked", !!urlOf(event && event.points && event.points[0]));
      });
      el.on("plotly_unhover", function () { el.classList.remove("dashboard-linked"); });
    });
  }

  document.querySelectorAll("[data-figure]").forEach(draw);
})();
