/* Charts of the hub statistics page, drawn with the vendored Observable Plot (needs d3.min.js and
   plot.umd.min.js loaded first). Data contract, set by templates/reporting/dashboard.html:
     <figure class="chart" data-chart="line|bar|funnel|tiles" data-data="ID"> … <div class="chart-canvas"> …
     <script type="application/json" id="ID">…</script>
   The data table beside each chart is its accessible equivalent; the canvas is decoration.
   The Content-Security-Policy forbids inline styles: Plot's <style> elements are removed from the
   detached plot before it enters the page, and their rules live in charts.css. */
(function () {
  "use strict";
  if (!window.Plot || !window.d3) return; // vendored libraries missing: the tables remain.

  var FONT = "12px system-ui, sans-serif"; // same as charts.css: labels never under 12 px
  var INK = "#1b1b1f";
  var BAR = "#1f3f99"; // --brand, 9.3:1 on white
  // Line colours, each at least 4.5:1 on white so lines and dots pass the 3:1 rule.
  var SERIES = ["#1f3f99", "#b3261e", "#1c6b33", "#7a4b00", "#6b2fa3", "#00667a"];
  var LOW = "#c2d0ee", HIGH = "#142a66"; // tile scale; absent or zero départements are grey
  var EMPTY = "#f4f4f6";
  var PRINT_WIDTH = 640; // CSS px within A4 portrait margins
  var CLASS = "socle-plot"; // stable class names for charts.css instead of Plot's hashed default

  function num(v) { return Number(v).toLocaleString("fr-FR"); }
  // Counts have no halves: on a small scale, label whole numbers only.
  function whole(v) { return Number.isInteger(v) ? num(v) : ""; }
  function pct(v) { return v.toLocaleString("fr-FR", {style: "percent", maximumFractionDigits: 1}); }

  var ctx = document.createElement("canvas").getContext("2d");
  function textWidth(s) { ctx.font = FONT; return Math.ceil(ctx.measureText(String(s)).width); }
  function longest(strings) { return strings.reduce(function (m, s) { return Math.max(m, textWidth(s)); }, 0); }

  // Tile grid of France: each line is a row, each 3-character slot a column ("." = sea).
  // Hand-placed: Nord top, Bretagne left, Alsace right, Pyrénées bottom, Corse bottom right,
  // overseas départements in their own row under a gap, two columns wide for their 3 digits.
  var GRID = [
    ".  .  .  .  .  62 59 .  .  .  .  .",
    ".  .  .  .  76 80 60 02 .  .  .  .",
    ".  .  50 14 27 95 93 51 08 .  .  .",
    "29 22 35 61 78 92 75 77 55 57 67 .",
    ".  56 53 72 28 91 94 10 52 54 68 .",
    ".  .  44 49 37 41 45 89 21 88 90 .",
    ".  .  85 79 86 36 18 58 71 70 25 .",
    ".  .  .  17 16 87 23 03 69 39 74 .",
    ".  .  .  33 24 19 63 42 38 01 73 .",
    ".  .  .  40 47 46 15 43 07 26 05 .",
    ".  .  .  64 32 82 12 48 30 84 04 06",
    ".  .  .  .  65 31 81 34 .  13 83 .",
    ".  .  .  .  .  09 11 .  .  .  .  2B",
    ".  .  .  .  .  .  66 .  .  .  .  2A",
    "",
    "971   972   973   974   976"
  ];
  var TILES = [];
  GRID.forEach(function (line, row) {
    for (var col = 0; col * 3 < line.length; col++) {
      var code = line.substr(col * 3, 3).trim();
      if (code && code !== ".") TILES.push({code: code, col: col, row: row, w: code.length > 2 ? 2 : 1});
    }
  });
  var GRID_COLS = 12, GRID_ROWS = GRID.length;

  // Black or white, whichever contrasts more with the tile's fill (WCAG relative luminance);
  // pure black, not INK, so that the worst case (the crossover) is still 4.58:1.
  function luminance(color) {
    var c = d3.rgb(color);
    return [c.r, c.g, c.b].map(function (v) {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    }).reduce(function (s, v, i) { return s + v * [0.2126, 0.7152, 0.0722][i]; }, 0);
  }
  function textOn(fill) {
    var l = luminance(fill);
    return 1.05 / (l + 0.05) > (l + 0.05) / 0.05 ? "#ffffff" : "#000000";
  }

  var draw = {
    line: function (data, width) {
      var points = data.points || [];
      if (!points.length) return null;
      var labels = [], series = [];
      points.forEach(function (p) {
        if (labels.indexOf(p.label) < 0) labels.push(p.label);
        if (series.indexOf(p.series) < 0) series.push(p.series);
      });
      var maxY = d3.max(points, function (p) { return p.value; }) || 1;
      var marginLeft = Math.max(40, longest([num(maxY)]) + 16);
      // Show only as many x labels as fit side by side, keeping the first one.
      var step = Math.ceil(labels.length / Math.max(1, Math.floor((width - marginLeft - 20) / (longest(labels) + 12))));
      return plot({
        width: width, height: Math.min(380, Math.max(240, Math.round(width * 0.45))),
        marginLeft: marginLeft, marginRight: 20, marginBottom: 40,
        x: {type: "point", domain: labels, label: data.x_label, labelAnchor: "right", padding: 0.3,
            ticks: labels.filter(function (_, i) { return i % step === 0; })},
        y: {label: data.y_label, grid: true, nice: true, zero: true, tickFormat: whole,
            ticks: Math.max(2, Math.min(6, Math.floor(width / 120)))},
        color: {domain: series, range: SERIES, legend: series.length > 1},
        marks: [
          Plot.ruleY([0]),
          Plot.line(points, {x: "label", y: "value", stroke: "series", strokeWidth: 2.5}),
          Plot.dot(points, {x: "label", y: "value", fill: "series", r: 4, stroke: "white"})
        ]
      });
    },

    bar: function (data, width) {
      var rows = data.rows || [];
      if (!rows.length) return null;
      var labels = rows.map(function (r) { return r.label; });
      var maxX = d3.max(rows, function (r) { return r.value; }) || 1;
      return horizontalBars(rows, labels, function (r) { return num(r.value); }, width, data.x_label, maxX);
    },

    funnel: function (data, width) {
      var rows = data.rows || [];
      if (!rows.length) return null;
      var first = rows[0].value;
      var labels = rows.map(function (r) { return r.label; });
      var maxX = d3.max(rows, function (r) { return r.value; }) || 1;
      return horizontalBars(rows, labels, function (r) {
        return first > 0 ? num(r.value) + " (" + pct(r.value / first) + ")" : num(r.value);
      }, width, null, maxX);
    },

    tiles: function (data, width) {
      var rows = data.rows || [];
      if (!rows.length) return null;
      var byCode = new Map(rows.map(function (r) { return [String(r.code), r]; }));
      var max = d3.max(rows, function (r) { return r.value; }) || 1;
      var interpolate = d3.interpolateLab(LOW, HIGH);
      var cells = TILES.map(function (t) {
        var r = byCode.get(t.code), value = r ? r.value : 0;
        // Same ramp as the colour scale below, to pick a legible text colour for each tile.
        var fill = value > 0 ? interpolate(value / max) : EMPTY;
        return {code: t.code, col: t.col, row: t.row, w: t.w, value: value, ink: textOn(fill)};
      });
      var margin = 4, size = Math.floor((Math.min(width, 640) - 2 * margin) / GRID_COLS);
      var ramp = Math.min(260, width - 24);
      return plot({
        width: size * GRID_COLS + 2 * margin, height: size * GRID_ROWS + 2 * margin,
        margin: margin,
        // Grid units on both axes (y downwards), so a tile may span two columns.
        x: {domain: [0, GRID_COLS], axis: null},
        y: {domain: [0, GRID_ROWS], axis: null, reverse: true},
        color: {type: "linear", domain: [0, max], interpolate: interpolate, legend: true,
                label: data.value_label, tickFormat: num, ticks: Math.min(5, max),
                width: ramp, marginLeft: 12, marginRight: 12},
        marks: [
          // Zero or absent: neutral grey outside the colour scale, so "none" never looks like "few".
          Plot.rect(cells.filter(function (c) { return c.value <= 0; }), tileRect({fill: EMPTY})),
          Plot.rect(cells.filter(function (c) { return c.value > 0; }), tileRect({fill: "value"})),
          Plot.text(cells, {x: function (c) { return c.col + c.w / 2; }, y: function (c) { return c.row + 0.5; },
                            text: "code", fill: "ink", fontWeight: 600, fontSize: size < 34 ? 12 : 13})
        ]
      });
    }
  };

  function tileRect(options) {
    return Object.assign({
      x1: "col", x2: function (c) { return c.col + c.w; },
      y1: "row", y2: function (c) { return c.row + 1; },
      inset: 1, stroke: "#8a8a99", strokeWidth: 0.75
    }, options);
  }

  function plot(options) {
    options.className = CLASS;
    options.style = null; // no inline style: charts.css sets fonts and colours
    return Plot.plot(options);
  }

  // Shared by bar and funnel: one bar per row in the given order, its label after the bar end.
  function horizontalBars(rows, labels, valueText, width, xLabel, maxX) {
    var texts = rows.map(valueText);
    var marginLeft = Math.min(Math.round(width * 0.45), longest(labels) + 12);
    var marginRight = longest(texts) + 12;
    return plot({
      width: width, height: rows.length * 32 + (xLabel ? 56 : 30),
      marginLeft: marginLeft, marginRight: marginRight, marginTop: xLabel ? 36 : 10, marginBottom: 20,
      x: {label: xLabel, domain: [0, maxX], axis: xLabel ? "top" : null, grid: !!xLabel, tickFormat: whole,
          ticks: Math.max(2, Math.min(6, Math.floor((width - marginLeft - marginRight) / 70)))},
      y: {domain: labels, label: null, tickSize: 0,
          // Labels too long for the margin are cut with an ellipsis; the table has them whole.
          tickFormat: function (l) { return clip(l, marginLeft - 10); }},
      marks: [
        Plot.barX(rows, {x: "value", y: "label", fill: BAR}),
        Plot.text(rows, {x: "value", y: "label", text: function (r, i) { return texts[i]; },
                         textAnchor: "start", dx: 5, fill: INK}),
        Plot.ruleX([0], {stroke: INK})
      ]
    });
  }

  function clip(label, room) {
    if (textWidth(label) <= room) return label;
    while (label.length > 1 && textWidth(label + "…") > room) label = label.slice(0, -1);
    return label + "…";
  }

  // Plot's build is detached: remove its <style> elements, which the CSP would refuse once in the
  // page, and its few style attributes (set through the CSSOM, allowed, but charts.css has them all),
  // then label the chart for assistive technologies.
  function sanitise(node, caption) {
    node.querySelectorAll("style").forEach(function (el) { el.remove(); });
    node.removeAttribute("style");
    node.querySelectorAll("[style]").forEach(function (el) { el.removeAttribute("style"); });
    var svgs = node.tagName.toLowerCase() === "svg" ? [node] : Array.from(node.querySelectorAll("svg"));
    var main = node.tagName.toLowerCase() === "svg" ? node : node.querySelector(":scope > svg." + CLASS);
    svgs.forEach(function (svg) {
      if (svg === main) {
        svg.setAttribute("role", "img");
        if (caption) svg.setAttribute("aria-label", caption);
      } else {
        svg.setAttribute("aria-hidden", "true"); // legend swatches and ramps
      }
      svg.setAttribute("focusable", "false");
    });
    return node;
  }

  function render(figure, forcedWidth) {
    var canvas = figure.querySelector(".chart-canvas");
    var source = document.getElementById(figure.dataset.data || "");
    var kind = draw[figure.dataset.chart];
    if (!canvas || !source || !kind) return;
    var width = forcedWidth || Math.max(280, Math.floor(canvas.clientWidth));
    if (canvas.dataset.drawnWidth === String(width)) return;
    var node = null;
    try {
      var data = figure._chartData || (figure._chartData = JSON.parse(source.textContent));
      var chart = kind(data, width);
      if (chart) {
        chart.classList.add(CLASS + "-root");
        var caption = figure.querySelector("figcaption");
        node = sanitise(chart, caption ? caption.textContent.trim() : "");
      }
    } catch (error) {
      // A broken chart must not break the page: the table still carries the data.
      if (window.console) console.warn("Graphique non dessiné :", error);
    }
    canvas.replaceChildren.apply(canvas, node ? [node] : []);
    canvas.dataset.drawnWidth = String(width);
  }

  function renderAll(forcedWidth) {
    document.querySelectorAll("figure.chart[data-chart]").forEach(function (figure) {
      render(figure, typeof forcedWidth === "number" ? forcedWidth : 0);
    });
  }

  // Plot draws fixed-size SVGs: redraw once the window has settled at a new width.
  var timer = null;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { renderAll(); }, 200);
  });
  // Printed, a screen-wide chart would shrink its 12 px labels: draw at an A4 text width instead.
  window.addEventListener("beforeprint", function () { renderAll(PRINT_WIDTH); });
  window.addEventListener("afterprint", function () { renderAll(); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", renderAll);
  else renderAll();
})();
