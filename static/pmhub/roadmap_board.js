// The Now/Next/Later board for planners: cards are dragged by their handle within and between
// the columns (SortableJS). A drop posts the card's column and the card it now sits above to its
// move URL with htmx, which answers the redrawn #board-body; the arrow buttons do the same without
// a mouse, and keep the keyboard focus on the card that moved.
(() => {
  "use strict";

  function nextCard(card) {
    let next = card.nextElementSibling;
    while (next && !next.dataset.initiativeId) next = next.nextElementSibling;
    return next;
  }

  function arrange(root) {
    const scope = root.querySelectorAll ? root : document;
    scope.querySelectorAll("[data-sortable-column]").forEach((column) => {
      if (!window.Sortable || column.dataset.sortableReady) return;
      column.dataset.sortableReady = "1";
      window.Sortable.create(column, {
        group: "roadmap-board",
        handle: "[data-drag-handle]",
        draggable: "[data-initiative-id]",
        filter: "[data-board-empty]",
        animation: 150,
        // Pointer events rather than native drag and drop: the same on touch screens and in
        // every browser, and a drag that automation can drive.
        forceFallback: true,
        onEnd(event) {
          if (event.from === event.to && event.oldIndex === event.newIndex) return;
          const card = event.item;
          const below = nextCard(card);
          window.htmx.ajax("POST", card.dataset.moveUrl, {
            target: "#board-body",
            swap: "outerHTML",
            values: {
              horizon: event.to.dataset.horizon,
              before: below ? below.dataset.initiativeId : "",
            },
          });
        },
      });
    });
  }

  // Keep the focus on the moved card's same button (or its title) after the board is redrawn.
  let focusAfterSwap = null;
  document.addEventListener("htmx:beforeRequest", (event) => {
    const button = document.activeElement;
    const card = button && button.closest && button.closest("[data-initiative-id]");
    focusAfterSwap =
      card && event.detail.elt.contains(button)
        ? { id: card.dataset.initiativeId, move: button.dataset.move }
        : null;
  });
  document.addEventListener("htmx:afterSettle", () => {
    const wanted = focusAfterSwap;
    focusAfterSwap = null;
    if (!wanted) return;
    const card = document.querySelector(`[data-initiative-id="${wanted.id}"]`);
    if (!card) return;
    const target =
      card.querySelector(`[data-move="${wanted.move}"]`) ||
      card.querySelector("[data-move]") ||
      card.querySelector("a");
    if (target) target.focus();
  });

  document.addEventListener("DOMContentLoaded", () => arrange(document));
  document.addEventListener("htmx:load", (event) => arrange(event.detail.elt));
})();
