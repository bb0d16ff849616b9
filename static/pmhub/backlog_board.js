// The backlog's kanban board for the delivery team: cards are dragged by their handle within and
// between the status columns (SortableJS). A drop posts the column's status and the card it now
// sits above (or below, at the bottom) to the card's move URL with htmx, which answers the board
// redrawn as saved: a move the workflow refuses puts the card back and shows why. The "Move" menu
// does the same without a mouse, and the focus returns to the moved card's menu.
(() => {
  "use strict";

  function sibling(card, direction) {
    let other = card[direction];
    while (other && !other.dataset.itemId) other = other[direction];
    return other;
  }

  function arrange(root) {
    const scope = root.querySelectorAll ? root : document;
    scope.querySelectorAll("[data-sortable-column]").forEach((column) => {
      if (!window.Sortable || column.dataset.sortableReady) return;
      column.dataset.sortableReady = "1";
      window.Sortable.create(column, {
        group: "backlog-board",
        handle: "[data-drag-handle]",
        draggable: "[data-item-id]",
        filter: "[data-board-empty]",
        animation: 150,
        // Pointer events rather than native drag and drop: the same on touch screens and in
        // every browser, and a drag that automation can drive.
        forceFallback: true,
        onEnd(event) {
          if (event.from === event.to && event.oldIndex === event.newIndex) return;
          const card = event.item;
          const below = sibling(card, "nextElementSibling");
          const above = below ? null : sibling(card, "previousElementSibling");
          window.htmx.ajax("POST", card.dataset.moveUrl, {
            target: "#board-body",
            swap: "outerHTML",
            values: {
              status: event.to.dataset.status,
              before: below ? below.dataset.itemId : "",
              after: above ? above.dataset.itemId : "",
            },
          });
        },
      });
    });
  }

  // Keep the focus on the moved card's menu after the board is redrawn.
  let focusAfterSwap = null;
  document.addEventListener("htmx:beforeRequest", (event) => {
    const active = document.activeElement;
    const card = active && active.closest && active.closest("[data-item-id]");
    focusAfterSwap = card && event.detail.elt.contains(active) ? card.dataset.itemId : null;
  });
  document.addEventListener("htmx:afterSettle", () => {
    const wanted = focusAfterSwap;
    focusAfterSwap = null;
    if (!wanted) return;
    const card = document.querySelector(`[data-item-id="${wanted}"]`);
    const target = card && card.querySelector("[data-move-menu]");
    if (target) target.focus();
  });

  document.addEventListener("DOMContentLoaded", () => arrange(document));
  document.addEventListener("htmx:load", (event) => arrange(event.detail.elt));
})();
