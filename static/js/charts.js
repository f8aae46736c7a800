/* Draws Plotly charts without inline scripts.
 *
 *   {{ figure|json_script:"progress-chart-data" }}
 *   <div data-chart="progress-chart-data" role="img" aria-label="..."></div>
 *
 * The json_script element holds a Plotly figure ({"data": [...], "layout": {...}, "config": {...}},
 * as plotly.py's fig.to_plotly_json() gives). Every [data-chart] element on the page, and in content
 * that htmx swaps in later, is drawn once, responsive to its container's width.
 *
 * The page is ready before the charts: the Plotly bundle loads with `async` (it does not hold up
 * DOMContentLoaded; the tables beside the charts hold the same figures), and once it is there the
 * charts on screen are drawn first, then the others one at a time while the browser is idle.
 */
(function () {
  "use strict";

  var BASE_CONFIG = { responsive: true, displaylogo: false, displayModeBar: false };
  var waiting = [];

  function readFigure(id) {
    var source = document.getElementById(id);
    if (!source) {
      throw new Error("charts.js: no json_script element with id " + id);
    }
    return JSON.parse(source.textContent);
  }

  function label(element) {
    // Named at once, drawn or not: a screen reader reads the chart's title from the start.
    if (element.hasAttribute("aria-label")) {
      return;
    }
    var layout = readFigure(element.getAttribute("data-chart")).layout || {};
    var title = typeof layout.title === "string" ? layout.title : layout.title && layout.title.text;
    if (title) {
      element.setAttribute("aria-label", title);
    }
  }

  function draw(element) {
    if (element.getAttribute("data-chart-drawn") === "true" || !element.isConnected) {
      return;
    }
    var figure = readFigure(element.getAttribute("data-chart"));
    var layout = Object.assign({ autosize: true }, figure.layout || {});
    var config = Object.assign({}, BASE_CONFIG, figure.config || {});
    config.displaylogo = false;
    element.setAttribute("data-chart-drawn", "true");
    window.Plotly.newPlot(element, figure.data || [], layout, config);
  }

  function onScreen(element) {
    var box = element.getBoundingClientRect();
    return box.bottom > 0 && box.top < (window.innerHeight || document.documentElement.clientHeight);
  }

  var idle = window.requestIdleCallback || function (callback) { return window.setTimeout(callback, 1); };

  function drawWaiting() {
    if (!window.Plotly) {
      return;
    }
    // Those on screen now, then the rest, one per idle moment so scrolling stays smooth.
    waiting.filter(onScreen).forEach(draw);
    var rest = waiting.filter(function (element) { return element.getAttribute("data-chart-drawn") !== "true"; });
    waiting = [];
    (function next() {
      var element = rest.shift();
      if (element) {
        draw(element);
        idle(next);
      }
    })();
  }

  function drawAll(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var elements = Array.prototype.slice.call(scope.querySelectorAll("[data-chart]"));
    if (scope.matches && scope.matches("[data-chart]")) {
      elements.unshift(scope);
    }
    elements.forEach(label);
    waiting = waiting.concat(elements);
    window.setTimeout(drawWaiting, 0);  // after the event that found them (DOMContentLoaded, a swap)
  }

  // The bundle is loaded with async (components/plotly_scripts.html): draw when it has run.
  function whenPlotly() {
    if (window.Plotly) {
      drawWaiting();
      return;
    }
    var tag = document.querySelector("script[data-plotly]");
    if (!tag) {
      console.error("charts.js: Plotly is not loaded; include components/plotly_scripts.html");
      return;
    }
    tag.addEventListener("load", drawWaiting, { once: true });
    tag.addEventListener("error", function () { console.error("charts.js: the Plotly bundle did not load"); });
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
  // Printing draws every chart first.
  window.addEventListener("beforeprint", function () {
    if (window.Plotly) {
      document.querySelectorAll("[data-chart]").forEach(draw);
    }
  });

  window.sencotrackCharts = { drawAll: drawAll };

  function start() {
    drawAll(document);
    whenPlotly();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  // Content swapped in by htmx (a filtered dashboard, a drawer) is drawn when it settles.
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.detail.elt); });
})();
