/* The console's only script: draws the page's charts with uPlot from the JSON the server put in
   the page, and small conveniences (select all, the cursor at a search error). Everything works
   without it except the charts. */
(function () {
  "use strict";

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  var palette = ["#0b5cad", "#b3261e", "#1e6b34", "#8a5300", "#5b3a9e", "#4a525c"];

  function chart(targetId, x, series, bars) {
    var target = document.getElementById(targetId);
    if (!target || typeof uPlot === "undefined") {
      return;
    }
    var opts = {
      width: Math.max(300, target.clientWidth || 800),
      height: 220,
      // Times are UTC everywhere in Escudo, the axis included.
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"); },
      scales: { x: { time: true } },
      series: [{ label: "time (UTC)" }].concat(series.map(function (s, i) {
        var one = { label: s.label, stroke: palette[i % palette.length], width: 2 };
        if (bars) {
          one.fill = "rgba(11, 92, 173, 0.35)";
          one.paths = uPlot.paths.bars({ size: [0.9, 40] });
        }
        return one;
      })),
      axes: [{}, { size: 60 }]
    };
    new uPlot(opts, [x].concat(series.map(function (s) { return s.y; })), target);
  }

  var histogram = data("histogram-data");
  if (histogram) {
    chart("histogram", histogram.x, [{ label: histogram.label, y: histogram.y }], true);
  }

  var risk = data("risk-data");
  if (risk) {
    chart("risk-chart", risk.x, risk.series, false);
  }

  var rate = data("rate-data");
  if (rate) {
    chart("rate-chart", rate.x, [{ label: rate.label, y: rate.y }], false);
  }

  var all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll("#notables tbody input[type=checkbox]").forEach(function (box) { box.checked = all.checked; });
    });
  }

  // A search error: put the box's cursor where the problem is.
  var error = document.querySelector(".spl-error[data-offset]");
  var box = document.getElementById("spl");
  if (error && box) {
    var at = parseInt(error.getAttribute("data-offset"), 10);
    box.focus();
    box.setSelectionRange(at, at + 1);
  }
})();
