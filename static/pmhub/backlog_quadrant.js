// The value vs effort scatter of a product's backlog (templates/backlog/quadrant.html). Its data
// comes from the json_script #quadrant-data (no inline script: the CSP forbids it): the four
// quadrants' points and the two lines that divide them. A click on a point opens its item.
(() => {
  "use strict";

  const COLOURS = {
    quick_win: "#16a34a",
    big_bet: "#2563eb",
    fill_in: "#9ca3af",
    money_pit: "#dc2626",
  };
  const GREY = "#6b7280";

  // Dashed lines at the middle value and the median effort.
  const dividers = {
    id: "quadrantDividers",
    afterDraw(chart, _args, options) {
      const { ctx, chartArea, scales } = chart;
      const x = scales.x.getPixelForValue(options.effortMid);
      const y = scales.y.getPixelForValue(options.valueMid);
      ctx.save();
      ctx.strokeStyle = GREY;
      ctx.setLineDash([4, 4]);
      ctx.beginPath();
      ctx.moveTo(x, chartArea.top);
      ctx.lineTo(x, chartArea.bottom);
      ctx.moveTo(chartArea.left, y);
      ctx.lineTo(chartArea.right, y);
      ctx.stroke();
      ctx.restore();
    },
  };

  function config(data) {
    const efforts = data.quadrants.flatMap((q) => q.points.map((p) => p.x));
    return {
      type: "scatter",
      data: {
        datasets: data.quadrants.map((q) => ({
          label: q.label,
          data: q.points,
          backgroundColor: COLOURS[q.key],
          borderColor: COLOURS[q.key],
          pointRadius: 6,
          pointHoverRadius: 8,
        })),
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: {
            title: { display: true, text: "Effort" },
            min: 0,
            suggestedMax: Math.max(...efforts, data.effort_mid * 2, 1),
          },
          y: { title: { display: true, text: "Value" }, min: 0, max: 10 },
        },
        plugins: {
          quadrantDividers: { valueMid: data.value_mid, effortMid: data.effort_mid },
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: (context) => {
                const point = context.raw;
                return `${point.title}: value ${point.y}, effort ${point.x}`;
              },
            },
          },
        },
        onClick: (_event, elements, chart) => {
          if (!elements.length) return;
          const { datasetIndex, index } = elements[0];
          window.location.href = chart.data.datasets[datasetIndex].data[index].url;
        },
        onHover: (event, elements) => {
          event.native.target.style.cursor = elements.length ? "pointer" : "default";
        },
      },
      plugins: [dividers],
    };
  }

  function draw() {
    const source = document.getElementById("quadrant-data");
    const canvas = document.querySelector('canvas[data-chart="quadrant"]');
    if (!source || !canvas || !window.Chart) return;
    const existing = window.Chart.getChart(canvas);
    if (existing) existing.destroy();
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    window.Chart.defaults.color = GREY;
    new window.Chart(canvas, config(JSON.parse(source.textContent)));
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:historyRestore", draw);
})();
