// plotly.js's core (the scatter trace and the components: axes, legend, hover, annotations,
// shapes, error bars, colour scales) plus the other traces sencotrack's charts use. Add a trace
// here when reports/charts.py starts drawing one; tests/e2e/test_dashboards.py fails otherwise.
'use strict';

var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'), // register and ratio-gain charts
    require('plotly.js/lib/heatmap') // transition matrices
]);

module.exports = Plotly;
