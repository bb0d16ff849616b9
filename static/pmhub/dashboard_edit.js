// Edit mode of a user-arranged dashboard: tiles are reordered by drag and drop (SortableJS, by
// their handle). A drop posts the tile's new position to its move URL with htmx, which answers
// the redrawn #dashboard-body; the move up / move down buttons do the same without a mouse.
(() => {
  "use strict";

  function arrange(root) {
    const list =
      root.matches && root.matches("[data-sortable-tiles]")
        ? root
        : root.querySelector && root.querySelector("[data-sortable-tiles]");
    if (!list || !window.Sortable || list.dataset.sortableReady) return;
    list.dataset.sortableReady = "1";
    window.Sortable.create(list, {
      handle: "[data-drag-handle]",
      draggable: "[data-tile-id]",
      animation: 150,
      // Pointer events rather than the browser's native drag and drop: the same feel on touch
      // screens and in every browser, and a drag that automation can drive.
      forceFallback: true,
      onEnd(event) {
        if (event.oldIndex === event.newIndex || !window.htmx) return;
        window.htmx.ajax("POST", event.item.dataset.moveUrl, {
          target: "#dashboard-body",
          swap: "outerHTML",
          values: { position: String(event.newIndex) },
        });
      },
    });
  }

  document.addEventListener("DOMContentLoaded", () => arrange(document));
  document.addEventListener("htmx:load", (event) => arrange(event.detail.elt));
})();
