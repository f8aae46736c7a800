/* Draws Plotly charts without inline scripts.
 *
 *   {{ figure|json_script:"progress-chart-data" }}
 *   <div data-chart="progress-chart-data" role="img" aria-label="..."></div>
 *
 * The json_script element holds a Plotly figure ({"data": [...], "layout": {...}, "config": {...}},
 * as plotly.py's fig.to_plotly_json() gives). Every [data-chart] element on the page, and in content
 * that htmx swaps in later, is drawn once, responsive to its container's width.
 */
(function () {
  "use strict";

  var BASE_CONFIG = { responsive: true, displaylogo: false, displayModeBar: false };

  function readFigure(id) {
    var source = document.getElementById(id);
    if (!source) {
      throw new Error("charts.js: no json_script element with id " + id);
    }
    return JSON.parse(source.textContent);
  }

  function draw(element) {
    if (element.getAttribute("data-chart-drawn") === "true") {
      return;
    }
    var figure = readFigure(element.getAttribute("data-chart"));
    var layout = Object.assign({ autosize: true }, figure.layout || {});
    var config = Object.assign({}, BASE_CONFIG, figure.config || {});
    config.displaylogo = false;
    if (!element.hasAttribute("aria-label") && layout.title) {
      var title = typeof layout.title === "string" ? layout.title : layout.title.text;
      if (title) {
        element.setAttribute("aria-label", title);
      }
    }
    element.setAttribute("data-chart-drawn", "true");
    window.Plotly.newPlot(element, figure.data || [], layout, config);
  }

  function drawAll(root) {
    if (!window.Plotly) {
      console.error("charts.js: Plotly is not loaded; include components/plotly_scripts.html");
      return;
    }
    var scope = root && root.querySelectorAll ? root : document;
    var elements = Array.prototype.slice.call(scope.querySelectorAll("[data-chart]"));
    if (scope.matches && scope.matches("[data-chart]")) {
      elements.unshift(scope);
    }
    elements.forEach(draw);
  }

  // A chart drawn while hidden (in a closed drawer, tab or modal) has no width: resize it when shown.
  function resizeWithin() {
    if (!window.Plotly) {
      return;
    }
    document.querySelectorAll('[data-chart-drawn="true"]').forEach(function (element) {
      if (element.offsetParent !== null) {
        window.Plotly.Plots.resize(element);
      }
    });
  }
  ["shown.bs.offcanvas", "shown.bs.collapse", "shown.bs.modal", "shown.bs.tab"].forEach(function (name) {
    document.addEventListener(name, resizeWithin);
  });

  window.sencotrackCharts = { drawAll: drawAll };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  } else {
    drawAll(document);
  }
  // Content swapped in by htmx (a filtered dashboard, a drawer) is drawn when it settles.
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.detail.elt); });
})();
