/* Draws the dashboard's charts with Chart.js (served by the app, see README "Dashboard").
 *
 * Each <canvas data-chart-data="ID"> gets a bar chart from the JSON in <script id="ID">:
 * {labels, currency, datasets: [{label, data, formatted}]}. Amounts arrive as decimal strings
 * ("1234.50"); Chart.js turns them into numbers only to place the bars, and tooltips show the
 * server's formatted text. Chart.getChart(canvas) returns the chart (the browser tests use it).
 */
(function () {
  "use strict";

  // Colours with at least 3:1 contrast against white (WCAG non-text contrast).
  var COLOURS = ["#1d4ed8", "#c2410c", "#047857", "#7e22ce"];

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
        scales: {
          y: { beginAtZero: true, title: { display: Boolean(payload.currency), text: payload.currency } }
        },
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
