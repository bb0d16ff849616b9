// KPI dashboard charts (Chart.js). The data comes from the json_script inside #dashboard-body;
// the charts are drawn on load, redrawn when htmx swaps the body (another range or interval) and
// when the browser's history restores the page. No inline script: the CSP forbids it.
(() => {
  "use strict";

  const COLORS = {
    indigo: "#4f46e5",
    sky: "#0ea5e9",
    violet: "#a855f7",
    emerald: "#10b981",
    amber: "#f59e0b",
    pale: "#c7d2fe",
    rose: "#e11d48",
  };

  // Annotations ("v2.3 shipped") as vertical dashed lines with a label, on any category chart:
  // options.plugins.pmhubAnnotations.items = [{at: <label index or null>, text}]. Labels of
  // notes on the same bucket stack downwards. ``chart.$annotationsDrawn`` counts what was drawn.
  const ANNOTATIONS = {
    id: "pmhubAnnotations",
    afterDatasetsDraw(chart, _args, opts) {
      const items = ((opts && opts.items) || []).filter((item) => Number.isInteger(item.at));
      const { ctx, chartArea: area, scales } = chart;
      const rows = {};
      let drawn = 0;
      ctx.save();
      ctx.font = `11px ${window.Chart.defaults.font.family}`;
      ctx.textBaseline = "top";
      for (const item of items) {
        const x = scales.x.getPixelForValue(item.at);
        if (x < area.left - 1 || x > area.right + 1) continue;
        ctx.strokeStyle = COLORS.rose;
        ctx.lineWidth = 1;
        ctx.setLineDash([4, 3]);
        ctx.beginPath();
        ctx.moveTo(x, area.top);
        ctx.lineTo(x, area.bottom);
        ctx.stroke();
        ctx.setLineDash([]);
        const row = (rows[item.at] = (rows[item.at] || 0) + 1) - 1;
        const label = item.text.length > 28 ? `${item.text.slice(0, 27)}…` : item.text;
        const width = ctx.measureText(label).width + 8;
        const left = x + 3 + width > area.right ? x - 3 - width : x + 3;
        const top = area.top + 2 + row * 16;
        ctx.fillStyle = "rgba(255, 255, 255, 0.9)";
        ctx.fillRect(left, top, width, 15);
        ctx.fillStyle = COLORS.rose;
        ctx.fillText(label, left + 4, top + 2);
        drawn += 1;
      }
      ctx.restore();
      chart.$annotationsDrawn = drawn;
    },
  };

  function format(value, kind) {
    if (value === null || value === undefined) return "—";
    if (kind === "percent") return `${(value * 100).toFixed(1)}%`;
    if (kind === "decimal") {
      return value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
    return Math.round(value).toLocaleString("en-US");
  }

  // Axis ticks: short ("1.2K"), shares as whole percents.
  function tick(kind) {
    return (value) => {
      if (kind === "percent") return `${Math.round(value * 100)}%`;
      return Number(value).toLocaleString("en-US", {
        notation: "compact",
        maximumFractionDigits: kind === "decimal" ? 2 : 1,
      });
    };
  }

  function alpha(hex, opacity) {
    const n = parseInt(hex.slice(1), 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${opacity})`;
  }

  function options(data, titles, { legend = true, axes = {} } = {}) {
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: {
          display: legend,
          position: "top",
          align: "end",
          labels: { usePointStyle: true, boxWidth: 8, boxHeight: 8 },
        },
        tooltip: {
          callbacks: {
            title: (items) => (items.length ? titles[items[0].dataIndex] : ""),
            label: (item) =>
              `${item.dataset.label}: ${format(item.raw, item.dataset.valueFormat)}`,
          },
        },
      },
      scales: {
        x: {
          grid: { display: false },
          ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 },
        },
        ...axes,
      },
    };
  }

  function valueAxis(kind, extra = {}) {
    return {
      beginAtZero: true,
      border: { display: false },
      ticks: { callback: tick(kind), maxTicksLimit: 6 },
      ...extra,
    };
  }

  function line(data, key, color, extra = {}) {
    const dense = data.labels.length > 45;
    return {
      label: data.names[key] || key,
      data: data.series[key],
      valueFormat: data.formats[key],
      borderColor: color,
      backgroundColor: color,
      borderWidth: 2,
      cubicInterpolationMode: "monotone",
      pointRadius: dense ? 0 : 2.5,
      pointHoverRadius: 4,
      ...extra,
    };
  }

  const BUILDERS = {
    active(data) {
      const lines = [
        ["dau", COLORS.indigo],
        ["wau", COLORS.sky],
        ["mau", COLORS.violet],
      ].filter(([key]) => data.series[key]);
      return {
        type: "line",
        data: {
          labels: data.labels,
          datasets: lines.map(([key, color]) => line(data, key, color)),
        },
        options: options(data, data.titles, { axes: { y: valueAxis("count") } }),
      };
    },

    "new-users"(data) {
      if (!data.series.new_users) return null;
      return {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: [
            {
              label: data.names.new_users,
              data: data.series.new_users,
              valueFormat: data.formats.new_users,
              backgroundColor: alpha(COLORS.indigo, 0.75),
              hoverBackgroundColor: COLORS.indigo,
              borderRadius: 3,
              maxBarThickness: 28,
            },
          ],
        },
        options: options(data, data.titles, { legend: false, axes: { y: valueAxis("count") } }),
      };
    },

    revenue(data) {
      const datasets = [];
      if (data.series.revenue) {
        datasets.push(
          line(data, "revenue", COLORS.emerald, {
            fill: "origin",
            backgroundColor: alpha(COLORS.emerald, 0.15),
            yAxisID: "y",
          }),
        );
      }
      if (data.series.arpu) {
        datasets.push(line(data, "arpu", COLORS.amber, { yAxisID: "y1" }));
      }
      return {
        type: "line",
        data: { labels: data.labels, datasets },
        options: options(data, data.titles, {
          axes: {
            y: valueAxis(data.formats.revenue || "decimal", { position: "left" }),
            y1: valueAxis(data.formats.arpu || "decimal", {
              position: "right",
              grid: { drawOnChartArea: false },
            }),
          },
        }),
      };
    },

    // A funnel's steps as bars (which one: the canvas's data-funnel index).
    funnel(data, canvas) {
      const funnel = (data.funnels || [])[Number(canvas.dataset.funnel)];
      if (!funnel) return null;
      const first = funnel.persons[0] || 0;
      const titles = funnel.steps.map((step, i) => {
        const share = first ? ` (${format(funnel.persons[i] / first, "percent")})` : "";
        return `Step ${i + 1}: ${step}${share}`;
      });
      return {
        type: "bar",
        data: {
          labels: funnel.steps,
          datasets: [
            {
              label: "People",
              data: funnel.persons,
              valueFormat: "count",
              backgroundColor: funnel.persons.map((_, i) =>
                alpha(COLORS.indigo, 0.9 - (0.5 * i) / Math.max(1, funnel.steps.length - 1)),
              ),
              borderRadius: 3,
              maxBarThickness: 64,
            },
          ],
        },
        options: options(data, titles, { legend: false, axes: { y: valueAxis("count") } }),
      };
    },

    // A tile of a user-arranged dashboard: its own series, as a line, bars or an area; a funnel
    // tile's bars come from ``data.funnels`` like the product dashboard's.
    tile(data, canvas) {
      const tile = (data.tiles || {})[canvas.dataset.tile];
      if (!tile) return null;
      if (tile.funnel !== undefined) {
        return BUILDERS.funnel(data, { dataset: { funnel: String(tile.funnel) } });
      }
      const bar = tile.kind === "bar";
      const color = COLORS.indigo;
      return {
        type: bar ? "bar" : "line",
        data: {
          labels: tile.labels,
          datasets: [
            {
              label: tile.name,
              data: tile.values,
              valueFormat: tile.format,
              borderColor: color,
              backgroundColor: bar ? alpha(color, 0.75) : alpha(color, 0.15),
              fill: tile.kind === "area" ? "origin" : false,
              borderWidth: 2,
              borderRadius: bar ? 3 : 0,
              maxBarThickness: 28,
              cubicInterpolationMode: "monotone",
              pointRadius: tile.values.length > 45 ? 0 : 2.5,
            },
          ],
        },
        options: options(data, tile.titles, { legend: false, axes: { y: valueAxis(tile.format) } }),
      };
    },

    retention(data) {
      const cohorts = data.retention;
      return {
        type: "bar",
        data: {
          labels: cohorts.labels,
          datasets: [
            {
              label: data.names.retention_w1 || "Week-1 retention",
              data: cohorts.values,
              valueFormat: "percent",
              backgroundColor: cohorts.complete.map((done) => (done ? COLORS.indigo : COLORS.pale)),
              borderRadius: 3,
              maxBarThickness: 28,
            },
          ],
        },
        options: options(data, cohorts.titles.map((t) => `Cohort: ${t}`), {
          legend: false,
          axes: { y: valueAxis("percent", { suggestedMax: 0.5 }) },
        }),
      };
    },
  };

  function destroyCharts(root) {
    if (!window.Chart) return;
    root.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      const chart = window.Chart.getChart(canvas);
      if (chart) chart.destroy();
    });
  }

  function drawCharts(body) {
    const source = body.querySelector("#dashboard-data");
    if (!source || !window.Chart) return;
    const data = JSON.parse(source.textContent);
    destroyCharts(body);
    body.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      const name = canvas.dataset.chart;
      const build = BUILDERS[name];
      const config = build && build(data, canvas);
      if (!config) return;
      // The weekly retention chart has its own axis: notes sit on their cohort's week there.
      // A funnel's axis is its steps, not time: no dated notes there. A tile places its own.
      const notes = name === "funnel" ? [] : data.annotations || [];
      const items =
        name === "tile"
          ? (data.tiles[canvas.dataset.tile] || {}).annotations || []
          : notes.map((note) => ({
              text: note.text,
              at: name === "retention" ? note.week_at : note.at,
            }));
      config.plugins = [ANNOTATIONS];
      config.options.plugins.pmhubAnnotations = { items };
      new window.Chart(canvas, config);
    });
  }

  // The controls sit outside the swapped body: show the range and interval it was drawn with.
  function syncControls(body) {
    const form = document.querySelector(".dashboard-controls");
    if (!form) return;
    for (const [name, value] of [
      ["from", body.dataset.from],
      ["to", body.dataset.to],
    ]) {
      const input = form.elements.namedItem(name);
      if (input && input !== document.activeElement) input.value = value;
    }
    form.querySelectorAll("[data-quick-range]").forEach((button) => {
      const active = button.dataset.quickRange === body.dataset.days;
      button.classList.toggle("active", active);
      button.setAttribute("aria-pressed", String(active));
    });
    const interval = form.querySelector(`input[name="interval"][value="${body.dataset.interval}"]`);
    if (interval) interval.checked = true;
  }

  function refresh(root) {
    const body = root.id === "dashboard-body" ? root : root.querySelector("#dashboard-body");
    if (!body) return;
    drawCharts(body);
    syncControls(body);
  }

  function setDefaults() {
    if (!window.Chart) return;
    const style = getComputedStyle(document.body);
    window.Chart.defaults.font.family = style.fontFamily;
    window.Chart.defaults.font.size = 12;
    window.Chart.defaults.color = "#6b7280";
    window.Chart.defaults.borderColor = "#eef0f4";
  }

  document.addEventListener("DOMContentLoaded", () => {
    setDefaults();
    refresh(document.body);
  });
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target && event.detail.target.id === "dashboard-body") {
      destroyCharts(event.detail.target);
    }
  });
  document.addEventListener("htmx:load", (event) => {
    if (event.detail.elt !== document.body) refresh(event.detail.elt);
  });
  document.addEventListener("htmx:historyRestore", () => refresh(document.body));
})();
