// Planners move timeline bars: drag a bar to shift its dates, drag its right end to change its
// end date, or focus it and press ←/→ (a day) or Shift+←/→ (its end). Dates snap to days. The new
// dates are posted to the bar's URL (JSON answer); the server's redrawn timeline then replaces
// #timeline-body (an htmx GET of this page), so dependency lines follow and a refusal restores it.
(() => {
  "use strict";

  const DAY = 86400000;
  const parse = (text) => Date.parse(`${text}T00:00:00Z`);
  const format = (ms) => new Date(ms).toISOString().slice(0, 10);

  function timelineOf(bar) {
    return bar.closest("[data-timeline-editable]");
  }

  // Draw ``bar`` for the dates [starts, ends] (ms, both days included) in its window.
  function place(bar, starts, ends) {
    const timeline = timelineOf(bar);
    const origin = parse(timeline.dataset.windowStart);
    const days = Number(timeline.dataset.windowDays);
    const left = Math.max(0, ((starts - origin) / DAY / days) * 100);
    const right = Math.min(100, ((ends + DAY - origin) / DAY / days) * 100);
    bar.style.left = `${left}%`;
    bar.style.width = `${Math.max(0, right - left)}%`;
  }

  function announce(text) {
    const status = document.querySelector("[data-timeline-status]");
    if (status) status.textContent = text;
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function redraw(focusId) {
    if (!window.htmx) {
      window.location.reload();
      return;
    }
    window.htmx
      .ajax("GET", window.location.href, { target: "#timeline-body", swap: "outerHTML" })
      .then(() => {
        if (!focusId) return;
        const bar = document.querySelector(`.timeline-bar[data-initiative-id="${focusId}"]`);
        if (bar) bar.focus();
      });
  }

  function save(bar, starts, ends, { keepFocus = false } = {}) {
    const body = new URLSearchParams({ starts_on: format(starts), ends_on: format(ends) });
    return fetch(bar.dataset.datesUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
      body,
    })
      .then((response) => response.json().then((answer) => ({ ok: response.ok, answer })))
      .then(({ ok, answer }) => {
        announce(
          ok
            ? `${bar.dataset.title}: ${answer.starts_on} to ${answer.ends_on}`
            : `Not saved: ${answer.message || "the dates were refused"}`,
        );
        redraw(keepFocus ? bar.dataset.initiativeId : null);
      })
      .catch(() => {
        announce("Not saved: the server could not be reached.");
        redraw(null);
      });
  }

  // Pointer drags: the whole bar moves; its [data-resize] end changes the end date only.
  document.addEventListener("pointerdown", (event) => {
    const bar = event.target.closest && event.target.closest(".timeline-bar[data-dates-url]");
    if (!bar || event.button !== 0 || !timelineOf(bar)) return;
    event.preventDefault();
    const resizing = Boolean(event.target.closest("[data-resize]"));
    const track = bar.closest("[data-track]").getBoundingClientRect();
    const perDay = track.width / Number(timelineOf(bar).dataset.windowDays);
    const starts = parse(bar.dataset.starts);
    const ends = parse(bar.dataset.ends);
    const x0 = event.clientX;
    let shift = 0;
    bar.setPointerCapture(event.pointerId);
    bar.classList.add("is-dragging");

    const dates = () =>
      resizing ? [starts, Math.max(starts, ends + shift * DAY)] : [starts + shift * DAY, ends + shift * DAY];

    const move = (moveEvent) => {
      shift = Math.round((moveEvent.clientX - x0) / perDay);
      const [newStarts, newEnds] = dates();
      place(bar, newStarts, newEnds);
    };
    const end = () => {
      bar.removeEventListener("pointermove", move);
      bar.removeEventListener("pointerup", end);
      bar.removeEventListener("pointercancel", end);
      bar.classList.remove("is-dragging");
      const [newStarts, newEnds] = dates();
      if (newStarts === starts && newEnds === ends) return;
      save(bar, newStarts, newEnds);
    };
    bar.addEventListener("pointermove", move);
    bar.addEventListener("pointerup", end);
    bar.addEventListener("pointercancel", end);
  });

  // Keyboard: a focused bar moves by a day per arrow press (Shift: its end); saved once the
  // keys rest for a moment, so holding a key is one request.
  const pending = new Map();
  document.addEventListener("keydown", (event) => {
    const bar = event.target.closest && event.target.closest(".timeline-bar[data-dates-url]");
    if (!bar || (event.key !== "ArrowLeft" && event.key !== "ArrowRight")) return;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    const step = event.key === "ArrowLeft" ? -DAY : DAY;
    let starts = parse(bar.dataset.starts);
    let ends = parse(bar.dataset.ends);
    if (event.shiftKey) {
      ends = Math.max(starts, ends + step);
    } else {
      starts += step;
      ends += step;
    }
    bar.dataset.starts = format(starts);
    bar.dataset.ends = format(ends);
    place(bar, starts, ends);
    announce(`${bar.dataset.title}: ${format(starts)} to ${format(ends)}`);
    clearTimeout(pending.get(bar));
    pending.set(
      bar,
      setTimeout(() => {
        pending.delete(bar);
        save(bar, starts, ends, { keepFocus: true });
      }, 600),
    );
  });
})();
