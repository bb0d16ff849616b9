// The experiment page's lift chart (Chart.js): each variant's difference from the control, in
// percentage points, as a dot on a horizontal bar spanning its 95 % confidence interval. The data
// comes from the json_script #experiment-data (no inline script: the CSP forbids it).
(() => {
  "use strict";

  const GREEN = "#16a34a";
  const RED = "#dc2626";
  const GREY = "#6b7280";

  function alpha(hex, opacity) {
    const n = parseInt(hex.slice(1), 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${opacity})`;
  }

  function points(value) {
    if (value === 0) return "0 pp";
    const sign = value > 0 ? "+" : "−";
    return `${sign}${Math.abs(value).toFixed(1)} pp`;
  }

  // Green: significantly better than the control; red: significantly worse; grey: can't tell.
  function colour(data, index) {
    if (!data.significant[index]) return GREY;
    return data.difference[index] > 0 ? GREEN : RED;
  }

  function config(data) {
    const colours = data.labels.map((_, index) => colour(data, index));
    return {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: "95 % confidence interval",
            data: data.labels.map((_, index) => [data.low[index], data.high[index]]),
            backgroundColor: colours.map((c) => alpha(c, 0.22)),
            borderColor: colours,
            borderWidth: 1,
            borderSkipped: false,
            borderRadius: 4,
            barPercentage: 0.45,
            order: 2,
          },
          {
            type: "scatter",
            label: "Difference from the control",
            data: data.labels.map((label, index) => ({ x: data.difference[index], y: label })),
            backgroundColor: colours,
            borderColor: "#fff",
            borderWidth: 2,
            pointRadius: 7,
            pointHoverRadius: 8,
            order: 1,
          },
        ],
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { position: "top", align: "end", labels: { boxWidth: 10, boxHeight: 10 } },
          tooltip: {
            callbacks: {
              label: (item) => {
                const i = item.dataIndex;
                if (item.datasetIndex === 0) {
                  return `95 % CI: ${points(data.low[i])} to ${points(data.high[i])}`;
                }
                return `${points(data.difference[i])} vs ${data.control}`;
              },
            },
          },
        },
        scales: {
          x: {
            title: { display: true, text: `Conversion rate minus ${data.control}'s (percentage points)` },
            ticks: { callback: (value) => points(Number(value)) },
            // The line at zero: an interval that crosses it can't tell the variant from the control.
            grid: { color: (ctx) => (ctx.tick && ctx.tick.value === 0 ? GREY : "#eef0f4") },
          },
          y: { grid: { display: false } },
        },
      },
    };
  }

  function draw() {
    const source = document.getElementById("experiment-data");
    const canvas = document.querySelector('canvas[data-chart="lift"]');
    if (!source || !canvas || !window.Chart) return;
    const existing = window.Chart.getChart(canvas);
    if (existing) existing.destroy();
    const style = getComputedStyle(document.body);
    window.Chart.defaults.font.family = style.fontFamily;
    window.Chart.defaults.color = GREY;
    new window.Chart(canvas, config(JSON.parse(source.textContent)));
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:historyRestore", draw);
})();
