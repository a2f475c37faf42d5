/* What-if figures (chapters 9 and 11): controls that redraw a figure and its key numbers.
 *
 * Every value shown was computed by the library (inference_math.book.whatif_grid) when the book was
 * built and sits in the page as JSON; this script computes nothing: it finds the point for
 * the chosen options (a mixed-radix index over the controls, as whatif.lookup does), writes
 * the same sentence as inference_math.book.whatif_figure.whatif_key, and plots the stored curve with the
 * vendored plotly.js. No kernel, no network.
 */
(function () {
  "use strict";
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00"];

  function sig(x) {
    return Number(x).toPrecision(3);
  }

  function count(n) {
    return Number(n).toLocaleString("en-US");
  }

  function lookup(spec, chosen) {
    var index = 0, inner = null;
    spec.axes.forEach(function (axis) {
      var i = chosen[axis.name];
      if (axis.name === spec.inner) {
        inner = i;
      } else {
        index = index * axis.options.length + i;
      }
    });
    var point = Object.assign({}, spec.points[index]);
    if (inner !== null) {
      Object.assign(point, point[spec.inner][inner]);
      delete point[spec.inner];
    }
    return point;
  }

  function key(spec, p) {
    var api = spec.api;
    if (spec.name === "completion-cost") {
      var against = ", against " + api + "'s $" + sig(spec.api_usd_per_1k_output);
      var fit = !p.max_fit
        ? "Not even one sequence fits beside the weights"
        : p.queues
        ? "The server admits at most " + count(p.max_fit) + " requests at once and the " +
          "rest queue; there 1K completion tokens cost $" + sig(p.max_fit_usd) + against
        : "The largest batch that fits is " + count(p.max_fit) + "; there 1K completion " +
          "tokens cost $" + sig(p.max_fit_usd) + against;
      var even = p.even
        ? "the break-even batch is " + count(p.even)
        : "no batch up to 4,096 breaks even";
      return fit + "; " + even + ".";
    }
    var apiUsd = api + ": $" + sig(p.api_usd) + " per request";
    if (!p.best) {
      return "No batch fits and meets the latency targets; " + apiUsd + ". Cheaper: " +
        api + ".";
    }
    var level = Math.round(100 * spec.interval_level) + "%";
    var cheaper;
    if (p.best_high < p.api_usd) {
      cheaper = "self-hosted, across the interval";
    } else if (p.best_low > p.api_usd) {
      cheaper = api + ", across the interval";
    } else {
      cheaper = (p.best_usd < p.api_usd ? "self-hosted" : api) +
        " at the estimate; the serving model's error turns it";
    }
    return "The cheapest batch within the targets is " + count(p.best) + ", at $" +
      sig(p.best_usd) + " per request ($" + sig(p.best_low) + " to $" + sig(p.best_high) +
      " over the serving model's " + level + " interval); " + apiUsd + ". Cheaper: " +
      cheaper + ".";
  }

  function traces(spec, p) {
    var text = Object.assign({}, spec.text, p.queues ? spec.text.continuous : {});
    var x = spec.batches;
    var mask = spec.name === "completion-cost" ? p.fits : p.ok;
    var inX = [], inY = [];
    x.forEach(function (b, i) {
      if ((mask >> i) & 1) { inX.push(b); inY.push(p.usd[i]); }
    });
    var api = spec.name === "completion-cost" ? spec.api_usd_per_1k_output : p.api_usd;
    var at = spec.name === "completion-cost" ? [p.max_fit, p.max_fit_usd] : [p.best, p.best_usd];
    if (at[0] && inX.indexOf(at[0]) < 0) { // the marked batch lies on the solid line
      var k = 0;
      while (k < inX.length && inX[k] < at[0]) { k++; }
      inX.splice(k, 0, at[0]); inY.splice(k, 0, at[1]);
    }
    var out = [
      { x: x, y: p.usd, mode: "lines", name: text.beyond,
        line: { color: PALETTE[0], dash: "dot", width: 1.5 } },
      { x: inX, y: inY, mode: "lines", name: text.line,
        line: { color: PALETTE[0], width: 3 } },
      { x: [x[0], x[x.length - 1]], y: [api, api], mode: "lines", name: spec.api,
        line: { color: PALETTE[3], dash: "dash", width: 1.5 } }
    ];
    if (at[0]) {
      out.push({ x: [at[0]], y: [at[1]], mode: "markers", name: text.marker,
        marker: { color: PALETTE[1], size: 11, line: { color: "black", width: 1 } } });
    }
    return out;
  }

  function layout(spec) {
    // White like the book's static figures, so the figure reads the same in dark mode.
    return {
      title: { text: spec.text.title, font: { size: 15 } },
      paper_bgcolor: "white", plot_bgcolor: "white", font: { color: "#222" },
      xaxis: { type: "log", title: { text: "batch" }, gridcolor: "#e5e5e5" },
      yaxis: { type: "log", title: { text: spec.text.y }, gridcolor: "#e5e5e5",
        exponentformat: "power" },
      legend: { orientation: "h", y: -0.25 },
      margin: { l: 70, r: 20, t: 45, b: 40 }, height: 420
    };
  }

  function setup(root) {
    var spec = JSON.parse(root.querySelector("script.wtc-data").textContent);
    var plot = root.querySelector(".wtc-plot");
    var out = root.querySelector(".wtc-key");
    var selects = root.querySelectorAll("select[data-axis]");
    function draw() {
      var chosen = {};
      selects.forEach(function (s) { chosen[s.dataset.axis] = Number(s.value); });
      var p = lookup(spec, chosen);
      out.textContent = key(spec, p);
      Plotly.react(plot, traces(spec, p), layout(spec),
        { displayModeBar: false, responsive: true });
    }
    selects.forEach(function (s) { s.addEventListener("change", draw); });
    draw();
    root.classList.add("wtc-live");
  }

  function start() {
    if (typeof Plotly === "undefined") {
      return; // the static sentence stays; nothing to draw with
    }
    document.querySelectorAll("[data-wtc-whatif]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
