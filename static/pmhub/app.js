// Small behaviours shared by every page; no inline scripts (the CSP forbids them).
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const question = button && button.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.querySelector(button.dataset.copy);
  if (field && navigator.clipboard) {
    navigator.clipboard.writeText(field.value).then(() => { button.textContent = "Copied"; });
  }
});

// Tells the CSS that htmx drives forms on this page (no-JS fallbacks can hide).
document.addEventListener("DOMContentLoaded", () => {
  if (window.htmx) document.documentElement.classList.add("htmx-enabled");
});

// A button with data-toggle-row="#id" shows or hides that table row (details of a row).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-toggle-row]");
  const row = button && document.querySelector(button.dataset.toggleRow);
  if (!row) return;
  row.hidden = !row.hidden;
  button.setAttribute("aria-expanded", String(!row.hidden));
});

// Live tables ([data-live-refresh], polled by htmx) skip a refresh while someone types in the
// filters or reads an expanded row, so neither jumps under them; the badge says "Paused".
document.addEventListener("htmx:beforeRequest", (event) => {
  const live = event.detail.elt;
  if (!live.matches || !live.matches("[data-live-refresh]")) return;
  const focused = document.activeElement;
  const busy = Boolean(
    (focused && focused.closest("[data-live-pause-on-focus]")) ||
      live.querySelector("[data-toggle-row][aria-expanded='true']"),
  );
  live.classList.toggle("is-paused", busy);
  if (busy) event.preventDefault();
});
