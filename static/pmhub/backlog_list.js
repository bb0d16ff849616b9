// The backlog list (templates/backlog/list.html): keyboard shortcuts, selection for the bulk bar,
// ranking by drag and drop (SortableJS) and the focus kept where the hand was after htmx redraws
// #backlog-body. Every write is an htmx request whose answer is the redrawn list (or row); this
// script only drives them. No inline scripts: the CSP forbids them.
(() => {
  "use strict";

  const ROW = "tr[data-item-id]";
  let currentId = null; // the row the keyboard is on (j/k), kept across redraws

  const body = () => document.getElementById("backlog-body");
  const rows = () => Array.from(document.querySelectorAll(`#backlog-body tbody > ${ROW}`));
  const rowOf = (id) =>
    id ? document.querySelector(`#backlog-body tbody > ${ROW}[data-item-id="${id}"]`) : null;
  const listQuery = () => (body() ? body().dataset.query || "" : "");

  // --- The current row ---------------------------------------------------------------------------

  function setCurrent(row, { focus = true } = {}) {
    rows().forEach((other) => other.classList.toggle("is-current", other === row));
    currentId = row ? row.dataset.itemId : null;
    if (row && focus) {
      row.focus({ preventScroll: true });
      row.scrollIntoView({ block: "nearest" });
    }
  }

  function step(delta) {
    const all = rows();
    if (!all.length) return;
    const at = all.indexOf(rowOf(currentId));
    const next = at === -1 ? (delta > 0 ? 0 : all.length - 1) : at + delta;
    setCurrent(all[Math.min(all.length - 1, Math.max(0, next))]);
  }

  // A click anywhere in a row (but on its controls) makes it the current row.
  document.addEventListener("mousedown", (event) => {
    const row = event.target.closest && event.target.closest(`#backlog-body ${ROW}`);
    if (row && !event.target.closest("a, button, input, select, textarea, label")) {
      setCurrent(row, { focus: false });
    }
  });

  // --- Selection and the bulk bar ----------------------------------------------------------------

  function updateSelection() {
    const bar = document.querySelector("[data-bulk-bar]");
    const boxes = Array.from(document.querySelectorAll("#backlog-body [data-select]"));
    const chosen = boxes.filter((box) => box.checked);
    boxes.forEach((box) => box.closest(ROW).classList.toggle("is-selected", box.checked));
    const all = document.querySelector("#backlog-body [data-select-all]");
    if (all) {
      all.checked = chosen.length > 0 && chosen.length === boxes.length;
      all.indeterminate = chosen.length > 0 && chosen.length < boxes.length;
    }
    if (!bar) return;
    bar.classList.toggle("has-selection", chosen.length > 0);
    bar.querySelector("[data-selected-count]").textContent = `${chosen.length} selected`;
  }

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target.matches("[data-select-all]")) {
      document.querySelectorAll("#backlog-body [data-select]").forEach((box) => {
        box.checked = target.checked;
      });
    }
    if (target.matches("[data-select], [data-select-all]")) updateSelection();
  });

  function toggleSelected(row) {
    const box = row && row.querySelector("[data-select]");
    if (!box) return;
    box.checked = !box.checked;
    updateSelection();
  }

  // The bulk delete asks first; the other actions apply at once (and can be undone the same way).
  document.addEventListener("htmx:confirm", (event) => {
    const trigger = event.detail.triggeringEvent;
    const question = trigger && trigger.submitter && trigger.submitter.dataset.bulkConfirm;
    if (!question) return;
    event.preventDefault();
    if (window.confirm(question)) event.detail.issueRequest(true);
  });

  // --- Filters and saved views -------------------------------------------------------------------

  // Empty filters stay out of the address (and so out of saved views).
  document.addEventListener("htmx:configRequest", (event) => {
    if (!event.detail.elt.closest || !event.detail.elt.closest("[data-backlog-filters]")) return;
    const data = event.detail.formData;
    Array.from(new Set(data.keys())).forEach((key) => {
      if (data.getAll(key).every((value) => value === "")) data.delete(key);
    });
  });

  // Typing in the search box filters after a pause, without waiting for the field to blur.
  let searchTimer = null;
  document.addEventListener("input", (event) => {
    const field = event.target;
    if (!field.matches("[data-backlog-filters] input[name='q']")) return;
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(() => {
      if (window.htmx) window.htmx.trigger(field.form, "submit");
    }, 350);
  });

  // A saved view keeps the filters shown now (the address changes as they do), never the page.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.matches("[data-save-view]")) return;
    const params = new URLSearchParams(listQuery());
    params.delete("page");
    form.querySelector("[name='query']").value = params.toString();
  });

  // --- Inline edit -------------------------------------------------------------------------------

  function edit(row) {
    const link = row && row.querySelector("[data-edit]");
    if (link) link.click();
  }

  function cancel(form) {
    const link = form.querySelector("[data-cancel]");
    if (link) link.click();
  }

  // --- Ranking by drag and drop ------------------------------------------------------------------

  function sibling(row, direction) {
    let next = row[direction];
    while (next && !next.matches(ROW)) next = next[direction];
    return next;
  }

  function arrange(root) {
    if (!window.Sortable) return;
    const scope = root && root.querySelectorAll ? root : document;
    const lists = Array.from(scope.querySelectorAll("[data-sortable-rows]"));
    if (scope.matches && scope.matches("[data-sortable-rows]")) lists.push(scope);
    lists.forEach((tbody) => {
      if (tbody.dataset.sortableReady) return;
      tbody.dataset.sortableReady = "1";
      window.Sortable.create(tbody, {
        handle: "[data-drag-handle]",
        draggable: ROW,
        animation: 150,
        // Pointer events rather than native drag and drop: the same on touch screens and in
        // every browser, and a drag that automation can drive.
        forceFallback: true,
        onEnd(event) {
          if (event.oldIndex === event.newIndex) return;
          const row = event.item;
          const below = sibling(row, "nextElementSibling");
          const above = sibling(row, "previousElementSibling");
          const values = below ? { before: below.dataset.itemId } : { after: above.dataset.itemId };
          currentId = row.dataset.itemId;
          window.htmx.ajax("POST", `${row.dataset.moveUrl}?${listQuery()}`, {
            target: "#backlog-body",
            swap: "outerHTML",
            values,
          });
        },
      });
    });
  }

  // --- Keyboard shortcuts ------------------------------------------------------------------------

  const TEXT_INPUTS = "input:not([type=checkbox]):not([type=radio]):not([type=button]):not([type=submit])";

  function typing(target) {
    return Boolean(
      target.closest &&
        target.closest(`${TEXT_INPUTS}, textarea, select, [contenteditable=''], [contenteditable='true']`),
    );
  }

  function showHelp() {
    const dialog = document.getElementById("shortcut-help");
    if (dialog && window.bootstrap) window.bootstrap.Modal.getOrCreateInstance(dialog).show();
  }

  document.addEventListener("keydown", (event) => {
    if (!body() || event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (event.key === "Escape") {
      const form = target.closest && target.closest("[data-inline-edit]");
      if (form) {
        event.preventDefault();
        cancel(form);
      }
      return;
    }
    if (typing(target) || document.querySelector(".modal.show")) return;
    const row = rowOf(currentId);
    switch (event.key) {
      case "j":
        step(1);
        break;
      case "k":
        step(-1);
        break;
      case "x":
        toggleSelected(row);
        break;
      case "e":
        edit(row);
        break;
      case "Enter":
        // Only on the row itself: Enter on a link or button inside it does what they do.
        if (!row || target !== row || !row.dataset.itemUrl) return;
        window.location.assign(row.dataset.itemUrl);
        break;
      case "/": {
        const search = document.querySelector("[data-backlog-filters] input[name='q']");
        if (!search) return;
        search.focus();
        search.select();
        break;
      }
      case "?":
        showHelp();
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  // --- After htmx redraws ------------------------------------------------------------------------

  // What had the focus before a request, to put it back on the same control of the same row.
  let focusAfterSwap = null;
  document.addEventListener("htmx:beforeRequest", (event) => {
    const active = document.activeElement;
    const row = active && active.closest && active.closest(ROW);
    if (event.detail.elt.matches && event.detail.elt.matches("[data-quick-add]")) {
      focusAfterSwap = { quickAdd: true };
    } else if (row && active.dataset.move) {
      focusAfterSwap = { id: row.dataset.itemId, move: active.dataset.move };
    } else {
      focusAfterSwap = null;
    }
  });

  document.addEventListener("htmx:afterSettle", (event) => {
    const elt = event.detail.elt;
    if (!elt || !elt.matches) return;
    // A row opened for editing: straight into its title.
    if (elt.matches("[data-testid='item-edit-row']")) {
      currentId = elt.dataset.itemId;
      const field = elt.querySelector("input[name$='title']");
      if (field) {
        field.focus();
        field.select();
      }
      return;
    }
    // A row saved or cancelled: the keyboard stays on it.
    if (elt.matches(ROW)) {
      setCurrent(elt);
      updateSelection();
      return;
    }
    if (elt.id !== "backlog-body") return;
    updateSelection();
    const wanted = focusAfterSwap;
    focusAfterSwap = null;
    const row = rowOf((wanted && wanted.id) || currentId);
    if (row) setCurrent(row, { focus: false });
    if (wanted && wanted.quickAdd) {
      const title = elt.querySelector("[data-quick-add] input[name='title']");
      if (title) title.focus();
    } else if (wanted && row) {
      const button = row.querySelector(`[data-move="${wanted.move}"]`);
      (button || row).focus();
    } else if (row && document.activeElement === document.body) {
      row.focus({ preventScroll: true });
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    arrange(document);
    updateSelection();
  });
  document.addEventListener("htmx:load", (event) => arrange(event.detail.elt));
})();
