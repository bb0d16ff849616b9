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
