// The sprint pages: the velocity chart (sprints list), the burndown chart (one sprint) — both
// Chart.js, their data from json_script elements (no inline script: the CSP forbids it) — and
// planning, where items are dragged by their handle between the backlog and the sprint
// (SortableJS). A drop posts where the item goes, and the item it now sits above (or below), to
// its move URL with htmx, which answers the plan redrawn as saved with the committed points.
(() => {
  "use strict";

  const INDIGO = "#4f46e5";
  const GREEN = "#16a34a";
  const AMBER = "#d97706";
  const GREY = "#6b7280";

  function data(id) {
    const source = document.getElementById(id);
    return source ? JSON.parse(source.textContent) : null;
  }

  function fresh(canvas) {
    const existing = window.Chart.getChart(canvas);
    if (existing) existing.destroy();
  }

  function velocityChart() {
    const canvas = document.querySelector('canvas[data-chart="velocity"]');
    const velocity = data("velocity-data");
    if (!canvas || !velocity || !window.Chart) return;
    fresh(canvas);
    const datasets = [
      { type: "bar", label: "Committed", data: velocity.committed, backgroundColor: "#c7d2fe" },
      { type: "bar", label: "Completed", data: velocity.completed, backgroundColor: GREEN },
    ];
    if (velocity.average !== null) {
      datasets.push({
        type: "line",
        label: `Average completed (${velocity.average})`,
        data: velocity.labels.map(() => velocity.average),
        borderColor: AMBER,
        borderDash: [6, 4],
        pointRadius: 0,
        fill: false,
      });
    }
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: velocity.labels, datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { position: "top", align: "end" } },
        scales: {
          y: { beginAtZero: true, title: { display: true, text: "Story points" } },
          x: { grid: { display: false } },
        },
      },
    });
  }

  function burndownChart() {
    const canvas = document.querySelector('canvas[data-chart="burndown"]');
    const burndown = data("burndown-data");
    if (!canvas || !burndown || !window.Chart) return;
    fresh(canvas);
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: burndown.labels,
        datasets: [
          {
            label: "Remaining",
            data: burndown.remaining,
            borderColor: INDIGO,
            backgroundColor: "rgba(79, 70, 229, 0.12)",
            fill: true,
            tension: 0,
            pointRadius: 3,
            spanGaps: false,
          },
          {
            label: "Ideal",
            data: burndown.ideal,
            borderColor: GREY,
            borderDash: [6, 4],
            pointRadius: 0,
            fill: false,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { position: "top", align: "end" },
          tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${item.formattedValue} pts` } },
        },
        scales: {
          y: { beginAtZero: true, title: { display: true, text: "Story points" } },
          x: { grid: { display: false } },
        },
      },
    });
  }

  function sibling(row, direction) {
    let other = row[direction];
    while (other && !other.dataset.itemId) other = other[direction];
    return other;
  }

  function arrangePlan(root) {
    const scope = root.querySelectorAll ? root : document;
    scope.querySelectorAll("[data-sortable-plan]").forEach((list) => {
      if (!window.Sortable || list.dataset.sortableReady) return;
      list.dataset.sortableReady = "1";
      window.Sortable.create(list, {
        group: "sprint-plan",
        handle: "[data-drag-handle]",
        draggable: "[data-item-id]",
        filter: "[data-board-empty]",
        animation: 150,
        forceFallback: true, // pointer events: touch screens and automation alike
        onEnd(event) {
          if (event.from === event.to && event.oldIndex === event.newIndex) return;
          const row = event.item;
          const below = sibling(row, "nextElementSibling");
          const above = below ? null : sibling(row, "previousElementSibling");
          window.htmx.ajax("POST", row.dataset.moveUrl, {
            target: "#plan-body",
            swap: "outerHTML",
            values: {
              target: event.to.dataset.planList,
              before: below ? below.dataset.itemId : "",
              after: above ? above.dataset.itemId : "",
            },
          });
        },
      });
    });
  }

  // After "Add to sprint" or "Remove", keep the focus on the moved item's button in its new list.
  let focusAfterSwap = null;
  document.addEventListener("htmx:beforeRequest", (event) => {
    const active = document.activeElement;
    const row = active && active.closest && active.closest("[data-plan-list] [data-item-id]");
    focusAfterSwap = row && event.detail.elt.contains(active) ? row.dataset.itemId : null;
  });
  document.addEventListener("htmx:afterSettle", () => {
    const wanted = focusAfterSwap;
    focusAfterSwap = null;
    const row = wanted && document.querySelector(`[data-plan-list] [data-item-id="${wanted}"]`);
    const button = row && row.querySelector("[data-plan-button]");
    if (button) button.focus();
  });

  function draw() {
    if (window.Chart) {
      const style = getComputedStyle(document.body);
      window.Chart.defaults.font.family = style.fontFamily;
      window.Chart.defaults.color = GREY;
    }
    velocityChart();
    burndownChart();
    arrangePlan(document);
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:historyRestore", draw);
  document.addEventListener("htmx:load", (event) => arrangePlan(event.detail.elt));
})();
