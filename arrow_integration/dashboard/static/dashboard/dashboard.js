/* Draws the dashboard's charts with Chart.js (served by the app, see README "Dashboard").
 *
 * Each <canvas data-chart-data="ID"> gets a bar chart from the JSON in <script id="ID">:
 * {labels, currency, axes: {amount, count}, datasets: [{label, data, formatted, axis}]}.
 * A dataset's axis is "amount" (left, in the currency) or "count" (right, a number of lines).
 * Amounts arrive as decimal strings ("1234.50"); Chart.js turns them into numbers only to
 * place the bars, and tooltips show the server's formatted text. Chart.getChart(canvas)
 * returns the chart (the browser tests use it).
 */
(function () {
  "use strict";

  // Colours with at least 3:1 contrast against white (WCAG non-text contrast).
  var COLOURS = ["#1d4ed8", "#c2410c", "#047857", "#7e22ce"];

  function scales(payload, datasets) {
    var axes = payload.axes || {};
    var result = {
      amount: { beginAtZero: true, position: "left", title: { display: Boolean(axes.amount), text: axes.amount } }
    };
    if (datasets.some(function (dataset) { return dataset.yAxisID === "count"; })) {
      result.count = {
        beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, ticks: { precision: 0 },
        title: { display: Boolean(axes.count), text: axes.count }
      };
    }
    return result;
  }

  function drawChart(canvas) {
    var source = document.getElementById(canvas.dataset.chartData);
    if (!source) {
      return;
    }
    var payload = JSON.parse(source.textContent);
    var datasets = payload.datasets.map(function (dataset, index) {
      return {
        label: dataset.label,
        data: dataset.data,
        formatted: dataset.formatted,
        yAxisID: dataset.axis === "count" ? "count" : "amount",
        backgroundColor: COLOURS[index % COLOURS.length],
        borderColor: COLOURS[index % COLOURS.length],
        borderWidth: 1
      };
    });
    new Chart(canvas, {
      type: "bar",
      data: { labels: payload.labels, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: scales(payload, datasets),
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (context) {
                return context.dataset.label + ": " + context.dataset.formatted[context.dataIndex];
              }
            }
          }
        }
      }
    });
  }

  document.querySelectorAll("canvas[data-chart-data]").forEach(drawChart);
})();
