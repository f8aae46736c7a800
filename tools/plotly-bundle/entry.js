// plotly.js for sencotrack's charts: plotly.js's own src/core.js (v4.1.1), registering only the
// components the charts use, plus the bar and heatmap traces (scatter is part of the core).
//
// Left out, as reports/charts.py never draws them: 3D annotations, images, update menus,
// sliders, range sliders and selectors, layout grids, and the Snapshot/Icons/PlotSchema exports.
// A component left out is simply absent (plotly.js looks components up in its registry and does
// nothing for one that is not there). Add a trace (and its e2e figure in
// tests/e2e/test_static_scripts.py) when reports/charts.py starts drawing one; add a component
// here if a chart starts using it (a range slider, say).
'use strict';

exports.version = require('plotly.js/src/version').version;

require('native-promise-only');
require('plotly.js/build/plotcss');

var Registry = require('plotly.js/src/registry');
var register = (exports.register = Registry.register);

var plotApi = require('plotly.js/src/plot_api');
Object.keys(plotApi).forEach(function (name) {
    if (name.charAt(0) !== '_') exports[name] = plotApi[name];
    register({ moduleType: 'apiMethod', name: name, fn: plotApi[name] });
});

register(require('plotly.js/src/traces/scatter'));
register([
    require('plotly.js/src/components/annotations'), // empty-chart messages, band labels, notes
    require('plotly.js/src/components/selections'), // required by the cartesian drag box anyway
    require('plotly.js/src/components/shapes'), // lines at 0 and the band cuts, intervention spans
    require('plotly.js/src/components/errorbars'), // value-added confidence intervals
    require('plotly.js/src/components/colorscale'), // heatmaps
    require('plotly.js/src/components/colorbar'), // heatmaps
    require('plotly.js/src/components/legend'), // after shapes: legend defaults read them
    require('plotly.js/src/components/fx'), // hover; after legend
    require('plotly.js/src/components/modebar'), // hidden by charts.js, required by the plot code
]);
register([require('plotly.js/src/locale-en'), require('plotly.js/src/locale-en-us')]);

register([
    require('plotly.js/lib/bar'), // register and ratio-gain charts
    require('plotly.js/lib/heatmap'), // transition matrices
]);

var Plots = require('plotly.js/src/plots/plots');
exports.Plots = { resize: Plots.resize }; // static/js/charts.js resizes charts shown late
